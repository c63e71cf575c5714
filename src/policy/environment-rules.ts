import type { EnvironmentRule, PolicySubject, Violation } from './policy-model.ts';
import { readMode, violation } from './rule-fields.ts';
import type { Located, YamlReader } from './yaml-reader.ts';

/**
 * `rules.environments`:
 *
 *     environments:
 *       immutable: true    # a key's environment, once set, never changes
 */
export function readEnvironments(reader: YamlReader, at: Located): EnvironmentRule | null {
  const fields = reader.fields(at, ['mode', 'immutable']);
  if (!fields) return null;
  const mode = readMode(reader, fields);
  const immutableAt = fields.get('immutable');
  return { mode, immutable: (immutableAt && reader.boolean(immutableAt)) ?? false };
}

/** `environment.immutable`: an update may set a key's environment once, never change it. */
export function environmentChangeViolations(rule: EnvironmentRule, before: PolicySubject, after: PolicySubject): Violation[] {
  if (!rule.immutable || before.environment === null || after.environment === before.environment) return [];
  return [
    violation(before, { ruleId: 'environment.immutable', mode: rule.mode }, 'environment', `the environment of a key cannot change once set (${before.environment} → ${after.environment ?? 'none'}); create a new key instead`),
  ];
}

export function describeEnvironments(rule: EnvironmentRule): string {
  return `environments (${rule.mode}): a key's environment ${rule.immutable ? 'cannot change once set' : 'may change'}`;
}
