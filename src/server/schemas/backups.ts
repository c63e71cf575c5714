import { Type } from '@sinclair/typebox';
import { MAX_SHARES } from '../../crypto/shamir.ts';
import { MAX_BACKUP_PAGE } from '../../engine/backup-service.ts';
import { DRILL_STEPS } from '../../lifecycle/backup/drill.ts';
import { Nullable, OneOf, StrictObject } from './common.ts';

const Counts = StrictObject({
  keys: Type.Integer(),
  keyVersions: Type.Integer(),
  tokens: Type.Integer(),
  documents: Type.Integer(),
  auditEntries: Type.Integer(),
  checkpoints: Type.Integer(),
  samples: Type.Integer({ description: 'ciphertexts recorded for DR drills' }),
});

export const BackupInfo = StrictObject({
  id: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  trigger: OneOf(['api', 'download', 'schedule'] as const),
  location: OneOf(['server', 'client'] as const, { description: 'server: kept in the backup directory; client: streamed to the caller, not kept' }),
  file: Nullable(Type.String({ description: 'file name in the backup directory (null for client backups and pruned ones)' })),
  sha256: Type.String({ description: 'hex SHA-256 of the whole file' }),
  sizeBytes: Type.Integer(),
  auditHead: StrictObject({ seq: Type.Integer(), chainHash: Type.String() }, { description: 'the backup holds audit entries 1..seq' }),
  counts: Counts,
  prunedAt: Nullable(Type.String()),
});

const DrillStep = StrictObject({
  name: OneOf(DRILL_STEPS),
  status: OneOf(['passed', 'failed', 'skipped'] as const),
  ms: Type.Number(),
  detail: Type.String(),
});

const SampleResult = StrictObject({ keyId: Type.String(), keyName: Type.String(), version: Type.Integer(), ok: Type.Boolean(), detail: Type.String() });

export const DrillRecord = StrictObject({
  id: Type.String(),
  passed: Type.Boolean(),
  backupId: Nullable(Type.String()),
  instanceId: Nullable(Type.String()),
  backupCreatedAt: Nullable(Type.String()),
  source: OneOf(['recorded', 'fresh'] as const, { description: 'recorded: a backup kept on the server; fresh: a snapshot taken for the drill' }),
  snapshotMs: Nullable(Type.Number()),
  unsealedWith: OneOf(['shares', 'node-root-key'] as const),
  requestedBy: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  totalMs: Type.Number(),
  steps: Type.Array(DrillStep),
  samples: Type.Array(SampleResult),
});

export const BackupList = StrictObject({ backups: Type.Array(BackupInfo, { description: 'newest first' }), lastDrill: Nullable(DrillRecord) });
export const DrillList = StrictObject({ drills: Type.Array(DrillRecord, { description: 'newest first' }) });

export const ListQuery = StrictObject({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKUP_PAGE })) });

export const DrillBody = StrictObject({
  backup: Type.Optional(Type.String({ pattern: '^(latest|bk_[0-9a-f]{24})$', description: "a server-side backup's id, or latest (default): with none kept, a fresh snapshot is taken" })),
  shares: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: MAX_SHARES,
      description: "unseal shares: the backup is opened and the restored instance unsealed with them (else with this node's root key)",
    }),
  ),
});
