import { Type } from '@sinclair/typebox';
import { MAX_TEXT } from '../../keys/key-input.ts';
import { DELETION_STATUSES } from '../../lifecycle/deletion/key-deletion.ts';
import { MAX_REWRAP_BATCH } from '../../lifecycle/rotation/rewrap.ts';
import { MAX_CIPHERTEXT_CHARS } from '../../keys/limits.ts';
import { KEY_STATES } from '../../storage/records.ts';
import { EncryptionContext, IsoTime, KeyRef, Nullable, OneOf, StrictObject } from './common.ts';

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));
const JobId = Type.String({ minLength: 1, maxLength: 64, description: 'a rewrap job id (rwj_…)' });

// --- Rewrap ---

export const RewrapJobParams = StrictObject({ key: KeyRef, job: JobId });

export const RewrapBody = StrictObject({
  items: Type.Array(
    StrictObject({
      ciphertext: Type.String({ minLength: 1, maxLength: MAX_CIPHERTEXT_CHARS, description: 'kw:v1 ciphertext of this key' }),
      context: Type.Optional(Nullable(EncryptionContext)),
    }),
    { minItems: 1, maxItems: MAX_REWRAP_BATCH, description: `1 to ${MAX_REWRAP_BATCH} ciphertexts, each with the encryption context it was made with` },
  ),
  jobId: Type.Optional(JobId),
});

const RewrapItemResult = StrictObject({
  index: Type.Integer({ description: 'position in the request' }),
  status: OneOf(['rewrapped', 'current', 'failed'] as const, { description: 'current: already under the current version (checked), returned as is' }),
  ciphertext: Type.Optional(Type.String()),
  sourceVersion: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  error: Type.Optional(StrictObject({ code: Type.String(), message: Type.String() })),
});

export const RewrapBatchResult = StrictObject({
  keyId: Type.String(),
  version: Type.Integer({ description: 'the version the items were rewrapped to' }),
  jobId: Nullable(Type.String()),
  results: Type.Array(RewrapItemResult),
  items: Type.Integer(),
  rewrapped: Type.Integer(),
  unchanged: Type.Integer(),
  failed: Type.Integer(),
});

export const RewrapJob = StrictObject({
  id: Type.String(),
  keyId: Type.String(),
  keyName: Type.String(),
  status: OneOf(['running', 'finished'] as const),
  startedAt: Type.String(),
  startedBy: Type.String(),
  batches: Type.Integer(),
  items: Type.Integer(),
  rewrapped: Type.Integer(),
  unchanged: Type.Integer(),
  failed: Type.Integer(),
  sourceVersions: Counts,
  failures: Counts,
  targetVersion: Nullable(Type.Integer()),
  finishedAt: Nullable(Type.String()),
  finishedBy: Nullable(Type.String()),
  minDecryptionVersionRaisedTo: Nullable(Type.Integer()),
});

export const FinishRewrapBody = StrictObject({
  raiseMinVersion: Type.Optional(Type.Boolean({ description: "raise the key's minimum decryption version to the job's version, if no item failed" })),
});

export const FinishRewrapResult = StrictObject({
  job: RewrapJob,
  minDecryptionVersion: StrictObject({ raised: Type.Boolean(), from: Type.Integer(), to: Type.Integer(), note: Type.String() }),
});

// --- Rotation impact ---

export const RotationImpactQuery = StrictObject({
  staleAfterDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'still on an old version this many days after its rotation: stale (default 7)' })),
  since: Type.Optional(IsoTime),
});

const OldVersionUse = Nullable(
  StrictObject({
    count: Type.Integer(),
    firstAt: Type.String(),
    lastAt: Type.String(),
    versions: Type.Array(Type.Integer()),
    maxDaysAfterRotation: Type.Number(),
  }),
);

export const RotationImpact = StrictObject({
  keyId: Type.String(),
  keyName: Type.String(),
  currentVersion: Type.Integer(),
  staleAfterDays: Type.Integer(),
  generatedAt: Type.String(),
  entriesScanned: Type.Integer(),
  versions: Type.Array(
    StrictObject({
      version: Type.Integer(),
      createdAt: Nullable(Type.String()),
      supersededAt: Nullable(Type.String()),
      usesAfterRotation: Type.Integer(),
      lastUsedAfterRotation: Nullable(Type.String()),
    }),
  ),
  principals: Type.Array(
    StrictObject({
      actor: Type.String(),
      protect: OldVersionUse,
      process: OldVersionUse,
      refused: OldVersionUse,
      lastAt: Type.String(),
      stale: Type.Boolean(),
    }),
  ),
  summary: StrictObject({ principals: Type.Integer(), stale: Type.Integer(), refused: Type.Integer() }),
});

// --- Scheduled deletion ---

export const ScheduleDeletionBody = StrictObject({
  waitingPeriodDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'days before destruction: 7 to 30 (default 30), or what the deletion policy allows' })),
  reason: Type.Optional(Type.String({ maxLength: MAX_TEXT })),
});

export const CancelDeletionBody = StrictObject({ reason: Type.Optional(Type.String({ maxLength: MAX_TEXT })) });

export const ListDeletionsQuery = StrictObject({ status: Type.Optional(OneOf(DELETION_STATUSES, { description: 'default: scheduled' })) });
export const KeyDeletionsQuery = StrictObject({ status: Type.Optional(OneOf(DELETION_STATUSES)) });

export const DeletionView = StrictObject({
  id: Type.String(),
  keyId: Type.String(),
  keyName: Type.String(),
  status: OneOf(DELETION_STATUSES),
  scheduledAt: Type.String(),
  waitingPeriodDays: Type.Integer(),
  deleteAfter: Type.String(),
  previousState: OneOf(KEY_STATES),
  requestedBy: Type.String(),
  reason: Nullable(Type.String()),
  approvalId: Nullable(Type.String()),
  authorisedBy: Type.Array(Type.String()),
  cancelledAt: Nullable(Type.String()),
  cancelledBy: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  destroyedAt: Nullable(Type.String()),
  destroyedBy: Nullable(Type.String()),
  lastRefusal: Nullable(
    StrictObject({ code: Type.String(), message: Type.String(), at: Type.String(), retainedUntil: Nullable(Type.String()), keyRevision: Type.Integer() }),
  ),
  retainedUntil: Nullable(Type.String({ description: 'retention that will hold destruction back past deleteAfter, if any' })),
});

export const DeletionList = StrictObject({ deletions: Type.Array(DeletionView) });
