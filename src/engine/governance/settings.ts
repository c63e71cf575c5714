import { KeywardError } from '../../core/errors.ts';

/**
 * Governance settings (one document, kind `governance`, id `settings`). Changing them is itself a
 * sensitive operation (approvals).
 */
export interface GovernanceSettings {
  /** Separation of duties: on for keys of these tiers or environments (all keys when both lists are empty and enabled). */
  readonly sod: { readonly enabled: boolean; readonly tiers: readonly number[]; readonly environments: readonly string[] };
  /** Approvals when no policy says otherwise. */
  readonly approvals: { readonly quorum: number; readonly approverRole: string; readonly expiresHours: number; readonly actions: readonly string[] };
  /** Whether sensitive operations (requests, votes, break-glass, reviews) need a login that passed TOTP. */
  readonly requireMfa: boolean;
  readonly breakGlass: { readonly roles: readonly string[]; readonly reviewsRequired: number };
  readonly review: { readonly unusedDays: number; readonly intervalHours: number; readonly autoSuspendDeparted: boolean };
  readonly login: { readonly tokenTtlSeconds: number; readonly maxTtlSeconds: number; readonly maxFailures: number; readonly lockoutSeconds: number };
}

/** The operations that need approval by default: the ones an audit asks "who else agreed?" about. */
export const DEFAULT_SENSITIVE_ACTIONS: readonly string[] = [
  'key.destroy',
  'key.schedule-deletion',
  'key.suspend',
  'key.deactivate',
  'key.compromise',
  'key.import',
  'key.update-policy',
  'binding.create-tier1',
  'policy.update',
  'governance.update-settings',
];

export const DEFAULT_SETTINGS: GovernanceSettings = {
  sod: { enabled: true, tiers: [1], environments: ['prod'] },
  approvals: { quorum: 2, approverRole: 'security-officer', expiresHours: 24, actions: DEFAULT_SENSITIVE_ACTIONS },
  requireMfa: false,
  breakGlass: { roles: ['security-officer'], reviewsRequired: 2 },
  review: { unusedDays: 90, intervalHours: 24, autoSuspendDeparted: false },
  login: { tokenTtlSeconds: 900, maxTtlSeconds: 12 * 3600, maxFailures: 5, lockoutSeconds: 900 },
};

/** Merges a partial update over the current settings and validates the result. */
export function mergeSettings(current: GovernanceSettings, patch: unknown): GovernanceSettings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw bad('settings', 'an object');
  const p = patch as Record<string, unknown>;
  const known = new Set(Object.keys(DEFAULT_SETTINGS));
  for (const k of Object.keys(p)) if (!known.has(k)) throw new KeywardError('validation_failed', `unknown setting "${k.slice(0, 40)}"`, { field: k.slice(0, 40) });
  const section = <T extends object>(name: keyof GovernanceSettings, base: T): T => {
    const v = p[name];
    if (v === undefined) return base;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(name, 'an object');
    for (const k of Object.keys(v)) if (!(k in base)) throw new KeywardError('validation_failed', `unknown setting "${name}.${k.slice(0, 40)}"`, { field: `${name}.${k.slice(0, 40)}` });
    return { ...base, ...v };
  };
  const merged: GovernanceSettings = {
    sod: section('sod', current.sod),
    approvals: section('approvals', current.approvals),
    requireMfa: p['requireMfa'] === undefined ? current.requireMfa : (p['requireMfa'] as boolean),
    breakGlass: section('breakGlass', current.breakGlass),
    review: section('review', current.review),
    login: section('login', current.login),
  };
  checkSettings(merged);
  return merged;
}

export function checkSettings(s: GovernanceSettings): void {
  if (typeof s.sod.enabled !== 'boolean') throw bad('sod.enabled', 'true or false');
  if (!Array.isArray(s.sod.tiers) || !s.sod.tiers.every((t) => t === 1 || t === 2 || t === 3)) throw bad('sod.tiers', 'a list of tiers 1–3');
  if (!Array.isArray(s.sod.environments) || !s.sod.environments.every((e) => typeof e === 'string' && /^[a-z][a-z0-9-]{0,31}$/.test(e))) throw bad('sod.environments', 'a list of environment names');
  if (!isInt(s.approvals.quorum, 1, 9)) throw bad('approvals.quorum', 'a whole number from 1 to 9');
  if (typeof s.approvals.approverRole !== 'string' || s.approvals.approverRole.length === 0) throw bad('approvals.approverRole', 'a role name');
  if (!isInt(s.approvals.expiresHours, 1, 24 * 30)) throw bad('approvals.expiresHours', 'hours from 1 to 720');
  if (!Array.isArray(s.approvals.actions) || !s.approvals.actions.every((a) => typeof a === 'string' && /^[a-z][a-z0-9.-]{0,63}$/.test(a))) throw bad('approvals.actions', 'a list of action names');
  if (typeof s.requireMfa !== 'boolean') throw bad('requireMfa', 'true or false');
  if (!Array.isArray(s.breakGlass.roles) || s.breakGlass.roles.length === 0 || !s.breakGlass.roles.every((r) => typeof r === 'string')) throw bad('breakGlass.roles', 'a non-empty list of role names');
  if (!isInt(s.breakGlass.reviewsRequired, 1, 9)) throw bad('breakGlass.reviewsRequired', 'a whole number from 1 to 9');
  if (!isInt(s.review.unusedDays, 1, 3650)) throw bad('review.unusedDays', 'days from 1 to 3650');
  if (!isInt(s.review.intervalHours, 1, 24 * 30)) throw bad('review.intervalHours', 'hours from 1 to 720');
  if (typeof s.review.autoSuspendDeparted !== 'boolean') throw bad('review.autoSuspendDeparted', 'true or false');
  if (!isInt(s.login.tokenTtlSeconds, 60, 24 * 3600)) throw bad('login.tokenTtlSeconds', 'seconds from 60 to 86400');
  if (!isInt(s.login.maxTtlSeconds, s.login.tokenTtlSeconds, 30 * 24 * 3600)) throw bad('login.maxTtlSeconds', 'seconds from tokenTtlSeconds to 30 days');
  if (!isInt(s.login.maxFailures, 1, 100)) throw bad('login.maxFailures', 'a whole number from 1 to 100');
  if (!isInt(s.login.lockoutSeconds, 1, 24 * 3600)) throw bad('login.lockoutSeconds', 'seconds from 1 to 86400');
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function bad(field: string, what: string): KeywardError {
  return new KeywardError('validation_failed', `${field} must be ${what}`, { field });
}

/** Whether separation of duties applies to a key under these settings. */
export function sodApplies(settings: GovernanceSettings, key: { readonly tier: number | null; readonly environment: string | null }): boolean {
  if (!settings.sod.enabled) return false;
  if (settings.sod.tiers.length === 0 && settings.sod.environments.length === 0) return true;
  return (key.tier !== null && settings.sod.tiers.includes(key.tier)) || (key.environment !== null && settings.sod.environments.includes(key.environment));
}
