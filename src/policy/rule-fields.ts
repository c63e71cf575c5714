import { RULE_MODES, severityOf, type KeySelector, type PolicySubject, type RuleId, type RuleMode, type Violation } from './policy-model.ts';
import type { Fields, YamlReader } from './yaml-reader.ts';

/** Entries per list in a policy: a policy is read by people, and a hundred of anything is a table, not a rule. */
export const MAX_ENTRIES = 100;

/** A section's `mode` (default `enforce`). */
export function readMode(reader: YamlReader, fields: Fields): RuleMode {
  const at = fields.get('mode');
  return (at && reader.choice(at, RULE_MODES, 'mode')) ?? 'enforce';
}

/** `tier` and `environment` of an entry (each `*` or left out for any); undefined if either was wrong. */
export function readSelector(reader: YamlReader, fields: Fields): KeySelector | undefined {
  const tierAt = fields.get('tier');
  const envAt = fields.get('environment');
  const tier = tierAt ? reader.tierOrAny(tierAt) : null;
  const environment = envAt ? reader.environmentOrAny(envAt) : null;
  if (tier === undefined || environment === undefined) return undefined;
  return { tier, environment };
}

/** "tier 1 prod keys", "prod keys", "tier 2 keys", "all keys". */
export function describeSelector(selector: KeySelector): string {
  const parts = [selector.tier !== null ? `tier ${selector.tier}` : null, selector.environment].filter((p) => p !== null);
  return parts.length === 0 ? 'all keys' : `${parts.join(' ')} keys`;
}

export function selectorKey(selector: KeySelector): string {
  return `${selector.tier ?? '*'}/${selector.environment ?? '*'}`;
}

/** A violation of `ruleId` by `key`, an error or a warning as the section's mode says. */
export function violation(key: Pick<PolicySubject, 'id' | 'name'>, rule: { ruleId: RuleId; mode: RuleMode }, field: string, message: string): Violation {
  return { ruleId: rule.ruleId, severity: severityOf(rule.mode), keyId: key.id, keyName: key.name, field, message };
}

const DAY_MS = 86_400_000;

export function addDays(iso: string, days: number): Date {
  return new Date(Date.parse(iso) + days * DAY_MS);
}

export function daysBetween(from: string, to: Date): number {
  return Math.floor((to.getTime() - Date.parse(from)) / DAY_MS);
}
