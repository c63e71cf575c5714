import type { Clock } from '../../core/clock.ts';
import { KeywardError } from '../../core/errors.ts';
import type { DocumentRecord } from '../../storage/records.ts';
import type { Store, StoreTx } from '../../storage/store.ts';
import { matchesFilter } from './event-filter.ts';
import { eventFromAudit } from './key-event.ts';
import {
  CURSOR_ID,
  DELIVERY_KIND,
  EXPIRY_PREFIX,
  QUEUE_PREFIX,
  deliveryDocId,
  deliveryPayload,
  deliveryPrefix,
  deliveryRef,
  expiryId,
  queueId,
  timeOfEntry,
  type CursorData,
  type DeliveryAttempt,
  type DeliveryData,
  type DeliveryDocument,
  type DeliveryStatus,
  type QueueEntryData,
  type WebhookDocument,
} from './webhook-records.ts';

/** Audit entries read per enqueue step. */
const AUDIT_BATCH = 500;
/** Deliveries written per enqueue transaction (an event fans out to every matching webhook). */
const DELIVERY_BATCH = 500;

export interface DueDelivery {
  readonly queueId: string;
  readonly deliveryId: string;
}

/**
 * The durable side of webhook delivery: turning committed audit entries into deliveries (the
 * audit log is the outbox; a cursor document says how far it has been read), the queue of pending
 * deliveries by due time, the record of each attempt, and pruning of old finished deliveries.
 * Every change is one transaction; concurrent writers (two nodes briefly both leading) meet a
 * `conflict` on the revision they read, and the loser's change is dropped, not doubled.
 */
