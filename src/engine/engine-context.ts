import type { Clock } from '../core/clock.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Seal } from '../seal/seal.ts';
import type { Store } from '../storage/store.ts';
import type { EncryptionBudget } from '../keys/encryption-budget.ts';
import type { KeyDirectory } from '../keys/key-directory.ts';
import type { KeyRing } from '../keys/key-ring.ts';
import type { OperationRunner } from './operation.ts';
import type { CheckpointFile } from '../audit/checkpoints.ts';
import type { PolicyGate } from '../policy/policy-gate.ts';
import type { DeletionPolicy } from '../lifecycle/deletion/deletion-policy.ts';

/** What the engine's services share; built once in Engine.open. */
export interface EngineContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly seal: Seal;
  readonly runner: OperationRunner;
  readonly directory: KeyDirectory;
  readonly ring: KeyRing;
  readonly budget: EncryptionBudget;
  readonly checkpointFile: CheckpointFile | null;
  /** Called once the node is unsealed or sealed (installs or drops derived secrets). */
  readonly onSealChange: (sealed: boolean) => void;
  /** Enforces the key policy (policy as code) on key creation and metadata updates; absent: nothing is enforced. */
  readonly policyGate?: PolicyGate;
  /** What a compliance policy says about deleting keys (retention end, waiting period); absent: the built-in rules. */
  readonly deletionPolicy?: DeletionPolicy;
}
