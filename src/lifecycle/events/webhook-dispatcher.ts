import type { CommitListener } from '../../audit/audit-log.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../storage/store.ts';
import { DeliveryQueue, type DueDelivery } from './delivery-queue.ts';
import { eventTypeOf } from './key-event.ts';
import { retryDelayMs } from './retry-schedule.ts';
import { publicDeliveryId, WEBHOOK_KIND, type DeliveryDocument, type WebhookData, type WebhookDocument } from './webhook-records.ts';
import { unwrapWebhookSecret } from './webhook-secret.ts';
import { sendWebhook, type SendResult, type WebhookFetch } from './webhook-sender.ts';
import { checkWebhookUrl } from './webhook-url.ts';

/** Webhooks a store may hold: every event is matched against each of them. */
export const MAX_WEBHOOKS = 100;
/** Requests in flight at once, over all webhooks… */
const CONCURRENCY = 8;
/** …and to one webhook, so one slow receiver cannot take every slot. */
const CONCURRENCY_PER_WEBHOOK = 2;
/** Due queue entries looked at per pass. */
const SCAN_LIMIT = 200;
/** Enqueue steps per pass before the deliveries get their turn. */
const ENQUEUE_STEPS = 10;
/** Finished deliveries are pruned at most this often (clock time)… */
const PRUNE_EVERY_MS = 60_000;
/** …this many at a time. */
const PRUNE_BATCH = 200;

export interface DispatcherOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly fetch: WebhookFetch;
  /** The root key (throws `sealed` while sealed), to unwrap webhook secrets. */
  readonly rootKey: () => Buffer;
  /** This node's audit commits: a batch that holds an event starts a pass at once. */
  readonly onCommit: (listener: CommitListener) => () => void;
  /** A pass also runs this often: for retries coming due and other nodes' events. */
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly allowInsecureLoopback: boolean;
  /** Finished deliveries are kept this long in the delivery log. */
  readonly retentionMs: number;
  /** In [0, 1): the retry jitter. */
  readonly random?: () => number;
  /** Told of a failed pass (the store unreachable, say); the next pass retries. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Delivers webhook events while this node leads (a scheduler job): each pass files deliveries for
 * new audit entries, starts the sends that are due (bounded concurrency, each recorded as an
 * attempt: delivered, retried with backoff, or failed after MAX_ATTEMPTS), and prunes old
 * deliveries. Sends run outside any transaction and are not awaited by the pass, so one slow
 * receiver holds up neither the others nor new events. At-least-once: a send whose result could
 * not be recorded (crash, lost leadership) is sent again, with the same event id.
 */
