import { DELETION_WAITING_BOUNDS, type DeletionRule } from './policy-model.ts';
import type { Located, YamlReader } from './yaml-reader.ts';

const { minDays: LOWEST, maxDays: HIGHEST } = DELETION_WAITING_BOUNDS;

/**
 * `rules.deletion`: the waiting period between scheduling a key's deletion and its destruction,
 * during which the deletion can be cancelled. Every value lies within 7–30 days. Deletion
 * scheduling (lifecycle/deletion) applies it through the engine's DeletionPolicy.
 *
 *     deletion:
 *       minWaitingDays: 14
 *       maxWaitingDays: 30
 *       defaultWaitingDays: 30
 */
export function readDeletion(reader: YamlReader, at: Located): DeletionRule | null {
  const fields = reader.fields(at, ['minWaitingDays', 'maxWaitingDays', 'defaultWaitingDays']);
  if (!fields) return null;
  let valid = true;
  const read = (name: string): number | null => {
    const valueAt = fields.get(name);
    const value = valueAt ? reader.integer(valueAt, LOWEST, HIGHEST, 'days') : null;
    if (valueAt && value === null) valid = false;
    return value;
  };
  const min = read('minWaitingDays') ?? LOWEST;
  const max = read('maxWaitingDays') ?? HIGHEST;
  // The longest wait is the safe default: a mistaken deletion has the most time to be noticed.
  const def = read('defaultWaitingDays') ?? max;
  if (!valid) return null;
  if (min > max) return reader.fail(fields.get('minWaitingDays') ?? at, `minWaitingDays (${min}) is above maxWaitingDays (${max})`);
  if (def < min || def > max) return reader.fail(fields.get('defaultWaitingDays') ?? at, `defaultWaitingDays (${def}) must be from minWaitingDays (${min}) to maxWaitingDays (${max})`);
  return { minDays: min, maxDays: max, defaultDays: def };
}

export function describeDeletion(rule: DeletionRule): string {
  return `deletion: waiting period ${rule.minDays}–${rule.maxDays} days (default ${rule.defaultDays})`;
}
