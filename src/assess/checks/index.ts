import type { Check } from '../check.ts';
import { inv01UnmanagedKeys } from './inv-01-unmanaged-keys.ts';
import { inv02MissingMetadata } from './inv-02-missing-metadata.ts';
import { inv03OwnerNotInDirectory } from './inv-03-owner-not-in-directory.ts';
import { inv04OrphanedKeys } from './inv-04-orphaned-keys.ts';
import { inv05NoClassification } from './inv-05-no-classification.ts';
import { rot01NoRotationSchedule } from './rot-01-no-rotation-schedule.ts';
import { rot02RotationOverdue } from './rot-02-rotation-overdue.ts';
import { rot03ExternalRotationDisabled } from './rot-03-external-rotation-disabled.ts';
import { rot04StaleVersions } from './rot-04-stale-versions.ts';
import { rot05TokensWithoutExpiry } from './rot-05-tokens-without-expiry.ts';
import { rot06EncryptionBudget } from './rot-06-encryption-budget.ts';
import { lif01DeletionWithoutApproval } from './lif-01-deletion-without-approval.ts';
import { lif02RetentionViolated } from './lif-02-retention-violated.ts';
import { lif03DestructionWithoutAuthoriser } from './lif-03-destruction-without-authoriser.ts';
import { lif04UseInWrongState } from './lif-04-use-in-wrong-state.ts';
import { lif05CompromisedKeyInUse } from './lif-05-compromised-key-in-use.ts';
import { lif06ExpiredKeyEncrypting } from './lif-06-expired-key-encrypting.ts';
import { acc01PublicBinding } from './acc-01-public-binding.ts';
import { acc02CryptoOnAllKeys } from './acc-02-crypto-on-all-keys.ts';
import { acc03AdminAndUser } from './acc-03-admin-and-user.ts';
import { acc04CreatorSoleUser } from './acc-04-creator-sole-user.ts';
import { acc05AccessReviewOverdue } from './acc-05-access-review-overdue.ts';
import { acc06TooManyCustodians } from './acc-06-too-many-custodians.ts';
import { acc07SensitiveOperationAlone } from './acc-07-sensitive-operation-alone.ts';
import { acc08BreakGlassUnreviewed } from './acc-08-break-glass-unreviewed.ts';
import { acc09ProdNonprodMix } from './acc-09-prod-nonprod-mix.ts';
import { acc10DepartedWithAccess } from './acc-10-departed-with-access.ts';
import { sto01PrivateKeyInFiles } from './sto-01-private-key-in-files.ts';
import { sto02CloudCredentialInFiles } from './sto-02-cloud-credential-in-files.ts';
import { sto03HardcodedSecret } from './sto-03-hardcoded-secret.ts';
import { sto04SameKeyAcrossEnvironments } from './sto-04-same-key-across-environments.ts';
import { alg01WeakSpec } from './alg-01-weak-spec.ts';
import { alg02QuantumVulnerable } from './alg-02-quantum-vulnerable.ts';
import { log01ChainBroken } from './log-01-chain-broken.ts';
import { log02CheckpointStale } from './log-02-checkpoint-stale.ts';
import { bak01NoRecentBackup } from './bak-01-no-recent-backup.ts';
import { bak02NoDrDrill } from './bak-02-no-dr-drill.ts';
import { ano01VolumeSpike } from './ano-01-volume-spike.ts';
import { ano02DecryptFailureBurst } from './ano-02-decrypt-failure-burst.ts';
import { ano03NewSource } from './ano-03-new-source.ts';
import { gov01PolicyMissingOrStale } from './gov-01-policy-missing-or-stale.ts';
import { gov02SuppressionUnaccountable } from './gov-02-suppression-unaccountable.ts';

/**
 * The catalogue, in the order reports list it. Adding a check: write `checks/<id>-<name>.ts` exporting
 * a `Check` (see check.ts), list it here, and regenerate docs/audit-checks.md
 * (`npx tsx scripts/write-audit-checks-doc.ts`); test/assess/ keeps both honest.
 */
export const CHECKS: readonly Check[] = [
  inv01UnmanagedKeys,
  inv02MissingMetadata,
  inv03OwnerNotInDirectory,
  inv04OrphanedKeys,
  inv05NoClassification,
  rot01NoRotationSchedule,
  rot02RotationOverdue,
  rot03ExternalRotationDisabled,
  rot04StaleVersions,
  rot05TokensWithoutExpiry,
  rot06EncryptionBudget,
  lif01DeletionWithoutApproval,
  lif02RetentionViolated,
  lif03DestructionWithoutAuthoriser,
  lif04UseInWrongState,
  lif05CompromisedKeyInUse,
  lif06ExpiredKeyEncrypting,
  acc01PublicBinding,
  acc02CryptoOnAllKeys,
  acc03AdminAndUser,
  acc04CreatorSoleUser,
  acc05AccessReviewOverdue,
  acc06TooManyCustodians,
  acc07SensitiveOperationAlone,
  acc08BreakGlassUnreviewed,
  acc09ProdNonprodMix,
  acc10DepartedWithAccess,
  sto01PrivateKeyInFiles,
  sto02CloudCredentialInFiles,
  sto03HardcodedSecret,
  sto04SameKeyAcrossEnvironments,
  alg01WeakSpec,
  alg02QuantumVulnerable,
  log01ChainBroken,
  log02CheckpointStale,
  bak01NoRecentBackup,
  bak02NoDrDrill,
  ano01VolumeSpike,
  ano02DecryptFailureBurst,
  ano03NewSource,
  gov01PolicyMissingOrStale,
  gov02SuppressionUnaccountable,
];
