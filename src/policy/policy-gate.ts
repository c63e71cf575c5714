import type { Clock } from '../core/clock.ts';
import { KeywardError } from '../core/errors.ts';
import type { KeyMetadataInput } from '../keys/key-input.ts';
import type { AuditDetailValue, KeyRecord } from '../storage/records.ts';
import { blocking, checkCreate, checkUpdate, type NewKeyInput } from './evaluate-policy.ts';
import type { Violation } from './policy-model.ts';
import type { PolicyVersion, PolicyVersions } from './policy-versions.ts';

/** Audit details an operation collects; the gate notes the policy version and any findings there. */
export type AuditDetails = Record<string, AuditDetailValue>;

/** How many violations a refusal spells out in its message; the rest are counted. */
const MESSAGE_VIOLATIONS = 5;

/**
 * Enforcement of the current policy on key operations. Without a policy nothing is enforced. A
 * refusal throws `policy_violation` naming every rule broken; `report`-mode findings let the
 * operation through and are only noted in its audit entry (`policyWarnings`).
 */
export class PolicyGate {
  readonly versions: PolicyVersions;
  readonly #clock: Clock;

  constructor(versions: PolicyVersions, clock: Clock) {
    this.versions = versions;
    this.#clock = clock;
  }

  async checkCreate(input: NewKeyInput, audit: AuditDetails): Promise<void> {
    const current = await this.versions.current();
    if (current) this.#decide(current, input.name, checkCreate(current.policy, input, this.#clock.now()), audit);
  }

  async checkUpdate(key: KeyRecord, patch: KeyMetadataInput, audit: AuditDetails): Promise<void> {
    const current = await this.versions.current();
    if (current) this.#decide(current, key.name, checkUpdate(current.policy, key, patch, this.#clock.now()), audit);
  }

  #decide(current: PolicyVersion, keyName: string, violations: readonly Violation[], audit: AuditDetails): void {
    audit['policyVersion'] = current.version;
    const refusing = blocking(violations);
    const warnings = violations.filter((v) => v.severity === 'warning');
    if (warnings.length > 0) audit['policyWarnings'] = [...new Set(warnings.map((v) => v.ruleId))];
    if (refusing.length === 0) return;
    const rules = [...new Set(refusing.map((v) => v.ruleId))];
    audit['policyRules'] = rules;
    throw policyViolation(`key "${keyName}" breaks policy "${current.name}" (version ${current.version})`, refusing, current.version);
  }
}

/** The `policy_violation` error for `violations`: every rule named in the message, the first in details. */
export function policyViolation(subject: string, violations: readonly Violation[], policyVersion: number): KeywardError {
  const shown = violations.slice(0, MESSAGE_VIOLATIONS).map((v) => `[${v.ruleId}] ${v.message}`);
  const more = violations.length > MESSAGE_VIOLATIONS ? `; and ${violations.length - MESSAGE_VIOLATIONS} more` : '';
  const rules = [...new Set(violations.map((v) => v.ruleId))];
  return new KeywardError('policy_violation', `${subject}: ${shown.join('; ')}${more}`, {
    rule: rules[0] ?? null,
    rules: rules.join(','),
    field: violations[0]?.field ?? null,
    policyVersion,
  });
}