export class WebhookDispatcher {
  readonly #o: DispatcherOptions;
  readonly #queue: DeliveryQueue;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #detach: (() => void) | null = null;
  #abort: AbortController | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  /** Queue entry id → the send in flight for it. */
  readonly #inFlight = new Map<string, { webhookId: string; done: Promise<void> }>();
  #lastPrune = Number.NEGATIVE_INFINITY;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#queue = new DeliveryQueue(options.store, options.clock);
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#detach = this.#o.onCommit((records) => {
      if (records.some((r) => eventTypeOf(r) !== null)) this.wake();
    });
    this.#timer = setInterval(() => this.wake(), this.#o.pollIntervalMs);
    this.#timer.unref();
    this.wake();
  }

  /** Stops at once: no new pass or send; sends in flight are aborted (and sent again by the next leader). */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#detach?.();
    this.#detach = null;
    this.#abort?.abort();
    this.#abort = null;
  }

  /** Resolves once no pass and no send is running (after `stop`, for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.#pass || this.#inFlight.size > 0) {
      await Promise.all([this.#pass, ...[...this.#inFlight.values()].map((f) => f.done)]);
    }
  }

  /** Runs a pass now (or right after the one running). */
  wake(): void {
    if (!this.#running) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = (async () => {
      do {
        this.#again = false;
        try {
          await this.#runPass();
        } catch (err) {
          this.#report(err);
        }
      } while (this.#again && this.#running);
    })().finally(() => {
      this.#pass = null;
    });
  }

  async #runPass(): Promise<void> {
    const webhooks = await this.#o.store.listDocuments<WebhookData>(WEBHOOK_KIND, { limit: MAX_WEBHOOKS });
    for (let step = 0; step < ENQUEUE_STEPS && this.#running; step++) {
      if (!(await this.#queue.enqueueFromAudit(webhooks))) break;
      if (step === ENQUEUE_STEPS - 1) this.#again = true;
    }
    if (!this.#running) return;
    const byId = new Map(webhooks.map((w) => [w.id, w]));
    const due = await this.#queue.due(SCAN_LIMIT);
    for (const entry of due) {
      if (this.#inFlight.size >= CONCURRENCY || !this.#running) break;
      if (this.#inFlight.has(entry.queueId)) continue;
      const webhookId = webhookOfDelivery(entry.deliveryId);
      if ([...this.#inFlight.values()].filter((f) => f.webhookId === webhookId).length >= CONCURRENCY_PER_WEBHOOK) continue;
      this.#startSend(entry, webhookId, byId.get(webhookId));
    }
    const now = this.#o.clock.now().getTime();
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await this.#queue.prune(now - this.#o.retentionMs, PRUNE_BATCH);
    }
  }

  #startSend(entry: DueDelivery, webhookId: string, webhook: WebhookDocument | undefined): void {
    const signal = (this.#abort as AbortController).signal;
    const done = this.#deliver(entry, webhook, signal)
      .catch((err: unknown) => this.#report(err))
      .finally(() => {
        this.#inFlight.delete(entry.queueId);
        // A slot is free: the next due delivery need not wait for the timer.
        this.wake();
      });
    this.#inFlight.set(entry.queueId, { webhookId, done });
  }

  async #deliver(entry: DueDelivery, webhook: WebhookDocument | undefined, signal: AbortSignal): Promise<void> {
    const delivery = await this.#queue.getDelivery(entry.deliveryId);
    if (!delivery || delivery.data.status !== 'pending' || delivery.data.queueId !== entry.queueId) {
      // Left over from a change made elsewhere (pruned, or recorded by another leader).
      await this.#queue.dropQueueEntry(entry.queueId);
      return;
    }
    if (!webhook) {
      await this.#queue.cancel(delivery);
      return;
    }
    const sentAt = this.#o.clock.now();
    const result = await this.#send(delivery, webhook, sentAt, signal);
    if (result.aborted || !this.#running) return;
    const attempts = delivery.data.attempts.length + 1;
    await this.#queue.recordAttempt(
      delivery,
      { at: sentAt.toISOString(), durationMs: result.durationMs, statusCode: result.statusCode, error: result.error },
      { ok: result.ok, retryInMs: result.ok ? null : retryDelayMs(attempts, this.#o.random) },
    );
  }

  async #send(delivery: DeliveryDocument, webhook: WebhookDocument, now: Date, signal: AbortSignal): Promise<SendResult> {
    const refused = (error: string): SendResult => ({ ok: false, statusCode: null, durationMs: 0, error, aborted: false });
    try {
      // The policy may have changed since the webhook was created (insecure webhooks turned off).
      checkWebhookUrl(webhook.data.url, { allowInsecureLoopback: this.#o.allowInsecureLoopback });
    } catch (err) {
      return refused(`not sent: ${(err as Error).message}`);
    }
    let secret: Buffer;
    try {
      secret = unwrapWebhookSecret(this.#o.rootKey(), webhook.id, Buffer.from(webhook.data.secret, 'base64'));
    } catch (err) {
      this.#report(err);
      return refused('not sent: the webhook secret could not be unwrapped (sealed, or the stored secret failed its integrity check)');
    }
    try {
      const { body, eventId, eventType } = delivery.data;
      return await sendWebhook(this.#o.fetch, {
        url: webhook.data.url,
        secret,
        body,
        eventId,
        eventType,
        deliveryId: publicDeliveryId(delivery.id),
        attempt: delivery.data.attempts.length + 1,
        now,
        timeoutMs: this.#o.timeoutMs,
        signal,
      });
    } finally {
      secret.fill(0);
    }
  }

  #report(err: unknown): void {
    try {
      this.#o.onError?.(err);
    } catch {
      // A logging callback must not stop deliveries.
    }
  }
}

/** `d.<webhook id>.<…>` → the webhook id. */
function webhookOfDelivery(deliveryId: string): string {
  const end = deliveryId.indexOf('.', 2);
  return end === -1 ? '' : deliveryId.slice(2, end);
}
