import { KeywardError } from '../core/errors.ts';
import type { Condition } from './conditions.ts';

/**
 * Role bindings, resolved: a role's action globs on a scope of keys, with an optional condition.
 * A binding grants a role to an identity or a group; an identity's grants are its own bindings
 * plus its groups'.
 */

/** Which keys a binding covers. */
export type Scope =
  | { readonly type: 'all' }
  | { readonly type: 'key'; readonly key: string }
  | { readonly type: 'glob'; readonly pattern: string }
  | { readonly type: 'tag'; readonly tag: string; readonly value: string }
  | { readonly type: 'environment'; readonly environment: string };

/** What a grant is checked against: the key an action is about. */
export interface KeyFacts {
  readonly id: string;
  readonly name: string;
  readonly environment: string | null;
  readonly tier: number | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdBy: string;
  readonly owner: string | null;
}

export interface Grant {
  readonly bindingId: string;
  readonly role: string;
  /** Action globs of the role (`key.*`, `crypto.encrypt`…). */
  readonly actions: readonly string[];
  readonly scope: Scope;
  readonly condition: Condition | null;
  /** Whether this grant came through a group (its id) or directly (null). */
  readonly viaGroup: string | null;
  /** When the binding behind it ends; null for never. */
  readonly expiresAt: string | null;
}

/**
 * Whether a scope covers a key for an identity of `identityEnvironment`. Environment separation:
 * an identity that belongs to one environment reaches a key of another only through a binding
 * that names that key or that environment explicitly — never through `all`, a glob or a tag.
 */
export function scopeCovers(scope: Scope, key: KeyFacts, identityEnvironment: string | null): boolean {
  const crossesEnvironment = identityEnvironment !== null && key.environment !== null && identityEnvironment !== key.environment;
  switch (scope.type) {
    case 'all':
      return !crossesEnvironment;
    case 'key':
      return scope.key === key.name || scope.key === key.id;
    case 'glob':
      return !crossesEnvironment && globMatch(scope.pattern, key.name);
    case 'tag':
      return !crossesEnvironment && key.tags[scope.tag] === scope.value;
    case 'environment':
      return key.environment === scope.environment;
  }
}

/** A scope as one line of text: `all`, `key:billing`, `glob:billing-*`, `tag:team=pay`, `env:prod`. */
export function formatScope(scope: Scope): string {
  switch (scope.type) {
    case 'all':
      return 'all';
    case 'key':
      return `key:${scope.key}`;
    case 'glob':
      return `glob:${scope.pattern}`;
    case 'tag':
      return `tag:${scope.tag}=${scope.value}`;
    case 'environment':
      return `env:${scope.environment}`;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const GLOB = /^[A-Za-z0-9*][A-Za-z0-9._*-]{0,127}$/;
const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

/** Parses the text form (see formatScope); `validation_failed` naming the field otherwise. */
export function parseScope(text: unknown): Scope {
  if (typeof text !== 'string') throw badScope();
  if (text === 'all' || text === '*') return { type: 'all' };
  const colon = text.indexOf(':');
  const kind = colon === -1 ? '' : text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'key' && NAME.test(rest)) return { type: 'key', key: rest };
  if (kind === 'glob' && GLOB.test(rest)) return rest === '*' ? { type: 'all' } : { type: 'glob', pattern: rest };
  if (kind === 'env' && /^[a-z][a-z0-9-]{0,31}$/.test(rest)) return { type: 'environment', environment: rest };
  if (kind === 'tag') {
    const eq = rest.indexOf('=');
    const tag = eq === -1 ? '' : rest.slice(0, eq);
    const value = rest.slice(eq + 1);
    if (TAG_KEY.test(tag) && value.length > 0 && value.length <= 256) return { type: 'tag', tag, value };
  }
  throw badScope();
}

function badScope(): KeywardError {
  return new KeywardError('validation_failed', 'scope must be one of: all, key:<name>, glob:<name-glob>, tag:<key>=<value>, env:<environment>', { field: 'scope' });
}

const globCache = new Map<string, RegExp>();
/** `*` matches any run of characters; everything else is literal. */
export function globMatch(glob: string, text: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (globCache.size < 10_000) globCache.set(glob, re);
  }
  return re.test(text);
}
