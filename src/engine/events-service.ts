import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { CallContext } from '../auth/principal.ts';
import { insertFinishedDelivery, DeliveryQueue } from '../lifecycle/events/delivery-queue.ts';
import { checkEventFilter, matchesFilter, type EventFilter } from '../lifecycle/events/event-filter.ts';
import { EventStream } from '../lifecycle/events/event-stream.ts';
import { EventTail, type EventSubscription } from '../lifecycle/events/event-tail.ts';
import { deliveryView, webhookView, type DeliveryView, type WebhookView } from '../lifecycle/events/webhook-views.ts';
import { PING_EVENT_TYPE, type KeyEvent, type PingEvent } from '../lifecycle/events/key-event.ts';
import { MAX_WEBHOOKS, WebhookDispatcher } from '../lifecycle/events/webhook-dispatcher.ts';
import {
  DELIVERY_STATUSES,
  MAX_DELIVERY_PAGE,
  MAX_WEBHOOK_PAGE,
  WEBHOOK_ID,
  WEBHOOK_KIND,
  deliveryDocIdOf,
  deliveryPayload,
  pingDeliveryDocId,
  publicDeliveryId,
  type DeliveryData,
  type DeliveryDocument,
  type DeliveryStatus,
  type WebhookData,
  type WebhookDocument,
} from '../lifecycle/events/webhook-records.ts';
import { formatWebhookSecret, newWebhookSecret, unwrapWebhookSecret, wrapWebhookSecret } from '../lifecycle/events/webhook-secret.ts';
import { sendWebhook, type WebhookFetch } from '../lifecycle/events/webhook-sender.ts';
import { checkWebhookUrl, webhookOrigin } from '../lifecycle/events/webhook-url.ts';
import type { EngineContext } from './engine-context.ts';
import type { Operation } from './operation.ts';
import type { LeaderJob } from './scheduler.ts';

export type { EventStream } from '../lifecycle/events/event-stream.ts';
export type { DeliveryView, WebhookView } from '../lifecycle/events/webhook-views.ts';

export interface EventsOptions {
  /** Allow `http://` webhooks to loopback addresses (tests, a receiver on the same machine). */
  readonly allowInsecureWebhooks: boolean;
  /** How often the webhook dispatcher and event streams look for work another node committed. */
  readonly pollIntervalMs: number;
  readonly deliveryTimeoutMs: number;
  /** How long finished deliveries stay in the delivery log. */
  readonly retentionMs: number;
  readonly fetch: WebhookFetch;
  readonly onError?: (err: unknown) => void;
}

export interface CreateWebhookInput {
  readonly url: string;
  /** Event types or globs (`key.*`); absent or empty: every type. */
  readonly types?: readonly string[];
  /** Only events about keys whose name matches this glob. */
  readonly key?: string;
  readonly description?: string;
}

export interface SubscribeInput {
  readonly types?: readonly string[];
  readonly key?: string;
  /** Resume after this event (its `seq`, as SSE's Last-Event-ID carries it); absent: from now on. */
  readonly after?: number;
}

const MAX_DESCRIPTION = 256;
/** A public delivery id: `<webhook id>.<12-digit seq>` or `<webhook id>.ping-<hex>`. */
const DELIVERY_ID = /^wh_[0-9a-f]{24}\.(?:\d{12}|ping-[0-9a-f]{24})$/;
/** How long a stream trusts one authorization decision about a key (its tags or scope may change). */
const VISIBILITY_TTL_MS = 30_000;
const VISIBILITY_CACHE_MAX = 10_000;

/**
 * Key events: webhooks (create, list, describe, delete, test ping, delivery log), the dispatcher
 * that delivers them on the scheduler leader, and subscriptions to the event stream (SSE).
 * Events are derived from committed audit entries (lifecycle/events/key-event.ts).
 */
export class EventsService {
  readonly #c: EngineContext;
  readonly #o: EventsOptions;
  readonly #tail: EventTail;
  readonly #dispatcher: WebhookDispatcher;
  readonly #queue: DeliveryQueue;

