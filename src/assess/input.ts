import type { KeySpec } from '../crypto/key-specs.ts';
import type { Environment, KeyRecord, KeyState, Tier, TokenType } from '../storage/records.ts';

/**
 * What the audit checks read: a snapshot of one Keyward deployment, taken by the engine's collector
 * (src/engine/assess-service.ts) or built by hand in tests. Plain data, no store, no clock.
 *
 * Every section but `now`, `instanceId` and `thresholds` is optional. A section that is absent
 * (undefined) means the data does not exist in this deployment (the feature is not wired or not
 * used): every check that needs it reports `not-assessed` with the reason, never a pass. An empty
 * array means the data exists and holds nothing (no backups were ever made), which checks judge.
 *
 * Times are ISO 8601 UTC strings. Nothing here is secret: no key material, no token, no plaintext;
 * tokens appear by accessor, scanner findings by file, line and fingerprint.
 */
export interface AssessmentInput {
  /** The moment the snapshot describes; every "N days ago" is measured from it. */
  readonly now: string;
  /** The audited instance (the audit log's origin). */
  readonly instanceId: string;
  readonly thresholds: Thresholds;
  /** Keys managed by this instance, with their versions. */
  readonly keys?: readonly AssessedKey[];
  /** Key use aggregated from the audit log. */
  readonly usage?: UsageSummary;
  readonly auditIntegrity?: AuditIntegrity;
  /** The key-management policy: null when the deployment has none (a finding), undefined when policy is not wired. */
  readonly policy?: PolicySnapshot | null;
  /** API tokens (by accessor; never the token). */
  readonly tokens?: readonly TokenSnapshot[];
  readonly identities?: readonly IdentitySnapshot[];
  readonly roleBindings?: readonly RoleBindingSnapshot[];
  /** People from the directory (HR / IdP). */
  readonly directory?: readonly DirectoryPerson[];
  readonly accessReview?: AccessReviewSnapshot;
  readonly approvals?: readonly ApprovalSnapshot[];
  /** Audit entries of destroy, schedule-deletion, import, export and compromise. */
  readonly sensitiveOperations?: readonly SensitiveOperation[];
  readonly breakGlass?: readonly BreakGlassUse[];
  /** Keys scheduled for deletion or destroyed. */
  readonly deletions?: readonly DeletionRecord[];
  readonly backups?: readonly BackupRecord[];
  readonly drills?: readonly DrillRecord[];
  /** External keys and secrets from connectors and imports. */
  readonly inventory?: readonly InventoryItem[];
  /** Secret-scanner results. */
  readonly scans?: ScanSnapshot;
  /** Accepted or suppressed findings. */
  readonly suppressions?: readonly Suppression[];
}

/** The N of every "in N days" rule. Policy may set them; DEFAULT_THRESHOLDS otherwise. */
export interface Thresholds {
  /** INV-04: an enabled key unused for this long is orphaned. */
  readonly orphanDays: number;
  /** LOG-02: the newest signed checkpoint may be at most this old. */
  readonly checkpointHours: number;
  /** ACC-05: access must have been reviewed within this many days. */
  readonly accessReviewDays: number;
  /** BAK-01: a verified backup within this many days. */
  readonly backupDays: number;
  /** BAK-02: a successful disaster-recovery drill within this many days. */
  readonly drillDays: number;
  /** LIF-05: use of a compromised key this long after it was marked is a finding. */
  readonly compromisedGraceHours: number;
  /** ROT-04: an old version still used this many days after its successor appeared. */
  readonly staleVersionDays: number;
  /** ANO-01: a day with more than `anomalyFactor` × the baseline's daily mean is a spike… */
  readonly anomalyFactor: number;
  /** …if it also has at least this many operations (small numbers spike by chance). */
  readonly anomalyMinOperations: number;
  /** ANO-01: days before the examined one that make the baseline. */
  readonly anomalyBaselineDays: number;
  /** ANO-01/02/03: how far back (days) anomalies are reported. */
  readonly anomalyWindowDays: number;
  /** ANO-02: this many failed decryptions of one key within one hour is a burst. */
  readonly decryptFailureBurst: number;
  /** ROT-06: a version that has used this percentage of its encryption limit. */
  readonly encryptionBudgetPct: number;
  /** ACC-06: more administrators than this on a tier-1 key. */
  readonly maxCustodians: number;
  /** ACC-08: a break-glass use must be reviewed within this many hours. */
  readonly breakGlassReviewHours: number;
  /** GOV-01: the policy must have been reviewed within this many days. */
  readonly policyReviewDays: number;
  /** ROT-05: a token or secret without expiry older than this many days. */
  readonly secretMaxAgeDays: number;
  /** LIF-02: a pending deletion may outlive its retention end by this many days. */
  readonly deletionGraceDays: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  orphanDays: 90,
  checkpointHours: 24,
  accessReviewDays: 90,
  backupDays: 7,
  drillDays: 90,
  compromisedGraceHours: 24,
  staleVersionDays: 30,
  anomalyFactor: 5,
  anomalyMinOperations: 100,
  anomalyBaselineDays: 14,
  anomalyWindowDays: 7,
  decryptFailureBurst: 20,
  encryptionBudgetPct: 80,
  maxCustodians: 3,
  breakGlassReviewHours: 72,
  policyReviewDays: 365,
  secretMaxAgeDays: 90,
  deletionGraceDays: 7,
});