export class DeliveryQueue {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * Reads audit entries after the cursor and files a pending delivery for every event and every
   * webhook that wants it, moving the cursor in the same transaction. Returns true when it stopped
   * before the head (call again). With no webhooks nothing is read or written: events before a
   * webhook's creation never go to it, so the cursor can jump to the oldest webhook's start.
   */
  async enqueueFromAudit(webhooks: readonly WebhookDocument[]): Promise<boolean> {
    if (webhooks.length === 0) return false;
    const cursor = await this.#store.getDocument<CursorData>(DELIVERY_KIND, CURSOR_ID);
    const floor = Math.min(...webhooks.map((w) => w.data.startSeq));
    const from = Math.max(cursor?.data.afterSeq ?? 0, floor);
    const entries = await this.#store.readAudit(from + 1, AUDIT_BATCH);
    if (entries.length === 0) return false;
    const now = this.#clock.now();
    const writes: { delivery: DeliveryData & { id: string }; queue: string }[] = [];
    let lastSeq = from;
    for (const entry of entries) {
      const event = eventFromAudit(entry);
      if (event) {
        for (const webhook of webhooks) {
          if (event.seq <= webhook.data.startSeq || !matchesFilter(webhook.data, event)) continue;
          const id = deliveryDocId(webhook.id, event.seq);
          const queue = queueId(now.getTime(), id);
          writes.push({
            queue,
            delivery: { id, webhookId: webhook.id, ...deliveryPayload(event), status: 'pending', attempts: [], createdAt: now.toISOString(), nextAttemptAt: now.toISOString(), queueId: queue, finishedAt: null },
          });
        }
      }
      lastSeq = entry.seq;
      if (writes.length >= DELIVERY_BATCH) break;
    }
    await this.#store.transaction(async (tx) => {
      const data: CursorData = { afterSeq: lastSeq };
      await tx.putDocument({ kind: DELIVERY_KIND, id: CURSOR_ID, data, updatedAt: now.toISOString() }, cursor ? cursor.revision : null);
      for (const { delivery, queue } of writes) {
        const { id, ...rest } = delivery;
        await tx.putDocument({ kind: DELIVERY_KIND, id, ref: deliveryRef('pending', rest.webhookId), data: rest, updatedAt: now.toISOString() }, null);
        await putQueueEntry(tx, queue, id, now);
      }
    });
    return lastSeq < (entries[entries.length - 1]?.seq ?? lastSeq) || entries.length === AUDIT_BATCH;
  }

  /** Queue entries due now, soonest first, at most `limit`. */
  async due(limit: number): Promise<DueDelivery[]> {
    const now = this.#clock.now().getTime();
    const rows = await this.#store.listDocuments<QueueEntryData>(DELIVERY_KIND, { after: QUEUE_PREFIX, limit });
    const out: DueDelivery[] = [];
    for (const row of rows) {
      if (!row.id.startsWith(QUEUE_PREFIX) || timeOfEntry(row.id) > now) break;
      out.push({ queueId: row.id, deliveryId: row.data.delivery });
    }
    return out;
  }

  getDelivery(id: string): Promise<DeliveryDocument | null> {
    return this.#store.getDocument<DeliveryData>(DELIVERY_KIND, id);
  }

  /**
   * Records one attempt: delivered (2xx), pending again after `retryInMs`, or failed for good
   * (`retryInMs` null). False when someone else changed the delivery first (nothing written).
   */
  async recordAttempt(delivery: DeliveryDocument, attempt: DeliveryAttempt, outcome: { ok: boolean; retryInMs: number | null }): Promise<boolean> {
    const now = this.#clock.now();
    const attempts = [...delivery.data.attempts, attempt];
    if (!outcome.ok && outcome.retryInMs !== null) {
      const due = new Date(now.getTime() + outcome.retryInMs);
      const queue = queueId(due.getTime(), delivery.id);
      return this.#update(delivery, { ...delivery.data, attempts, nextAttemptAt: due.toISOString(), queueId: queue }, async (tx) => putQueueEntry(tx, queue, delivery.id, now));
    }
    return this.#finish(delivery, outcome.ok ? 'delivered' : 'failed', attempts);
  }

  /** Ends a pending delivery without sending it (its webhook was deleted). */
  cancel(delivery: DeliveryDocument): Promise<boolean> {
    return this.#finish(delivery, 'cancelled', delivery.data.attempts);
  }

  /** Drops a queue entry whose delivery is gone (pruned, or never written). */
  async dropQueueEntry(id: string): Promise<void> {
    await this.#store.transaction(async (tx) => {
      await tx.deleteDocument(DELIVERY_KIND, id);
    });
  }

  /** Deletes up to `limit` deliveries that finished before `olderThanMs`; returns how many. */
  async prune(olderThanMs: number, limit: number): Promise<number> {
    const rows = await this.#store.listDocuments<QueueEntryData>(DELIVERY_KIND, { after: EXPIRY_PREFIX, limit });
    const old = rows.filter((r) => r.id.startsWith(EXPIRY_PREFIX) && timeOfEntry(r.id) < olderThanMs);
    if (old.length === 0) return 0;
    await this.#store.transaction(async (tx) => {
      for (const row of old) {
        await tx.deleteDocument(DELIVERY_KIND, row.id);
        await tx.deleteDocument(DELIVERY_KIND, row.data.delivery);
      }
    });
    return old.length;
  }

  /**
   * One webhook's deliveries in event order (keyset pagination by delivery id), optionally only
   * those in one status.
   */
  async list(webhookId: string, filter: { status?: DeliveryStatus; after?: string; limit: number }): Promise<{ deliveries: DeliveryDocument[]; next: string | null }> {
    const prefix = deliveryPrefix(webhookId);
    const after = filter.after !== undefined && filter.after > prefix ? filter.after : prefix;
    const rows = await this.#store.listDocuments<DeliveryData>(DELIVERY_KIND, {
      after,
      limit: filter.limit + 1,
      ...(filter.status !== undefined ? { ref: deliveryRef(filter.status, webhookId) } : {}),
    });
    const mine = rows.filter((r) => r.id.startsWith(prefix));
    const page = mine.slice(0, filter.limit);
    const last = page[page.length - 1];
    return { deliveries: page, next: mine.length > filter.limit && last ? last.id : null };
  }

  async #finish(delivery: DeliveryDocument, status: Exclude<DeliveryStatus, 'pending'>, attempts: readonly DeliveryAttempt[]): Promise<boolean> {
    const now = this.#clock.now();
    const expiry = expiryId(now.getTime(), delivery.id);
    return this.#update(delivery, { ...delivery.data, status, attempts, nextAttemptAt: null, queueId: null, finishedAt: now.toISOString() }, async (tx) => {
      await tx.putDocument({ kind: DELIVERY_KIND, id: expiry, data: { delivery: delivery.id }, updatedAt: now.toISOString() }, null);
    });
  }

  async #update(delivery: DeliveryDocument, data: DeliveryData, more: (tx: StoreTx) => Promise<void>): Promise<boolean> {
    const now = this.#clock.now().toISOString();
    try {
      await this.#store.transaction(async (tx) => {
        await tx.putDocument({ kind: DELIVERY_KIND, id: delivery.id, ref: deliveryRef(data.status, data.webhookId), data, updatedAt: now }, delivery.revision);
        if (delivery.data.queueId !== null) await tx.deleteDocument(DELIVERY_KIND, delivery.data.queueId);
        await more(tx);
      });
      return true;
    } catch (err) {
      if (err instanceof KeywardError && err.code === 'conflict') return false;
      throw err;
    }
  }
}

/**
 * Writes a delivery that is already finished (a test ping, sent while the caller waited), with
 * its expiry entry so it is pruned like the others. For use inside the caller's transaction.
 */
export async function insertFinishedDelivery(tx: StoreTx, id: string, data: DeliveryData, now: Date): Promise<DocumentRecord<DeliveryData>> {
  const doc = await tx.putDocument({ kind: DELIVERY_KIND, id, ref: deliveryRef(data.status, data.webhookId), data, updatedAt: now.toISOString() }, null);
  await tx.putDocument({ kind: DELIVERY_KIND, id: expiryId(now.getTime(), id), data: { delivery: id }, updatedAt: now.toISOString() }, null);
  return doc;
}

async function putQueueEntry(tx: StoreTx, id: string, delivery: string, now: Date): Promise<void> {
  const data: QueueEntryData = { delivery };
  await tx.putDocument({ kind: DELIVERY_KIND, id, data, updatedAt: now.toISOString() }, null);
}
