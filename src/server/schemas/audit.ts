import { Type } from '@sinclair/typebox';
import { MAX_AUDIT_PAGE } from '../../engine/audit-service.ts';
import { AUDIT_OUTCOMES } from '../../storage/records.ts';
import { Base64, IsoTime, KeyRef, Nullable, OneOf, StrictObject } from './common.ts';

export const AuditQuery = StrictObject({
  key: Type.Optional(KeyRef),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  outcome: Type.Optional(OneOf(AUDIT_OUTCOMES)),
  since: Type.Optional(IsoTime),
  until: Type.Optional(IsoTime),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'entries after this sequence number (the `next` of an ascending page)' })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'entries before this sequence number (the `next` of a descending page)' })),
  order: Type.Optional(OneOf(['asc', 'desc'] as const, { description: 'asc (default): oldest first; desc: newest first, for tailing' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE })),
});

const DetailValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String()), Type.Record(Type.String(), Type.String())]);

export const AuditEntry = StrictObject({
  seq: Type.Integer(),
  time: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  keyId: Nullable(Type.String()),
  keyVersion: Nullable(Type.Integer()),
  outcome: OneOf(AUDIT_OUTCOMES),
  errorCode: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  correlationId: Nullable(Type.String()),
  source: Nullable(Type.String()),
  details: Type.Record(Type.String(), DetailValue),
  chainHash: Type.String(),
});

export const AuditPage = StrictObject({
  entries: Type.Array(AuditEntry),
  next: Nullable(Type.Integer({ description: 'pass as `after` (ascending) or `before` (descending) for the next page; null on the last' })),
  head: Type.Integer({ description: 'sequence number of the newest entry when the page was read' }),
});

export const Checkpoint = StrictObject({
  origin: Type.String(),
  size: Type.Integer(),
  chainHash: Type.String(),
  time: Type.String(),
  signature: Type.String(),
  publicKey: Type.String(),
});

export const VerifyAuditBody = StrictObject({
  trusted: Type.Optional(Type.Array(Checkpoint, { maxItems: 100, description: 'checkpoints kept elsewhere that the log must still match' })),
});

const Problem = StrictObject({ seq: Type.Integer(), reason: Type.String(), message: Type.String() });

export const VerifyReport = StrictObject({
  ok: Type.Boolean(),
  range: StrictObject({ from: Type.Integer(), to: Type.Integer() }),
  entries: StrictObject({ checked: Type.Integer(), valid: Type.Integer() }),
  checkpoints: StrictObject({ checked: Type.Integer(), valid: Type.Integer() }),
  firstBad: Nullable(Problem),
  problems: Type.Array(Problem),
  lastAnchored: Nullable(StrictObject({ size: Type.Integer(), time: Type.String() })),
  unanchoredEntries: Type.Integer(),
});

export const CheckpointResult = StrictObject({ checkpoint: Nullable(Checkpoint) });

export const ExportQuery = StrictObject({ from: Type.Optional(Type.Integer({ minimum: 1, description: 'first sequence number (default 1)' })) });

export const HashValueBody = StrictObject({ value: Base64('the candidate value (a plaintext, a message…)') });
export const HashValueResult = StrictObject({ hmac: Type.String({ description: 'hex; search audit entries whose details hold it' }) });
