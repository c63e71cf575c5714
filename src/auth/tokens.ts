import { createHash, randomBytes } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import type { TokenRecord, TokenType } from '../storage/records.ts';
import { globMatch } from './authorize.ts';
import type { Principal } from './principal.ts';

/** Token text starts with its type, so a leaked one is recognisable (and secret scanners can find it). */
export const TOKEN_PREFIX: Readonly<Record<TokenType, string>> = { root: 'kwr_', service: 'kwt_', identity: 'kwi_' };
/** 256 random bits: guessing is hopeless, so a plain SHA-256 (no salt, no slow hash) is a safe store. */
const TOKEN_RANDOM_BYTES = 32;
/** The accessor is a public name: 96 bits of a domain-separated hash, so it cannot be turned back into the token. */
const ACCESSOR_DOMAIN = 'keyward/accessor/v1';
const ACCESSOR_HEX = 24;
export const ACCESSOR = /^[0-9a-f]{24}$/;
/** Token text as it may appear in a header: prefix + base64url; anything else is refused before hashing. */
const TOKEN_TEXT = /^kw[rti]_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  /** Shown once to whoever asked; never stored or logged. */
  readonly token: string;
  /** SHA-256 of the token: the only thing the server keeps. */
  readonly hash: Buffer;
  readonly accessor: string;
}

export function issueToken(type: TokenType): IssuedToken {
  const random = randomBytes(TOKEN_RANDOM_BYTES);
  const token = `${TOKEN_PREFIX[type]}${random.toString('base64url')}`;
  random.fill(0);
  return { token, hash: hashToken(token), accessor: tokenAccessor(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function tokenAccessor(token: string): string {
  return createHash('sha256').update(ACCESSOR_DOMAIN).update(token, 'utf8').digest('hex').slice(0, ACCESSOR_HEX);
}

/** True if the text has the shape of a Keyward token (checked before any lookup). */
export function looksLikeToken(text: string): boolean {
  return TOKEN_TEXT.test(text);
}

/** The principal a (valid, live) token stands for. */
export function tokenPrincipal(token: TokenRecord): Principal {
  return {
    type: token.type === 'root' ? 'root' : 'token',
    actor: `${token.type === 'root' ? 'root' : 'token'}:${token.accessor}`,
    permissions: token.permissions,
    accessor: token.accessor,
  };
}

/** Why a presented token does not authenticate; null if it does. */
export function tokenRefusal(token: TokenRecord | null, now: Date): 'unknown' | 'revoked' | 'expired' | null {
  if (!token) return 'unknown';
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime()) return 'expired';
  return null;
}

/** At most this many permission patterns on one token: enough for any real role, small enough to scan per request. */
export const MAX_TOKEN_PERMISSIONS = 64;
/** `<action-glob>` or `<action-glob>@<key-name-glob>`: actions are lower-case dotted words, key globs follow key names. */
const PERMISSION = /^[a-z*][a-z0-9*.-]{0,63}(?:@[A-Za-z0-9*][A-Za-z0-9._*-]{0,127})?$/;

/** Validates the permission patterns a new token asks for. */
export function checkPermissions(permissions: readonly string[]): readonly string[] {
  if (permissions.length === 0) throw new KeywardError('validation_failed', 'a token needs at least one permission', { field: 'permissions' });
  if (permissions.length > MAX_TOKEN_PERMISSIONS) {
    throw new KeywardError('validation_failed', `a token may have at most ${MAX_TOKEN_PERMISSIONS} permissions`, { field: 'permissions' });
  }
  for (const p of permissions) {
    if (!PERMISSION.test(p)) {
      throw new KeywardError('validation_failed', `permission "${p.slice(0, 80)}" must be <action-glob> or <action-glob>@<key-name-glob>, e.g. "crypto.*@billing-*"`, {
        field: 'permissions',
      });
    }
  }
  return [...new Set(permissions)];
}

/**
 * True if `granted` covers every request `requested` could allow, so a token can never hand out
 * more than its holder has. Sound for '*'-only globs: a grant glob that matches the requested glob
 * *as text* matches every string the requested glob does ('*' in the grant absorbs '*' in the request).
 */
export function permissionCovered(granted: readonly string[], requested: string): boolean {
  const [reqAction = '', reqKey] = splitPermission(requested);
  return granted.some((g) => {
    const [action = '', key] = splitPermission(g);
    if (!globMatch(action, reqAction)) return false;
    if (key === undefined) return true;
    return reqKey !== undefined && globMatch(key, reqKey);
  });
}

function splitPermission(p: string): [string, string | undefined] {
  const at = p.indexOf('@');
  return at === -1 ? [p, undefined] : [p.slice(0, at), p.slice(at + 1)];
}

export interface TokenTtlPolicy {
  readonly defaultSeconds: number;
  readonly maxSeconds: number;
}

/** One hour by default (short-lived by default), 32 days at most (Vault's default max_ttl). */
export const DEFAULT_TOKEN_TTL: TokenTtlPolicy = { defaultSeconds: 3600, maxSeconds: 32 * 24 * 3600 };

/** The TTL a new token gets: the one asked for (1 s … max) or the default. */
export function resolveTtl(policy: TokenTtlPolicy, requested: number | undefined): number {
  if (requested === undefined) return Math.min(policy.defaultSeconds, policy.maxSeconds);
  if (!Number.isInteger(requested) || requested < 1) throw new KeywardError('validation_failed', 'ttlSeconds must be a whole number of seconds ≥ 1', { field: 'ttlSeconds' });
  if (requested > policy.maxSeconds) {
    throw new KeywardError('validation_failed', `ttlSeconds may be at most ${policy.maxSeconds} (the server's maximum token TTL)`, { field: 'ttlSeconds', max: policy.maxSeconds });
  }
  return requested;
}

/** A renewed token's expiry: now + ttl, never past createdAt + max TTL, never earlier than it was. */
export function renewedExpiry(token: TokenRecord, policy: TokenTtlPolicy, now: Date, requested: number | undefined): string {
  const ttl = resolveTtl(policy, requested ?? token.ttlSeconds ?? undefined);
  const cap = Date.parse(token.createdAt) + policy.maxSeconds * 1000;
  const current = token.expiresAt === null ? 0 : Date.parse(token.expiresAt);
  return new Date(Math.max(current, Math.min(now.getTime() + ttl * 1000, cap))).toISOString();
}

/** The root token made by `init`: every permission, no expiry; its record is written with the seal. */
export function issueRootToken(now: Date): { token: string; record: TokenRecord } {
  const issued = issueToken('root');
  return {
    token: issued.token,
    record: {
      accessor: issued.accessor,
      hash: issued.hash,
      type: 'root',
      permissions: ['*'],
      description: 'root token from init',
      createdAt: now.toISOString(),
      createdBy: 'system:init',
      expiresAt: null,
      renewable: false,
      ttlSeconds: null,
      revokedAt: null,
      identityId: null,
      mfa: false,
    },
  };
}
