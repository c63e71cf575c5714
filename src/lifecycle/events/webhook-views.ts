import type { WebhookEvent } from './key-event.ts';
import { publicDeliveryId, type DeliveryData, type DeliveryStatus, type WebhookData } from './webhook-records.ts';

/** A webhook as callers see it: never its secret. */
export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly types: readonly string[] | null;
  readonly key: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface DeliveryView {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly seq: number | null;
  readonly status: DeliveryStatus;
  readonly attempts: DeliveryData['attempts'];
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
  readonly finishedAt: string | null;
  /** The event as sent (the request body, parsed). */
  readonly event: WebhookEvent;
}

export function webhookView(id: string, data: WebhookData): WebhookView {
  return { id, url: data.url, description: data.description, types: data.types, key: data.key, createdAt: data.createdAt, createdBy: data.createdBy };
}

export function deliveryView(docId: string, data: DeliveryData): DeliveryView {
  return {
    id: publicDeliveryId(docId),
    webhookId: data.webhookId,
    eventId: data.eventId,
    eventType: data.eventType,
    seq: data.seq,
    status: data.status,
    attempts: data.attempts,
    createdAt: data.createdAt,
    nextAttemptAt: data.nextAttemptAt,
    finishedAt: data.finishedAt,
    event: JSON.parse(data.body) as WebhookEvent,
  };
}
