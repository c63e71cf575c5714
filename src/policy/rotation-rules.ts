import type { KeyState } from '../storage/records.ts';
import { selects, type PolicySubject, type RotationLimit, type RotationRule, type Violation } from './policy-model.ts';
import { addDays, daysBetween, describeSelector, MAX_ENTRIES, readMode, readSelector, selectorKey, violation } from './rule-fields.ts';
import type { Located, YamlReader } from './yaml-reader.ts';

/** The longest rotation period a key may have (the key API's own limit, 10 years). */
const MAX_ROTATION_DAYS = 3650;

/** States in which a key is (or will be) in use, so its rotation matters. */
const ROTATING_STATES: readonly KeyState[] = ['pre-activation', 'active', 'suspended'];

/**
 * `rules.rotation`:
 *
 *     rotation:
 *       maxPeriodDays:
 *         - { tier: 1, environment: prod, days: 90 }
 *         - { tier: 1, days: 180 }
 *         - { days: 365 }          # every other key
 */
export function readRotation(reader: YamlReader, at: Located): RotationRule | null {
  const fields = reader.fields(at, ['mode', 'maxPeriodDays']);
  if (!fields) return null;
  const mode = readMode(reader, fields);
  const listAt = fields.require('maxPeriodDays');
  const items = listAt ? reader.list(listAt, { minItems: 1, maxItems: MAX_ENTRIES }) : null;
  const limits: RotationLimit[] = [];
  const seen = new Set<string>();
  for (const item of items ?? []) {
    const entry = reader.fields(item, ['tier', 'environment', 'days']);
    if (!entry) continue;
    const selector = readSelector(reader, entry);
    const daysAt = entry.require('days');
    const days = daysAt ? reader.integer(daysAt, 1, MAX_ROTATION_DAYS, 'days') : null;
    if (!selector || days === null) continue;
    const key = selectorKey(selector);
    if (seen.has(key)) {
      reader.fail(item, `a second limit for ${describeSelector(selector)}; give each tier and environment one limit`);
      continue;
    }
    seen.add(key);
    limits.push({ ...selector, days });
  }
  return { mode, limits };
}

/**
 * The limit that applies to a key: among the entries that match it, the most specific (tier and
 * environment > one of them > neither); between equally specific ones, the strictest.
 */
export function rotationLimit(rule: RotationRule, key: Pick<PolicySubject, 'tier' | 'environment'>): RotationLimit | null {
  let best: RotationLimit | null = null;
  let bestRank = -1;
  for (const limit of rule.limits) {
    if (!selects(limit, key)) continue;
    const rank = (limit.tier !== null ? 1 : 0) + (limit.environment !== null ? 1 : 0);
    if (rank > bestRank || (rank === bestRank && best !== null && limit.days < best.days)) {
      best = limit;
      bestRank = rank;
    }
  }
  return best;
}

/** `rotation.max-period`: a key in use must have a rotation period, no longer than its limit. */
export function rotationPeriodViolations(rule: RotationRule, key: PolicySubject): Violation[] {
  if (!ROTATING_STATES.includes(key.state)) return [];
  const limit = rotationLimit(rule, key);
  if (!limit) return [];
  const r = { ruleId: 'rotation.max-period', mode: rule.mode } as const;
  const scope = `for ${describeSelector(limit)}`;
  if (key.rotationPeriodDays === null) {
    return [violation(key, r, 'rotationPeriodDays', `no rotation period is set; at most ${limit.days} days is allowed ${scope}`)];
  }
  if (key.rotationPeriodDays > limit.days) {
    return [violation(key, r, 'rotationPeriodDays', `rotation period of ${key.rotationPeriodDays} days is longer than the ${limit.days} days allowed ${scope}`)];
  }
  return [];
}

/** `rotation.overdue`: an active key last rotated (or created) longer ago than its limit. */
export function rotationOverdueViolations(rule: RotationRule, key: PolicySubject, now: Date): Violation[] {
  if (key.state !== 'active') return [];
  const limit = rotationLimit(rule, key);
  if (!limit) return [];
  const since = key.lastRotatedAt ?? key.createdAt;
  const due = addDays(since, limit.days);
  if (due.getTime() >= now.getTime()) return [];
  const what = key.lastRotatedAt ? 'last rotated' : 'created and never rotated';
  return [
    violation(
      key,
      { ruleId: 'rotation.overdue', mode: rule.mode },
      'lastRotatedAt',
      `${what} ${daysBetween(since, now)} days ago (${since}); ${describeSelector(limit)} must rotate every ${limit.days} days (due ${due.toISOString()})`,
    ),
  ];
}

export function describeRotation(rule: RotationRule): string {
  const limits = rule.limits.map((l) => `${describeSelector(l)} ≤ ${l.days} days`).join('; ');
  return `rotation (${rule.mode}): ${limits}`;
}
