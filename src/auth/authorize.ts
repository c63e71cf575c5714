import type { Principal } from './principal.ts';

export interface Resource {
  /** The key's name, for key-scoped actions. */
  readonly keyName?: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * The one authorization decision point. Every engine operation calls it before acting.
 * A permission grants an action glob (segments separated by '.'; '*' matches any run of
 * characters) optionally restricted to keys whose names match a glob after '@'.
 */
export function authorize(principal: Principal, action: string, resource: Resource = {}): Decision {
  if (SELF_ACTIONS.has(action) && principal.accessor !== undefined) return { allowed: true, reason: 'every token may look up, renew and revoke itself' };
  for (const permission of principal.permissions) {
    const at = permission.indexOf('@');
    const actionGlob = at === -1 ? permission : permission.slice(0, at);
    const keyGlob = at === -1 ? null : permission.slice(at + 1);
    if (!globMatch(actionGlob, action)) continue;
    if (keyGlob === null) return { allowed: true, reason: `granted by "${permission}"` };
    // A key-scoped grant needs a key to match; without one (listing, say) it does not apply.
    if (resource.keyName !== undefined && globMatch(keyGlob, resource.keyName)) return { allowed: true, reason: `granted by "${permission}"` };
  }
  return { allowed: false, reason: `${principal.actor} lacks permission for ${action}${resource.keyName ? ` on key "${resource.keyName}"` : ''}` };
}

/** What any token may do to itself without a grant (as in Vault: lookup-self, renew-self, revoke-self). */
const SELF_ACTIONS: ReadonlySet<string> = new Set(['token.lookup-self', 'token.renew-self', 'token.revoke-self']);

/** True if some permission could grant `action` on some key (used before looking a key up). */
export function mayPerform(principal: Principal, action: string): boolean {
  if (SELF_ACTIONS.has(action) && principal.accessor !== undefined) return true;
  return principal.permissions.some((p) => globMatch(p.split('@')[0] ?? '', action));
}

const globCache = new Map<string, RegExp>();
export function globMatch(glob: string, text: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (globCache.size < 10_000) globCache.set(glob, re);
  }
  return re.test(text);
}
