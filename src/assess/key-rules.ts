import { SPEC_INFO } from '../crypto/key-specs.ts';
import type { KeyRecord, KeyState } from '../storage/records.ts';
import type { AssessedKey, AssessedKeyVersion, PolicySnapshot } from './input.ts';
import { daysBetween } from './time.ts';

/**
 * NIST SP 800-57 Part 1 Rev. 5 §5.3.6 (Table 1), originator-usage periods used when no policy sets
 * one: symmetric data-encryption, key-wrapping and HMAC keys and private key-transport keys up to
 * 2 years; private signature keys 1–3 years (the upper end).
 */
export const NIST_CRYPTOPERIOD_DAYS = { signing: 3 * 365, other: 2 * 365 } as const;

/** States in which a key still protects or processes data (the ones rotation and ownership rules apply to). */
export const LIVE_STATES: readonly KeyState[] = ['pre-activation', 'active', 'suspended'];

export function isLive(key: KeyRecord): boolean {
  return LIVE_STATES.includes(key.state);
}

/**
 * Keys Keyward can rotate on its own: generated material. Imported (BYOK) keys are rotated by
 * importing new material, by hand; their rotation is judged by evidence (a newer version) only.
 */
export function rotatesAutomatically(key: KeyRecord): boolean {
  return key.origin === 'generated';
}

export interface Cryptoperiod {
  readonly days: number;
  /** Where the number comes from, for messages. */
  readonly source: string;
}

/** The longest a version may be in use: the most specific policy rule, else the NIST default for the key's usage. */
export function cryptoperiod(key: KeyRecord, policy: PolicySnapshot | null | undefined): Cryptoperiod {
  const rules = policy?.cryptoperiods ?? [];
  const matching = rules
    .filter((r) => (r.tier === null || r.tier === key.tier) && (r.environment === null || r.environment === key.environment))
    .sort((a, b) => specificity(b) - specificity(a) || a.days - b.days);
  const rule = matching[0];
  if (rule && policy) return { days: rule.days, source: `policy ${policy.id} (tier ${rule.tier ?? 'any'}, ${rule.environment ?? 'any environment'})` };
  const days = key.usage === 'SIGN_VERIFY' ? NIST_CRYPTOPERIOD_DAYS.signing : NIST_CRYPTOPERIOD_DAYS.other;
  return { days, source: 'NIST SP 800-57 Part 1 Table 1' };
}

function specificity(r: { tier: unknown; environment: unknown }): number {
  return (r.tier === null ? 0 : 1) + (r.environment === null ? 0 : 1);
}

/** When the current version must be replaced: the key's own schedule if shorter than its cryptoperiod. */
export function rotationLimit(key: KeyRecord, policy: PolicySnapshot | null | undefined): Cryptoperiod {
  const period = cryptoperiod(key, policy);
  if (key.rotationPeriodDays !== null && key.rotationPeriodDays < period.days) return { days: key.rotationPeriodDays, source: 'its rotation schedule' };
  return period;
}

export function currentVersion(k: AssessedKey): AssessedKeyVersion | undefined {
  return k.versions.find((v) => v.version === k.key.currentVersion);
}

/** Age in days of the current version (the newest rotation, or creation). */
export function currentVersionAgeDays(k: AssessedKey, now: string): number {
  const created = currentVersion(k)?.createdAt ?? k.key.lastRotatedAt ?? k.key.createdAt;
  return daysBetween(created, now);
}

export function specBits(key: KeyRecord): number {
  return SPEC_INFO[key.spec].bits;
}

export function isQuantumVulnerable(key: KeyRecord): boolean {
  const family = SPEC_INFO[key.spec].family;
  return family === 'rsa' || family === 'ec' || family === 'ed25519';
}
