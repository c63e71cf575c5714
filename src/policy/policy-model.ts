import type { KeySpec } from '../crypto/key-specs.ts';
import type { Environment, KeyRecord, Tier } from '../storage/records.ts';

/**
 * The validated form of a policy document (see docs/policy.md). Parsing (parse-policy.ts) turns
 * YAML text into this; the rule files evaluate it. A section that is absent enforces nothing.
 */
export interface Policy {
  readonly version: 1;
  readonly name: string;
  readonly description: string | null;
  readonly rotation: RotationRule | null;
  readonly keySpecs: SpecRule | null;
  readonly requiredMetadata: MetadataRule | null;
  readonly deletion: DeletionRule | null;
  readonly retention: RetentionRule | null;
  readonly approvals: readonly ApprovalRule[];
  readonly environments: EnvironmentRule | null;
}

/**
 * `enforce`: violations are errors and refuse key creation and updates. `report`: they are only
 * reported (as warnings), so a new rule can be rolled out and its findings fixed before it bites.
 */
export type RuleMode = 'enforce' | 'report';
export const RULE_MODES: readonly RuleMode[] = ['enforce', 'report'];

/** Which keys an entry applies to; null matches any value (written `*` or left out). */
export interface KeySelector {
  readonly tier: Tier | null;
  readonly environment: Environment | null;
}

export interface RotationLimit extends KeySelector {
  readonly days: number;
}

export interface RotationRule {
  readonly mode: RuleMode;
  readonly limits: readonly RotationLimit[];
}

/** Curves of the elliptic-curve specs, by their usual names. */
export const CURVES = ['P-256', 'P-384', 'Ed25519'] as const;
export type Curve = (typeof CURVES)[number];

export interface SpecConstraints {
  readonly allowed: readonly KeySpec[] | null;
  readonly minRsaBits: number | null;
  readonly minSymmetricBits: number | null;
  readonly curves: readonly Curve[] | null;
}

export interface SpecRule {
  readonly mode: RuleMode;
  readonly base: SpecConstraints;
  /** Per environment: the fields given replace the base ones for keys of that environment. */
  readonly environments: Readonly<Partial<Record<Environment, SpecConstraints>>>;
}

/** Metadata fields a policy can require. */
export const METADATA_FIELDS = ['owner', 'purpose', 'environment', 'tier', 'description'] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

export interface MetadataRequirement {
  readonly fields: readonly MetadataField[];
  readonly tags: readonly string[];
}

export interface MetadataRule {
  readonly mode: RuleMode;
  readonly base: MetadataRequirement;
  readonly when: readonly (KeySelector & MetadataRequirement)[];
}

/** The range every deletion waiting period must fall in, whatever a policy says. */
export const DELETION_WAITING_BOUNDS = { minDays: 7, maxDays: 30 } as const;

export interface DeletionRule {
  readonly minDays: number;
  readonly maxDays: number;
  readonly defaultDays: number;
}

/** A key carrying `tag` (with `value`, or any value when null) keeps its material for `days`. */
export interface RetentionHoldRule {
  readonly tag: string;
  readonly value: string | null;
  readonly days: number;
}

export interface RetentionRule {
  readonly mode: RuleMode;
  readonly holds: readonly RetentionHoldRule[];
}

/**
 * Operations a policy can put behind an approval quorum. Governance (approvals/) asks
 * `approvalRequirement` with these names; a name outside the list is refused when the policy is
 * parsed, so a typo cannot silently leave an operation without its approval.
 */
export const APPROVABLE_OPERATIONS = [
  'key.create',
  'key.import',
  'key.update',
  'key.rotate',
  'key.export',
  'key.activate',
  'key.suspend',
  'key.resume',
  'key.deactivate',
  'key.compromise',
  'key.destroy',
  'key.schedule-deletion',
  'key.cancel-deletion',
  'key.update-policy',
  'key.set-min-decryption-version',
  'binding.create',
  'binding.create-tier1',
  'binding.delete',
  'policy.update',
  'token.create',
] as const;
export type ApprovableOperation = (typeof APPROVABLE_OPERATIONS)[number];

export interface ApprovalRule {
  readonly operations: readonly ApprovableOperation[];
  /** Distinct approvers needed, besides the requester. */
  readonly quorum: number;
  readonly approverRole: string;
  /** Null: every tier (or environment). */
  readonly tiers: readonly Tier[] | null;
  readonly environments: readonly Environment[] | null;
}

export interface EnvironmentRule {
  readonly mode: RuleMode;
  /** Once set, a key's environment cannot change (a prod key relabelled dev would escape prod rules). */
  readonly immutable: boolean;
}

/** Stable ids of the rules, named in every violation and in `policy_violation` errors. */
export const RULE_IDS = [
  'rotation.max-period',
  'rotation.overdue',
  'specs.allowed',
  'specs.min-size',
  'specs.curve',
  'metadata.required',
  'deletion.waiting-period',
  'retention.tag',
  'environment.immutable',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type Severity = 'error' | 'warning';

/** One finding: a key (or a key about to be created) that breaks a rule. */
export interface Violation {
  readonly ruleId: RuleId;
  readonly severity: Severity;
  /** Null for a key that does not exist yet (a refused create). */
  readonly keyId: string | null;
  readonly keyName: string;
  /** The key field the rule is about (`rotationPeriodDays`, `tags.cost-center`…). */
  readonly field: string;
  readonly message: string;
}

/** What rules look at: a key's metadata (a stored key, or one about to be created). */
export type PolicySubject = Pick<
  KeyRecord,
  'name' | 'spec' | 'state' | 'owner' | 'purpose' | 'environment' | 'tier' | 'tags' | 'description' | 'rotationPeriodDays' | 'createdAt' | 'lastRotatedAt' | 'stateChangedAt' | 'destroyedAt'
> & { readonly id: string | null };

export function severityOf(mode: RuleMode): Severity {
  return mode === 'enforce' ? 'error' : 'warning';
}

/** Whether a selector matches a key: a null field matches anything, a set one only that value. */
export function selects(selector: KeySelector, key: Pick<PolicySubject, 'tier' | 'environment'>): boolean {
  return (selector.tier === null || selector.tier === key.tier) && (selector.environment === null || selector.environment === key.environment);
}
