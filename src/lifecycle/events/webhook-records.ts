import type { DocumentRecord } from '../../storage/records.ts';
import type { WebhookEvent } from './key-event.ts';

/**
 * How webhooks and their deliveries are stored, as documents (storage/records.ts).
 *
 * Kind `webhook`: one document per webhook, id `wh_<24 hex>`.
 *
 * Kind `webhook-delivery` holds four families, told apart by their id prefix. Ids sort bytewise
 * (both backends), so each family is a range a keyset scan can walk:
 * - `d.<webhook id>.<seq, 12 digits>`: a delivery of one event to one webhook (the delivery log);
 *   its `ref` is `<status>:<webhook id>`, so one webhook's failed deliveries are an index lookup.
 *   Test pings are `d.<webhook id>.ping-<hex>`.
 * - `q.<due time, ms, 15 digits>.<delivery id>`: the queue; present while the delivery is pending,
 *   so the scan from `q.` meets the deliveries in the order they are due.
 * - `x.<finish time, ms, 15 digits>.<delivery id>`: finished deliveries by age, for pruning.
 * - `cursor`: the sequence number of the last audit entry turned into deliveries.
 */
export const WEBHOOK_KIND = 'webhook';
export const DELIVERY_KIND = 'webhook-delivery';
export const CURSOR_ID = 'cursor';
export const QUEUE_PREFIX = 'q.';
export const EXPIRY_PREFIX = 'x.';
const DELIVERY_PREFIX = 'd.';

export const WEBHOOK_ID = /^wh_[0-9a-f]{24}$/;

/** Pages of the webhook list and of a delivery log (the API's `limit`). */
export const MAX_WEBHOOK_PAGE = 100;
export const MAX_DELIVERY_PAGE = 500;

/** A webhook as stored. */
export interface WebhookData {
  readonly url: string;
  readonly description: string | null;
  /** Event types or globs; null: every type. */
  readonly types: readonly string[] | null;
  /** Key name glob; null: every event, with or without a key. */
  readonly key: string | null;
  /** The HMAC secret wrapped under the root key (base64); see webhook-secret.ts. */
  readonly secret: string;
  /** Events with a greater sequence number go to this webhook: those after its creation. */
  readonly startSeq: number;
  readonly createdAt: string;
  readonly createdBy: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One try at delivering: what the receiver answered, or why there was no answer. Never the secret. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly durationMs: number;
  /** The receiver's HTTP status; null when there was no answer (refused, timed out, TLS failure). */
  readonly statusCode: number | null;
  readonly error: string | null;
}

export interface DeliveryData {
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The event's seq; null for a test ping. */
  readonly seq: number | null;
  /**
   * The request body (the event's JSON), fixed when the delivery is created: every attempt sends
   * the same bytes. Kept as text, so no storage round trip can reorder its fields.
   */
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly DeliveryAttempt[];
  readonly createdAt: string;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: string | null;
  /** The id of its queue entry (pending only). */
  readonly queueId: string | null;
  readonly finishedAt: string | null;
}

export interface CursorData {
  readonly afterSeq: number;
}

export interface QueueEntryData {
  readonly delivery: string;
}

export type WebhookDocument = DocumentRecord<WebhookData>;
export type DeliveryDocument = DocumentRecord<DeliveryData>;

export function deliveryDocId(webhookId: string, seq: number): string {
  return `${deliveryPrefix(webhookId)}${String(seq).padStart(12, '0')}`;
}

export function pingDeliveryDocId(webhookId: string, suffix: string): string {
  return `${deliveryPrefix(webhookId)}ping-${suffix}`;
}

/** Every delivery id of a webhook starts with this (and nothing else's does). */
export function deliveryPrefix(webhookId: string): string {
  return `${DELIVERY_PREFIX}${webhookId}.`;
}

export function queueId(dueMs: number, deliveryId: string): string {
  return `${QUEUE_PREFIX}${timeKey(dueMs)}.${deliveryId}`;
}

export function expiryId(finishedMs: number, deliveryId: string): string {
  return `${EXPIRY_PREFIX}${timeKey(finishedMs)}.${deliveryId}`;
}

/** The time (ms) a queue or expiry id was filed under. */
export function timeOfEntry(id: string): number {
  return Number(id.slice(2, 17));
}

/** The delivery log's filter key: deliveries of one webhook in one status. */
export function deliveryRef(status: DeliveryStatus, webhookId: string): string {
  return `${status}:${webhookId}`;
}

/** What callers see of a delivery: its id drops the storage prefix. */
export function publicDeliveryId(docId: string): string {
  return docId.slice(DELIVERY_PREFIX.length);
}

export function deliveryDocIdOf(publicId: string): string {
  return `${DELIVERY_PREFIX}${publicId}`;
}

function timeKey(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

/** The fields of a delivery that describe its event, and the body that carries it. */
export function deliveryPayload(event: WebhookEvent): Pick<DeliveryData, 'eventId' | 'eventType' | 'seq' | 'body'> {
  return { eventId: event.id, eventType: event.type, seq: event.seq, body: JSON.stringify(event) };
}