// ── keys ───────────────────────────────────────────────────────────────────────────────────────

export interface AssessedKey {
  readonly key: KeyRecord;
  /** Every version, oldest first. */
  readonly versions: readonly AssessedKeyVersion[];
}

export interface AssessedKeyVersion {
  readonly version: number;
  readonly createdAt: string;
  /** Encryptions reserved against the version (an upper bound of those made). */
  readonly encryptionCount: number;
  /** The version's encryption limit (AES-GCM), or null when none applies. */
  readonly encryptionLimit: number | null;
  /** Material erased (crypto-shredded). */
  readonly destroyed: boolean;
}

// ── usage (from the audit log) ─────────────────────────────────────────────────────────────────

/** Protecting operations create data under a key (encrypt, data keys, sign, MAC); processing ones read it (decrypt, verify). */
export type UseKind = 'protect' | 'process';

export interface UsageSummary {
  /** The audit entries aggregated: seq range and the time of the first one (null for an empty log). */
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly since: string | null;
  /** Keys with at least one cryptographic use (success or failure) in the log. */
  readonly keys: readonly KeyUsage[];
}

export interface KeyUsage {
  readonly keyId: string;
  /** Successful uses, all time. */
  readonly uses: number;
  readonly firstUsedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedSeq: number | null;
  /** Newest successful protecting use (new data under the key). */
  readonly lastProtectAt: string | null;
  readonly lastProtectSeq: number | null;
  readonly versions: readonly VersionUsage[];
  /** Who used it (successful uses), by audit actor. */
  readonly principals: readonly PrincipalUsage[];
  /** Successful uses per UTC day and actor, for the days in the anomaly window and baseline. */
  readonly daily: readonly DailyUse[];
  /** Failed decryptions (`decryption_failed`, bad ciphertext) per UTC hour, in the anomaly window. */
  readonly decryptFailures: readonly HourlyFailures[];
  /** Source addresses seen (at most a bounded number per key, the earliest first seen). */
  readonly sources: readonly SourceUse[];
  /**
   * Successful uses while the key's state (replayed from the log) was not `active`: decryption by a
   * deactivated or compromised key, or anything the state forbids. The newest ones, bounded.
   */
  readonly inactiveStateUses: readonly StateUse[];
  /** How many such uses there were in all (the list is bounded). */
  readonly inactiveStateUseCount: number;
}

export interface VersionUsage {
  readonly version: number;
  readonly uses: number;
  readonly lastUsedAt: string;
  readonly lastUsedSeq: number;
  readonly lastProtectAt: string | null;
  readonly lastProtectSeq: number | null;
}

export interface PrincipalUsage {
  readonly actor: string;
  readonly uses: number;
  readonly lastUsedAt: string;
  readonly lastUsedSeq: number;
}

export interface DailyUse {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly actor: string;
  readonly protect: number;
  readonly process: number;
  /** The newest entry of that day and actor, for evidence. */
  readonly lastSeq: number;
}

