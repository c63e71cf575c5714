import { KeywardError } from '../core/errors.ts';
import type { Scope } from './grants.ts';

/**
 * Identities (people and service accounts), groups and role bindings as stored (documents of
 * kinds `identity`, `group`, `binding`, `role`). People log in with a password (argon2id) and,
 * once enrolled, a TOTP code; service accounts with a client secret. Both receive short-lived
 * tokens whose permissions come from their bindings.
 */

export const IDENTITY_KINDS = ['user', 'service'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** `departed` is final in spirit (the person left); `suspended` is a hold that can be lifted. */
export const IDENTITY_STATUSES = ['active', 'suspended', 'departed'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

export interface TotpState {
  /** The base32 secret wrapped under the root key (AAD binds the identity id), base64. */
  readonly wrapped: string;
  /** False until a first code is confirmed; an unconfirmed secret is not required at login. */
  readonly confirmed: boolean;
  /** The last accepted time step (replay guard). */
  readonly lastStep: number | null;
}

export interface IdentityRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: IdentityKind;
  readonly displayName: string | null;
  readonly email: string | null;
  readonly team: string | null;
  /** Who answers for a service account (a person's name or a team); for people, their manager if known. */
  readonly owner: string | null;
  readonly environment: string | null;
  readonly status: IdentityStatus;
  readonly statusReason: string | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  /** The person's id in the HR directory (access review matches on it, then on email). */
  readonly directoryId: string | null;
  readonly passwordHash: string | null;
  readonly totp: TotpState | null;
  /** Service accounts: SHA-256 (hex) of the client secret. */
  readonly clientSecretHash: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly statusChangedAt: string;
  readonly lastLoginAt: string | null;
  readonly failedLogins: { readonly count: number; readonly since: string | null; readonly lockedUntil: string | null };
}

/** What the API shows of an identity: no hashes, no TOTP secret. */
export type IdentityView = Omit<IdentityRecord, 'passwordHash' | 'totp' | 'clientSecretHash' | 'failedLogins'> & {
  readonly hasPassword: boolean;
  readonly totpEnabled: boolean;
  readonly hasClientSecret: boolean;
  readonly lockedUntil: string | null;
};

export function identityView(r: IdentityRecord): IdentityView {
  const { passwordHash, totp, clientSecretHash, failedLogins, ...rest } = r;
  return { ...rest, hasPassword: passwordHash !== null, totpEnabled: totp?.confirmed ?? false, hasClientSecret: clientSecretHash !== null, lockedUntil: failedLogins.lockedUntil };
}

/** The audit name of an identity. */
export function identityActor(r: Pick<IdentityRecord, 'kind' | 'name'>): string {
  return `${r.kind === 'user' ? 'user' : 'sa'}:${r.name}`;
}

export interface GroupRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly team: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface BindingRecord {
  readonly id: string;
  readonly role: string;
  readonly subject: { readonly type: 'identity' | 'group'; readonly id: string; readonly name: string };
  readonly scope: Scope;
  /** Cedar `when` body, or null. */
  readonly condition: string | null;
  readonly description: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  /** The approval request it was made through, when the grant needed one. */
  readonly approvalId: string | null;
}

export const NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
const ENV = /^[a-z][a-z0-9-]{0,31}$/;
const ATTR_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

export function checkIdentityName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new KeywardError('validation_failed', `${field} is 1–64 lower-case letters, digits and . _ @ -, starting with a letter or digit`, { field });
  }
  return name;
}

export function optionalText(value: unknown, field: string, max = 256): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) throw new KeywardError('validation_failed', `${field} must be text of at most ${max} characters`, { field });
  return value.length === 0 ? null : value;
}

export function optionalEmail(value: unknown): string | null {
  const text = optionalText(value, 'email', 254);
  if (text !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) throw new KeywardError('validation_failed', 'email is not an email address', { field: 'email' });
  return text === null ? null : text.toLowerCase();
}

export function optionalEnvironment(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !ENV.test(value)) throw new KeywardError('validation_failed', 'environment is a lower-case word such as dev, staging or prod', { field: 'environment' });
  return value;
}

export function checkAttributes(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new KeywardError('validation_failed', 'attributes must be an object of strings', { field: 'attributes' });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 32) throw new KeywardError('validation_failed', 'at most 32 attributes', { field: 'attributes' });
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!ATTR_KEY.test(k) || typeof v !== 'string' || v.length > 256) {
      throw new KeywardError('validation_failed', `attribute "${k.slice(0, 40)}" must be a word mapped to text of at most 256 characters`, { field: 'attributes' });
    }
    out[k] = v;
  }
  return out;
}

export function checkStatus(value: unknown): IdentityStatus {
  if (typeof value !== 'string' || !(IDENTITY_STATUSES as readonly string[]).includes(value)) {
    throw new KeywardError('validation_failed', `status must be one of ${IDENTITY_STATUSES.join(', ')}`, { field: 'status' });
  }
  return value as IdentityStatus;
}
