import type { KeySpec } from '../crypto/key-specs.ts';
import type { KeyMetadataInput } from '../keys/key-input.ts';
import { environmentChangeViolations } from './environment-rules.ts';
import { metadataViolations } from './metadata-rules.ts';
import type { Policy, PolicySubject, Violation } from './policy-model.ts';
import { retagViolations, retentionViolations } from './retention-rules.ts';
import { rotationOverdueViolations, rotationPeriodViolations } from './rotation-rules.ts';
import { specViolations } from './spec-rules.ts';

/**
 * The rules a key's own metadata can break: spec, required metadata, rotation period. These are
 * what creation and updates are checked against.
 */
function metadataRules(policy: Policy, key: PolicySubject): Violation[] {
  return [
    ...(policy.keySpecs ? specViolations(policy.keySpecs, key) : []),
    ...(policy.requiredMetadata ? metadataViolations(policy.requiredMetadata, key) : []),
    ...(policy.rotation ? rotationPeriodViolations(policy.rotation, key) : []),
  ];
}

/** Every violation of an existing key at `now`: its metadata, overdue rotation, broken retention. */
export function evaluateKey(policy: Policy, key: PolicySubject, now: Date): Violation[] {
  return [
    ...metadataRules(policy, key),
    ...(policy.rotation ? rotationOverdueViolations(policy.rotation, key, now) : []),
    ...(policy.retention ? retentionViolations(policy.retention, key) : []),
  ];
}

/** Violations of many keys, key by key in the order given. */
export function evaluateKeys(policy: Policy, keys: Iterable<PolicySubject>, now: Date): Violation[] {
  const out: Violation[] = [];
  for (const key of keys) out.push(...evaluateKey(policy, key, now));
  return out;
}

/** A key about to be created, as the rules see it. */
export interface NewKeyInput extends KeyMetadataInput {
  readonly name: string;
  readonly spec: KeySpec;
  readonly preActivation?: boolean;
}

export function newKeySubject(input: NewKeyInput, now: Date): PolicySubject {
  const at = now.toISOString();
  return {
    id: null,
    name: input.name,
    spec: input.spec,
    state: input.preActivation ? 'pre-activation' : 'active',
    owner: input.owner ?? null,
    purpose: input.purpose ?? null,
    environment: input.environment ?? null,
    tier: input.tier ?? null,
    tags: input.tags ?? {},
    description: input.description ?? null,
    rotationPeriodDays: input.rotationPeriodDays ?? null,
    createdAt: at,
    lastRotatedAt: null,
    stateChangedAt: at,
    destroyedAt: null,
  };
}

/** What creating this key would violate (spec, required metadata, rotation period). */
export function checkCreate(policy: Policy, input: NewKeyInput, now: Date): Violation[] {
  return metadataRules(policy, newKeySubject(input, now));
}

/** The key as it would be after a metadata update: the fields given replace the key's. */
export function applyPatch(key: PolicySubject, patch: KeyMetadataInput): PolicySubject {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as KeyMetadataInput;
  return { ...key, ...defined };
}

/**
 * What a metadata update would violate. An update may leave a violation the key already had
 * alone (fixing one field of a key created before the policy must stay possible), but may not
 * bring a new one, nor set a field to a value that breaks a rule about that field. Retagging may
 * not cut a running retention hold short, and an immutable environment may not change.
 */
export function checkUpdate(policy: Policy, key: PolicySubject, patch: KeyMetadataInput, now: Date): Violation[] {
  const after = applyPatch(key, patch);
  const before = new Set(metadataRules(policy, key).map(identity));
  const touched = (field: string): boolean => {
    const top = field.startsWith('tags.') ? 'tags' : field;
    return (patch as Record<string, unknown>)[top] !== undefined;
  };
  return [
    ...metadataRules(policy, after).filter((v) => !before.has(identity(v)) || touched(v.field)),
    ...retagViolations(policy, key, after, now),
    ...(policy.environments ? environmentChangeViolations(policy.environments, key, after) : []),
  ];
}

function identity(v: Violation): string {
  return `${v.ruleId}:${v.field}`;
}

/** Only the violations that refuse an operation (an `enforce` rule's), as opposed to warnings. */
export function blocking(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.severity === 'error');
}