  constructor(c: EngineContext, options: EventsOptions) {
    this.#c = c;
    this.#o = options;
    const onCommit = c.audit.subscribe.bind(c.audit);
    this.#tail = new EventTail({ store: c.store, onCommit, pollIntervalMs: options.pollIntervalMs });
    this.#queue = new DeliveryQueue(c.store, c.clock);
    this.#dispatcher = new WebhookDispatcher({
      store: c.store,
      clock: c.clock,
      fetch: options.fetch,
      rootKey: () => c.seal.secrets().rootKey,
      onCommit,
      pollIntervalMs: options.pollIntervalMs,
      timeoutMs: options.deliveryTimeoutMs,
      allowInsecureLoopback: options.allowInsecureWebhooks,
      retentionMs: options.retentionMs,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** The scheduler job that delivers webhooks: it runs only on the node holding the scheduler lease. */
  get dispatcherJob(): LeaderJob {
    return { name: 'webhook-dispatch', start: () => this.#dispatcher.start(), stop: () => this.#dispatcher.stop() };
  }

  /** Open event streams on this node. */
  get streamCount(): number {
    return this.#tail.subscriberCount;
  }

  /**
   * Creates a webhook and returns its signing secret (`whsec_…`), shown this once: Keyward keeps it
   * only wrapped under the root key. It receives the events committed after its creation.
   *
   * @example
   * const { webhook, secret } = await engine.events.createWebhook(ctx, { url: 'https://hooks.example.com/keyward', types: ['key.*'] });
   */
  createWebhook(ctx: CallContext, input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    return this.#c.runner.run(ctx, 'webhook.create', async (op) => {
      op.authorize();
      const url = checkWebhookUrl(input.url, { allowInsecureLoopback: this.#o.allowInsecureWebhooks });
      const filter = checkEventFilter(input);
      const description = checkDescription(input.description);
      const existing = await this.#c.store.listDocuments(WEBHOOK_KIND, { limit: MAX_WEBHOOKS });
      if (existing.length >= MAX_WEBHOOKS) throw new KeywardError('validation_failed', `at most ${MAX_WEBHOOKS} webhooks: delete one, or have one receiver fan events out`);
      const id = newId('wh');
      const { rootKey } = this.#c.seal.secrets();
      const secretBytes = newWebhookSecret();
      let wrapped: Buffer;
      let secret: string;
      try {
        wrapped = wrapWebhookSecret(rootKey, id, secretBytes);
        secret = formatWebhookSecret(secretBytes);
      } finally {
        secretBytes.fill(0);
      }
      const now = this.#c.clock.now().toISOString();
      const data: WebhookData = {
        url,
        description,
        types: filter.types,
        key: filter.key,
        secret: wrapped.toString('base64'),
        startSeq: (await this.#c.store.auditHead()).seq,
        createdAt: now,
        createdBy: ctx.principal.actor,
      };
      describeWebhook(op, id, data);
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: WEBHOOK_KIND, id, data, updatedAt: now }, null);
      };
      return { webhook: webhookView(id, data), secret };
    });
  }

