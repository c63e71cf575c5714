import { Type } from '@sinclair/typebox';
import { EVENT_TYPES, PING_EVENT_TYPE } from '../../lifecycle/events/key-event.ts';
import { MAX_WEBHOOK_URL_LENGTH } from '../../lifecycle/events/webhook-url.ts';
import { DELIVERY_STATUSES, MAX_DELIVERY_PAGE, MAX_WEBHOOK_PAGE } from '../../lifecycle/events/webhook-records.ts';
import { AUDIT_OUTCOMES } from '../../storage/records.ts';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const WebhookId = Type.String({ pattern: '^wh_[0-9a-f]{24}$', description: 'a webhook id (wh_ and 24 hex digits)' });
const DeliveryId = Type.String({ pattern: '^wh_[0-9a-f]{24}\\.(?:\\d{12}|ping-[0-9a-f]{24})$', description: 'a delivery id' });
const TypeGlob = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z*][a-z.*-]*$', description: `an event type or a glob of them (key.*); types: ${EVENT_TYPES.join(', ')}` });
const KeyGlob = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._*-]+$', description: 'a key name or a glob of names (billing-*)' });

export const WebhookParams = StrictObject({ id: WebhookId });

export const CreateWebhookBody = StrictObject({
  url: Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH, description: 'the receiver: https:// (http:// only to loopback, when the server allows insecure webhooks)' }),
  types: Type.Optional(Type.Array(TypeGlob, { maxItems: EVENT_TYPES.length, description: 'only these event types (default: all)' })),
  key: Type.Optional(KeyGlob),
  description: Type.Optional(Type.String({ maxLength: 256 })),
});

const webhookFields = {
  id: WebhookId,
  url: Type.String(),
  description: Nullable(Type.String()),
  types: Nullable(Type.Array(Type.String(), { description: 'null: every type' })),
  key: Nullable(Type.String({ description: 'key name glob; null: every event' })),
  createdAt: IsoTime,
  createdBy: Type.String(),
};

export const Webhook = StrictObject(webhookFields, { description: 'a webhook: never its secret' });
export const CreatedWebhook = StrictObject(
  { secret: Type.String({ description: 'the signing secret (whsec_…), shown once; the server keeps it only wrapped under the root key' }), ...webhookFields },
  { description: 'the new webhook and its signing secret' },
);

export const WebhookList = StrictObject({
  webhooks: Type.Array(Webhook),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
});
export const ListWebhooksQuery = StrictObject({
  after: Type.Optional(WebhookId),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WEBHOOK_PAGE })),
});

const DetailValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String()), Type.Record(Type.String(), Type.String())]);

export const KeyEvent = StrictObject(
  {
    id: Type.String({ description: 'evt_<seq>: the same for every delivery of this event' }),
    type: OneOf(EVENT_TYPES),
    time: IsoTime,
    seq: Type.Integer({ description: 'the audit entry this event is; orders events and resumes streams' }),
    action: Type.String(),
    outcome: OneOf(AUDIT_OUTCOMES),
    keyId: Nullable(Type.String()),
    keyName: Nullable(Type.String()),
    version: Nullable(Type.Integer()),
    actor: Type.String(),
    details: Type.Record(Type.String(), DetailValue),
  },
  { description: 'an event, derived from one committed audit entry' },
);

const PingEvent = StrictObject({ id: Type.String(), type: Type.Literal(PING_EVENT_TYPE), time: IsoTime, seq: Type.Null(), webhookId: WebhookId });

const Attempt = StrictObject({
  at: IsoTime,
  durationMs: Type.Number(),
  statusCode: Nullable(Type.Integer({ description: "the receiver's HTTP status; null when it did not answer" })),
  error: Nullable(Type.String()),
});

export const Delivery = StrictObject({
  id: DeliveryId,
  webhookId: WebhookId,
  eventId: Type.String(),
  eventType: Type.String(),
  seq: Nullable(Type.Integer()),
  status: OneOf(DELIVERY_STATUSES),
  attempts: Type.Array(Attempt),
  createdAt: IsoTime,
  nextAttemptAt: Nullable(IsoTime),
  finishedAt: Nullable(IsoTime),
  event: Type.Union([KeyEvent, PingEvent]),
});

export const DeliveryList = StrictObject({
  deliveries: Type.Array(Delivery),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
});
export const ListDeliveriesQuery = StrictObject({
  status: Type.Optional(OneOf(DELIVERY_STATUSES)),
  after: Type.Optional(DeliveryId),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DELIVERY_PAGE })),
});

export const EventsQuery = StrictObject({
  types: Type.Optional(Type.String({ maxLength: 1024, description: 'comma-separated event types or globs (key.*); default: all' })),
  key: Type.Optional(KeyGlob),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'replay events after this seq first (as the Last-Event-ID header does)' })),
});
