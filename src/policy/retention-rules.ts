import type { Policy, PolicySubject, RetentionHoldRule, RetentionRule, RuleMode, Violation } from './policy-model.ts';
import { addDays, MAX_ENTRIES, readMode, violation } from './rule-fields.ts';
import type { Located, YamlReader } from './yaml-reader.ts';

/** A hundred years: longer is not a retention period but "never", which `legal-hold`-style tags say better. */
const MAX_RETENTION_DAYS = 36_500;
const TAG = { re: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}(=[^\r\n]{0,256})?$/, hint: 'a tag as "name" or "name=value"' };

/**
 * `rules.retention`:
 *
 *     retention:
 *       holds:
 *         - { tag: data-class=financial, days: 2555 }   # 7 years
 *         - { tag: legal-hold, days: 36500 }            # any value of the tag
 */
export function readRetention(reader: YamlReader, at: Located): RetentionRule | null {
  const fields = reader.fields(at, ['mode', 'holds']);
  if (!fields) return null;
  const mode = readMode(reader, fields);
  const holdsAt = fields.require('holds');
  const holds: RetentionHoldRule[] = [];
  for (const item of (holdsAt && reader.list(holdsAt, { minItems: 1, maxItems: MAX_ENTRIES })) || []) {
    const entry = reader.fields(item, ['tag', 'days']);
    if (!entry) continue;
    const tagAt = entry.require('tag');
    const tag = tagAt ? reader.text(tagAt, 400, TAG) : null;
    const daysAt = entry.require('days');
    const days = daysAt ? reader.integer(daysAt, 1, MAX_RETENTION_DAYS, 'days') : null;
    if (tag === null || days === null) continue;
    const eq = tag.indexOf('=');
    const hold = eq === -1 ? { tag, value: null, days } : { tag: tag.slice(0, eq), value: tag.slice(eq + 1), days };
    if (holds.some((h) => h.tag === hold.tag && h.value === hold.value)) {
      reader.fail(item, `a second hold for tag "${tag}"; give each tag one period`);
      continue;
    }
    holds.push(hold);
  }
  return { mode, holds };
}

/** A retention hold on a key: the longest period among the holds its tags match. */
export interface RetentionHold {
  /** The tag as the policy names it: `name=value` or `name`. */
  readonly tag: string;
  readonly days: number;
  /**
   * When the key's material may be destroyed; null while the key is active (it can still protect
   * new data, so its period has not started).
   */
  readonly endsAt: string | null;
  readonly mode: RuleMode;
}

function matchingHold(rule: RetentionRule, tags: Readonly<Record<string, string>>): RetentionHoldRule | null {
  let best: RetentionHoldRule | null = null;
  for (const hold of rule.holds) {
    const value = tags[hold.tag];
    if (value === undefined || (hold.value !== null && value !== hold.value)) continue;
    if (!best || hold.days > best.days) best = hold;
  }
  return best;
}

function holdName(hold: RetentionHoldRule): string {
  return hold.value === null ? hold.tag : `${hold.tag}=${hold.value}`;
}

/**
 * The retention hold on a key, or null when it has none. Data protected by a key must stay
 * readable for the tag's period after the last moment the key could protect new data, and
 * destroying the key destroys that data (crypto-shredding). A key in pre-activation never
 * protected anything, so it has no hold. Once a key leaves `active` (suspended, deactivated,
 * compromised) it protects nothing new, so its period runs from `stateChangedAt`: when it left,
 * or later if it changed state again since (suspended, then deactivated) — later is the safe side.
 */
export function retentionEnd(policy: Pick<Policy, 'retention'>, key: Pick<PolicySubject, 'state' | 'tags' | 'stateChangedAt'>): RetentionHold | null {
  const rule = policy.retention;
  if (!rule || key.state === 'pre-activation' || key.state === 'destroyed') return null;
  const hold = matchingHold(rule, key.tags);
  if (!hold) return null;
  const endsAt = key.state === 'active' ? null : addDays(key.stateChangedAt, hold.days).toISOString();
  return { tag: holdName(hold), days: hold.days, endsAt, mode: rule.mode };
}

/**
 * The earliest time the key's material may be destroyed under the policy, or null when no hold
 * applies. For an active key (period not started) that is `now + days`: even if it stopped now,
 * the period would run that long.
 */
export function retentionEndDate(policy: Pick<Policy, 'retention'>, key: Pick<PolicySubject, 'state' | 'tags' | 'stateChangedAt'>, now: Date): Date | null {
  const hold = retentionEnd(policy, key);
  if (!hold) return null;
  return hold.endsAt === null ? addDays(now.toISOString(), hold.days) : new Date(hold.endsAt);
}

/** `retention.tag` on a tag change: a running hold may not be shortened or dropped by retagging the key. */
export function retagViolations(policy: Pick<Policy, 'retention'>, before: PolicySubject, after: PolicySubject, now: Date): Violation[] {
  const held = retentionEnd(policy, before);
  if (!held || (held.endsAt !== null && Date.parse(held.endsAt) <= now.getTime())) return [];
  const still = retentionEnd(policy, after);
  if (still && still.days >= held.days) return [];
  return [
    violation(before, { ruleId: 'retention.tag', mode: held.mode }, 'tags', `tag ${held.tag} holds the key's material for ${held.days} days; changing the tags would ${still ? `shorten that to ${still.days}` : 'drop the hold'}`),
  ];
}

/**
 * `retention.tag` on an existing key: a destroyed key whose tags hold it for longer than it
 * lived. Its last use is unknown once destroyed, but it was no earlier than its creation, so
 * destruction before `createdAt + days` certainly broke the hold (a lower bound: later breaches
 * show in the audit log, not here).
 */
export function retentionViolations(rule: RetentionRule, key: PolicySubject): Violation[] {
  if (key.state !== 'destroyed' || key.destroyedAt === null) return [];
  const hold = matchingHold(rule, key.tags);
  if (!hold) return [];
  const earliest = addDays(key.createdAt, hold.days);
  if (Date.parse(key.destroyedAt) >= earliest.getTime()) return [];
  return [
    violation(key, { ruleId: 'retention.tag', mode: rule.mode }, 'tags', `destroyed ${key.destroyedAt}, before the ${hold.days}-day hold of tag ${holdName(hold)} could have ended (${earliest.toISOString()} at the earliest)`),
  ];
}

export function describeRetention(rule: RetentionRule): string {
  return `retention (${rule.mode}): ${rule.holds.map((h) => `${holdName(h)} ${h.days} days`).join('; ')}`;
}