  /** Webhooks by id, with keyset pagination. */
  listWebhooks(ctx: CallContext, filter: { after?: string; limit?: number } = {}): Promise<{ webhooks: WebhookView[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'webhook.list', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(filter.limit ?? MAX_WEBHOOK_PAGE, 1), MAX_WEBHOOK_PAGE);
      const rows = await this.#c.store.listDocuments<WebhookData>(WEBHOOK_KIND, { ...(filter.after !== undefined ? { after: filter.after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      op.details['returned'] = page.length;
      const last = page[page.length - 1];
      return { webhooks: page.map((w) => webhookView(w.id, w.data)), next: rows.length > limit && last ? last.id : null };
    });
  }

  describeWebhook(ctx: CallContext, id: string): Promise<WebhookView> {
    return this.#c.runner.run(ctx, 'webhook.describe', async (op) => {
      op.authorize();
      const webhook = await this.#webhook(id);
      describeWebhook(op, webhook.id, webhook.data);
      return webhookView(webhook.id, webhook.data);
    });
  }

  /** Deletes a webhook: nothing more is sent to it; its pending deliveries are cancelled. */
  deleteWebhook(ctx: CallContext, id: string): Promise<WebhookView> {
    return this.#c.runner.run(ctx, 'webhook.delete', async (op) => {
      op.authorize();
      const webhook = await this.#webhook(id);
      describeWebhook(op, webhook.id, webhook.data);
      op.mutation = async (tx) => {
        if (!(await tx.deleteDocument(WEBHOOK_KIND, webhook.id))) throw new KeywardError('not_found', `no webhook ${webhook.id}`, { webhook: webhook.id });
      };
      return webhookView(webhook.id, webhook.data);
    });
  }

  /**
   * Sends a `webhook.ping` event to the webhook now, while the caller waits, and records it in the
   * delivery log. Not retried: the answer says whether the receiver is reachable and verifies
   * signatures (a receiver should answer 2xx to a ping it could verify).
   */
  testWebhook(ctx: CallContext, id: string): Promise<DeliveryView> {
    return this.#c.runner.run(ctx, 'webhook.test', async (op) => {
      op.authorize();
      const webhook = await this.#webhook(id);
      describeWebhook(op, webhook.id, webhook.data);
      const now = this.#c.clock.now();
      const suffix = newId('p').slice(2);
      const event: PingEvent = { id: `evt_ping_${suffix}`, type: PING_EVENT_TYPE, time: now.toISOString(), seq: null, webhookId: webhook.id };
      const docId = pingDeliveryDocId(webhook.id, suffix);
      const payload = deliveryPayload(event);
      const secret = unwrapWebhookSecret(this.#c.seal.secrets().rootKey, webhook.id, Buffer.from(webhook.data.secret, 'base64'));
      let result;
      try {
        // Checked again: the policy may have changed since the webhook was created.
        const url = checkWebhookUrl(webhook.data.url, { allowInsecureLoopback: this.#o.allowInsecureWebhooks });
        result = await sendWebhook(this.#o.fetch, {
          url,
          secret,
          body: payload.body,
          eventId: payload.eventId,
          eventType: payload.eventType,
          deliveryId: publicDeliveryId(docId),
          attempt: 1,
          now,
          timeoutMs: this.#o.deliveryTimeoutMs,
        });
      } finally {
        secret.fill(0);
      }
      op.details['statusCode'] = result.statusCode;
      op.details['delivered'] = result.ok;
      const data: DeliveryData = {
        webhookId: webhook.id,
        ...payload,
        status: result.ok ? 'delivered' : 'failed',
        attempts: [{ at: now.toISOString(), durationMs: result.durationMs, statusCode: result.statusCode, error: result.error }],
        createdAt: now.toISOString(),
        nextAttemptAt: null,
        queueId: null,
        finishedAt: now.toISOString(),
      };
      op.mutation = async (tx) => {
        await insertFinishedDelivery(tx, docId, data, now);
      };
      return deliveryView(docId, data);
    });
  }

  /** A webhook's delivery log in event order (keyset pagination by delivery id), optionally by status. */
  listDeliveries(
    ctx: CallContext,
    webhookId: string,
    filter: { status?: DeliveryStatus; after?: string; limit?: number } = {},
  ): Promise<{ deliveries: DeliveryView[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'webhook.deliveries', async (op) => {
      op.authorize();
      const webhook = await this.#webhook(webhookId);
      op.details['webhookId'] = webhook.id;
      if (filter.status !== undefined && !DELIVERY_STATUSES.includes(filter.status)) {
        throw new KeywardError('validation_failed', `status must be one of ${DELIVERY_STATUSES.join(', ')}`, { field: 'status' });
      }
      if (filter.after !== undefined && !DELIVERY_ID.test(filter.after)) throw new KeywardError('validation_failed', 'after must be a delivery id', { field: 'after' });
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_DELIVERY_PAGE);
      const page = await this.#queue.list(webhook.id, {
        limit,
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(filter.after !== undefined ? { after: deliveryDocIdOf(filter.after) } : {}),
      });
      op.details['returned'] = page.deliveries.length;
      return { deliveries: page.deliveries.map((d: DeliveryDocument) => deliveryView(d.id, d.data)), next: page.next === null ? null : publicDeliveryId(page.next) };
    });
  }

  /**
   * Subscribes to events (the SSE stream's source). A principal whose grant is scoped to some keys
   * gets only the events about those keys; events about no key need an unscoped grant. `after`
   * replays from the audit log first, then the stream goes live. The subscriber must `close` it.
   */
  async subscribe(ctx: CallContext, input: SubscribeInput = {}): Promise<EventStream> {
    let opened: EventSubscription | null = null;
    try {
      return await this.#c.runner.run(ctx, 'events.subscribe', async (op) => {
        op.precheck();
        const filter = checkEventFilter(input);
        if (input.after !== undefined && (!Number.isSafeInteger(input.after) || input.after < 0)) {
          throw new KeywardError('validation_failed', 'after must be an event sequence number', { field: 'after' });
        }
        op.details['types'] = filter.types;
        op.details['key'] = filter.key;
        if (input.after !== undefined) op.details['after'] = input.after;
        // Authorised per event below: a grant scoped to some keys sees only their events.
        op.authorized = true;
        const visible = this.#visibility(op);
        opened = await this.#tail.open(input.after ?? null, (event) => visibleEvent(filter, event, visible));
        op.details['from'] = opened.cursor;
        return new EventStream(opened, () => this.#c.seal.status().sealed);
      });
    } catch (err) {
      (opened as EventSubscription | null)?.close();
      throw err;
    }
  }

  /** Stops the dispatcher and every stream of this node, and waits for sends in flight (engine close). */
  async close(): Promise<void> {
    this.#dispatcher.stop();
    this.#tail.closeAll();
    await this.#dispatcher.idle();
  }

  async #webhook(id: string): Promise<WebhookDocument> {
    const found = WEBHOOK_ID.test(id) ? await this.#c.store.getDocument<WebhookData>(WEBHOOK_KIND, id) : null;
    if (!found) throw new KeywardError('not_found', `no webhook ${id.slice(0, 64)}`, { webhook: id.slice(0, 64) });
    return found;
  }

  /** Whether the subscriber may see an event: decided per key (by the key's current facts) and cached briefly. */
  #visibility(op: Operation): (event: KeyEvent) => Promise<boolean> {
    const cache = new Map<string, { allowed: boolean; until: number }>();
    return async (event) => {
      const cacheKey = event.keyId ?? (event.keyName !== null ? `name:${event.keyName}` : '');
      const now = performance.now();
      const hit = cache.get(cacheKey);
      if (hit && hit.until > now) return hit.allowed;
      let allowed: boolean;
      try {
        const key = event.keyId !== null ? await this.#c.directory.get(event.keyId).catch(() => null) : null;
        if (key) op.forKey(key);
        else if (event.keyName !== null) op.authorize({ keyName: event.keyName });
        else op.authorize();
        allowed = true;
      } catch {
        allowed = false;
      }
      if (cache.size >= VISIBILITY_CACHE_MAX) cache.clear();
      cache.set(cacheKey, { allowed, until: now + VISIBILITY_TTL_MS });
      return allowed;
    };
  }
}

async function visibleEvent(filter: EventFilter, event: KeyEvent, visible: (event: KeyEvent) => Promise<boolean>): Promise<boolean> {
  return matchesFilter(filter, event) && (await visible(event));
}

function checkDescription(description: unknown): string | null {
  if (description === undefined || description === null || description === '') return null;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) {
    throw new KeywardError('validation_failed', `description must be text of at most ${MAX_DESCRIPTION} characters`, { field: 'description' });
  }
  return description;
}

/** Audit details of a webhook: its endpoint's origin only (paths and queries can hold secrets). */
function describeWebhook(op: Operation, id: string, data: WebhookData): void {
  op.details['webhookId'] = id;
  op.details['endpoint'] = webhookOrigin(data.url);
  op.details['types'] = data.types;
  op.details['key'] = data.key;
}