export interface HourlyFailures {
  /** UTC hour, `YYYY-MM-DDTHH`. */
  readonly hour: string;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface SourceUse {
  readonly source: string;
  readonly firstSeenAt: string;
  readonly firstSeq: number;
  readonly lastSeenAt: string;
  readonly uses: number;
}

export interface StateUse {
  readonly seq: number;
  readonly time: string;
  readonly action: string;
  readonly kind: UseKind;
  readonly version: number | null;
  readonly actor: string;
  /** The key's state at that moment. */
  readonly state: KeyState;
}

// ── audit integrity ────────────────────────────────────────────────────────────────────────────

export interface AuditIntegrity {
  readonly verifiedAt: string;
  /** Whether the chain and every checkpoint verified. */
  readonly ok: boolean;
  readonly entries: number;
  readonly firstBad: { readonly seq: number; readonly reason: string } | null;
  readonly problems: number;
  /** The newest validly signed checkpoint that matches the log, and when it was signed. */
  readonly lastAnchoredAt: string | null;
  readonly unanchoredEntries: number;
  /** Whether checkpoints are also written outside the database (the checkpoint file), and how many it holds. */
  readonly externalCopy: { readonly configured: boolean; readonly checkpoints: number };
}

// ── policy ─────────────────────────────────────────────────────────────────────────────────────

export const METADATA_FIELDS = ['owner', 'purpose', 'environment', 'tier', 'rotationPeriodDays'] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

export interface PolicySnapshot {
  readonly id: string;
  /** When its content last changed (or was re-approved unchanged). */
  readonly updatedAt: string;
  /** Cryptoperiods; the most specific matching row wins (tier and environment both set beats one, beats none). */
  readonly cryptoperiods: readonly CryptoperiodRule[];
  /** Specs keys may have; null: any Keyward spec. */
  readonly allowedSpecs: readonly KeySpec[] | null;
  /** Smallest RSA modulus allowed (NIST SP 800-131A: 2048). */
  readonly minRsaBits: number;
  /** Metadata every key must carry. */
  readonly requiredMetadata: readonly MetadataField[];
  /** Days key material (and data under it) must be kept before destruction; null: no rule. */
  readonly retentionDays: number | null;
}

export interface CryptoperiodRule {
  readonly tier: Tier | null;
  readonly environment: Environment | null;
  readonly days: number;
}

// ── identities, access ─────────────────────────────────────────────────────────────────────────

export interface TokenSnapshot {
  readonly accessor: string;
  readonly type: TokenType;
  readonly identityId: string | null;
  readonly permissions: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export interface IdentitySnapshot {
  readonly id: string;
  readonly name: string;
  readonly kind: 'user' | 'service';
  /** The environment a service identity runs in (null for people and unscoped services). */
  readonly environment: Environment | null;
  /** The directory person behind a user identity (id or email), or the owner of a service identity. */
  readonly person: string | null;
  readonly status: 'active' | 'disabled';
  /** The audit actors this identity appears as (e.g. `identity:<id>`, `token:<accessor>`). */
  readonly actors: readonly string[];
}

export interface RoleBindingSnapshot {
  readonly id: string;
  /** An identity id, a group name, or `*` for everyone. */
  readonly subject: string;
  readonly subjectKind: 'identity' | 'group' | 'everyone';
  readonly role: string;
  /** Whether the role administers keys (create, rotate, change state, grant) … */
  readonly grantsAdmin: boolean;
  /** … and whether it uses them (encrypt, decrypt, sign, MAC). */
  readonly grantsUse: boolean;
  /** Key-name glob the binding applies to; `*` is every key. */
  readonly keyScope: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface DirectoryPerson {
  readonly id: string;
  readonly email: string | null;
  readonly name: string;
  readonly status: 'active' | 'departed' | 'suspended';
  readonly team: string | null;
  readonly manager: string | null;
  readonly departedAt: string | null;
}

export interface AccessReviewSnapshot {
  /** When the last access review was completed; null if none ever was. */
  readonly lastCompletedAt: string | null;
}

// ── approvals, sensitive operations, break-glass ───────────────────────────────────────────────

export interface ApprovalSnapshot {
  readonly id: string;
  /** The action approved, e.g. `key.destroy`. */
  readonly action: string;
  readonly keyId: string | null;
  readonly requester: string;
  /** Actors who approved. */
  readonly approvers: readonly string[];
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | 'executed';
  readonly createdAt: string;
  readonly decidedAt: string | null;
}

export interface SensitiveOperation {
  readonly seq: number;
  readonly time: string;
  /** e.g. `key.destroy`, `key.import`, `key.compromise`. */
  readonly action: string;
  readonly keyId: string | null;
  readonly actor: string;
  /** The approval request it was performed under (audit detail `approvalId`), if any. */
  readonly approvalId: string | null;
  /** The break-glass use it was performed under (audit detail `breakGlassId`), if any. */
  readonly breakGlassId: string | null;
}

export interface BreakGlassUse {
  readonly id: string;
  readonly actor: string;
  readonly keyId: string | null;
  readonly usedAt: string;
  readonly reviewStatus: 'pending' | 'completed';
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
}

// ── lifecycle, recovery ────────────────────────────────────────────────────────────────────────

export interface DeletionRecord {
  readonly keyId: string;
  readonly keyName: string;
  readonly status: 'scheduled' | 'destroyed';
  readonly scheduledAt: string | null;
  /** The end of the retention the key (and data under it) is bound by; null when unknown. */
  readonly retentionEndsAt: string | null;
  readonly destroyedAt: string | null;
  /** Who authorised the destruction (the approver, or the actor who performed it); null when nothing records one. */
  readonly authorisedBy: string | null;
  readonly approvalId: string | null;
  /** Audit entries recording it. */
  readonly evidenceSeqs: readonly number[];
}

export interface BackupRecord {
  readonly id: string;
  readonly createdAt: string;
  /** When the backup was last verified readable (restore test or integrity check); null if never. */
  readonly verifiedAt: string | null;
  readonly ok: boolean;
}

export interface DrillRecord {
  readonly id: string;
  readonly at: string;
  readonly ok: boolean;
  readonly description: string | null;
}

// ── inventory, scanner ─────────────────────────────────────────────────────────────────────────

export interface InventoryItem {
  readonly id: string;
  /** Connector or import that reported it: `aws`, `gcp`, `azure`, `vault`, `csv`… */
  readonly source: string;
  readonly externalId: string;
  readonly name: string;
  readonly type: 'symmetric' | 'asymmetric' | 'secret' | 'token' | 'certificate';
  /** e.g. `AES_256`, `RSA_2048`, `3DES`, `HMAC_SHA1`; null when the source does not say. */
  readonly algorithm: string | null;
  readonly bits: number | null;
  readonly environment: Environment | null;
  readonly owner: string | null;
  readonly tier: Tier | null;
  readonly state: 'enabled' | 'disabled' | 'pending-deletion' | 'destroyed' | 'compromised';
  /** `discovered`: found but not yet taken into the inventory (unmanaged); `gone`: no longer reported. */
  readonly status: 'registered' | 'discovered' | 'gone';
  /** Automatic rotation: null when the source cannot rotate this type. */
  readonly rotationEnabled: boolean | null;
  readonly rotationPeriodDays: number | null;
  readonly lastRotatedAt: string | null;
  readonly expiresAt: string | null;
  /** A fingerprint of the public key or key check value (never the key), to spot the same key twice. */
  readonly fingerprint: string | null;
  readonly createdAt: string | null;
}

export interface ScanSnapshot {
  readonly scannedAt: string;
  /** What was scanned (repositories, paths). */
  readonly targets: readonly string[];
  readonly findings: readonly ScanFinding[];
}

export interface ScanFinding {
  readonly id: string;
  /** The catalogue check it belongs to. */
  readonly checkId: 'STO-01' | 'STO-02' | 'STO-03';
  /** The scanner rule, e.g. `private-key-pem`, `aws-access-key`. */
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly commit: string | null;
  /** A hash of the match (never the match), stable across scans. */
  readonly fingerprint: string;
}

export interface Suppression {
  readonly fingerprint: string;
  readonly owner: string | null;
  readonly reason: string | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
}
