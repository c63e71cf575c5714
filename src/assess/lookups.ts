import { globMatch } from '../auth/authorize.ts';
import type { AssessedKey, DirectoryPerson, IdentitySnapshot, KeyUsage, RoleBindingSnapshot, UsageSummary } from './input.ts';

/** Indexes over the snapshot that several checks share. Built per call: checks stay pure functions of the input. */

export function usageByKey(usage: UsageSummary): Map<string, KeyUsage> {
  return new Map(usage.keys.map((u) => [u.keyId, u]));
}

export function keysById(keys: readonly AssessedKey[]): Map<string, AssessedKey> {
  return new Map(keys.map((k) => [k.key.id, k]));
}

export type OwnerMatch = { readonly kind: 'person'; readonly person: DirectoryPerson } | { readonly kind: 'team'; readonly team: string } | { readonly kind: 'unknown' };

/**
 * What a key's owner names in the directory: a person (by id, email or name, case-insensitively),
 * a team some active person belongs to, or nothing known.
 */
export function ownerLookup(directory: readonly DirectoryPerson[]): (owner: string) => OwnerMatch {
  const people = new Map<string, DirectoryPerson>();
  const teams = new Set<string>();
  for (const p of directory) {
    for (const name of [p.id, p.email, p.name]) if (name) people.set(name.toLowerCase(), p);
    if (p.team && p.status === 'active') teams.add(p.team.toLowerCase());
  }
  return (owner) => {
    const key = owner.trim().toLowerCase();
    const person = people.get(key);
    if (person) return { kind: 'person', person };
    if (teams.has(key)) return { kind: 'team', team: owner };
    return { kind: 'unknown' };
  };
}

/** The identity an audit actor stands for, if identities are known. */
export function identityByActor(identities: readonly IdentitySnapshot[] | undefined): (actor: string) => IdentitySnapshot | undefined {
  const map = new Map<string, IdentitySnapshot>();
  for (const i of identities ?? []) for (const a of i.actors) map.set(a, i);
  return (actor) => map.get(actor);
}

/** The bindings that apply to a key (its name matches the binding's key scope). */
export function bindingsForKey(bindings: readonly RoleBindingSnapshot[], keyName: string): RoleBindingSnapshot[] {
  return bindings.filter((b) => globMatch(b.keyScope, keyName));
}

/** Whether a key-name glob covers every key. */
export function coversAllKeys(scope: string): boolean {
  return /^\**$/.test(scope);
}
