import { conditionHolds } from './conditions.ts';
import { globMatch, scopeCovers, type Grant, type KeyFacts } from './grants.ts';
import type { Principal } from './principal.ts';

export { globMatch } from './grants.ts';

export interface Resource {
  /** The key's name, for key-scoped actions. */
  readonly keyName?: string;
  /** The key itself, when known: identities' grants are scoped by its environment, tags and name. */
  readonly key?: KeyFacts;
  /** Request facts that binding conditions may look at. */
  readonly request?: RequestFacts;
}

export interface RequestFacts {
  readonly sourceIp: string | null;
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly now: Date;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
  /** The binding that granted it (identities), for usage tracking and the audit entry. */
  readonly bindingId?: string;
}

/**
 * The one authorization decision point. Every engine operation calls it before acting.
 *
 * Root, service-token and system principals hold permission patterns: an action glob (segments
 * separated by '.'; '*' matches any run of characters) optionally restricted to keys whose names
 * match a glob after '@'. Identities hold grants (role bindings): a role's action globs on a scope
 * of keys, optionally with a Cedar condition. A key-scoped grant applies only to an action about
 * a key it covers; only an `all` grant applies to actions about no key.
 */
export function authorize(principal: Principal, action: string, resource: Resource = {}): Decision {
  if (SELF_ACTIONS.has(action) && principal.accessor !== undefined) return { allowed: true, reason: 'every token may look up, renew and revoke itself' };
  if (principal.type === 'identity') return authorizeIdentity(principal, action, resource);
  for (const permission of principal.permissions) {
    const at = permission.indexOf('@');
    const actionGlob = at === -1 ? permission : permission.slice(0, at);
    const keyGlob = at === -1 ? null : permission.slice(at + 1);
    if (!globMatch(actionGlob, action)) continue;
    if (keyGlob === null) return { allowed: true, reason: `granted by "${permission}"` };
    // A key-scoped grant needs a key to match; without one (listing, say) it does not apply.
    const keyName = resource.key?.name ?? resource.keyName;
    if (keyName !== undefined && globMatch(keyGlob, keyName)) return { allowed: true, reason: `granted by "${permission}"` };
  }
  return denied(principal, action, resource);
}

function authorizeIdentity(principal: Principal, action: string, resource: Resource): Decision {
  const identity = principal.identity;
  if (!identity) return denied(principal, action, resource);
  for (const grant of principal.grants ?? []) {
    if (!grant.actions.some((glob) => globMatch(glob, action))) continue;
    if (!grantCoversResource(grant, resource, identity.environment)) continue;
    if (grant.condition) {
      const request = resource.request;
      const holds = conditionHolds(grant.condition, {
        principal: { id: identity.id, name: identity.name, kind: identity.kind, team: identity.team, environment: identity.environment, attributes: identity.attributes },
        action,
        resource: resource.key ? { name: resource.key.name, environment: resource.key.environment, tier: resource.key.tier, tags: resource.key.tags } : null,
        now: request?.now ?? new Date(),
        sourceIp: request?.sourceIp ?? null,
        encryptionContext: request?.encryptionContext ?? {},
      });
      if (!holds) continue;
    }
    return { allowed: true, reason: `granted by role ${grant.role} (binding ${grant.bindingId})`, bindingId: grant.bindingId };
  }
  return denied(principal, action, resource);
}

/** Whether a grant's scope reaches the resource (a key, or nothing for actions about no key). */
export function grantCoversResource(grant: Grant, resource: Resource, identityEnvironment: string | null): boolean {
  if (resource.key) return scopeCovers(grant.scope, resource.key, identityEnvironment);
  if (resource.keyName !== undefined) {
    // Only the name is known (a key being created): name-based scopes and `all` can match.
    if (grant.scope.type === 'all') return true;
    if (grant.scope.type === 'key') return grant.scope.key === resource.keyName;
    if (grant.scope.type === 'glob') return globMatch(grant.scope.pattern, resource.keyName);
    return false;
  }
  return grant.scope.type === 'all';
}

function denied(principal: Principal, action: string, resource: Resource): Decision {
  const keyName = resource.key?.name ?? resource.keyName;
  return { allowed: false, reason: `${principal.actor} lacks permission for ${action}${keyName ? ` on key "${keyName}"` : ''}` };
}

/** What any token may do to itself without a grant (as in Vault: lookup-self, renew-self, revoke-self). */
const SELF_ACTIONS: ReadonlySet<string> = new Set(['token.lookup-self', 'token.renew-self', 'token.revoke-self']);

/** True if some permission or grant could allow `action` on some key (used before looking a key up). */
export function mayPerform(principal: Principal, action: string): boolean {
  if (SELF_ACTIONS.has(action) && principal.accessor !== undefined) return true;
  if (principal.type === 'identity') return (principal.grants ?? []).some((g) => g.actions.some((glob) => globMatch(glob, action)));
  return principal.permissions.some((p) => globMatch(p.split('@')[0] ?? '', action));
}
