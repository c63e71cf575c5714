import { compileCondition } from '../../auth/conditions.ts';
import { scopeCovers, type Grant, type KeyFacts } from '../../auth/grants.ts';
import { identityActor, type BindingRecord, type GroupRecord, type IdentityRecord } from '../../auth/identities.ts';
import type { IdentityFacts, Principal } from '../../auth/principal.ts';
import { administersKeys, BUILTIN_ROLES, usesKeys, type RoleDefinition } from '../../auth/roles.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../storage/store.ts';
import { DEFAULT_SETTINGS, type GovernanceSettings } from './settings.ts';

export const KIND = {
  identity: 'identity',
  group: 'group',
  binding: 'binding',
  role: 'role',
  settings: 'governance',
  approval: 'approval',
  breakGlass: 'breakglass',
  person: 'directory-person',
  review: 'access-review',
  usage: 'binding-usage',
} as const;

const PAGE = 1000;

/** Every document of a kind (they are few: people, groups, bindings, roles). */
export async function allDocuments<T>(store: Store, kind: string): Promise<{ data: T; revision: number }[]> {
  const out: { data: T; revision: number }[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.listDocuments<T>(kind, { limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const d of page) out.push({ data: d.data, revision: d.revision });
    if (page.length < PAGE) return out;
    after = page[page.length - 1]?.id;
  }
}

interface Snapshot {
  readonly readAt: number;
  readonly identities: ReadonlyMap<string, IdentityRecord>;
  readonly groups: ReadonlyMap<string, GroupRecord>;
  readonly bindings: readonly BindingRecord[];
  readonly roles: ReadonlyMap<string, RoleDefinition>;
  readonly settings: GovernanceSettings;
  readonly grants: Map<string, readonly Grant[]>;
}

/**
 * Who holds what: identities, groups, role bindings, roles and the governance settings, read
 * together and kept in memory, so authenticating a token and checking separation of duties cost no
 * database round trip. A change made through this node invalidates it at once; one made through
 * another node is seen within `ttlMs` (as with the key directory).
 */
export class AccessIndex {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #snapshot: Snapshot | null = null;
  #loading: Promise<Snapshot> | null = null;
  #generation = 0;

  constructor(store: Store, clock: Clock, ttlMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  invalidate(): void {
    this.#generation++;
    this.#snapshot = null;
  }

  /** The current snapshot (reloaded when stale), or the last one if a reload is under way. */
  async snapshot(): Promise<Snapshot> {
    const s = this.#snapshot;
    if (s && performance.now() - s.readAt < this.#ttlMs) return s;
    return this.#reload();
  }

  /** The last snapshot without I/O (null before the first load): for checks on the hot path. */
  cached(): Snapshot | null {
    return this.#snapshot;
  }

  async #reload(): Promise<Snapshot> {
    if (this.#loading) return this.#loading;
    const generation = this.#generation;
    this.#loading = (async () => {
      try {
        const [identities, groups, bindings, roles, settings] = await Promise.all([
          allDocuments<IdentityRecord>(this.#store, KIND.identity),
          allDocuments<GroupRecord>(this.#store, KIND.group),
          allDocuments<BindingRecord>(this.#store, KIND.binding),
          allDocuments<RoleDefinition>(this.#store, KIND.role),
          this.#store.getDocument<GovernanceSettings>(KIND.settings, 'settings'),
        ]);
        const snapshot: Snapshot = {
          readAt: performance.now(),
          identities: new Map(identities.map((d) => [d.data.id, d.data])),
          groups: new Map(groups.map((d) => [d.data.id, d.data])),
          bindings: bindings.map((d) => d.data),
          roles: new Map([...BUILTIN_ROLES, ...roles.map((d) => d.data)].map((r) => [r.name, r])),
          settings: settings ? { ...DEFAULT_SETTINGS, ...settings.data } : DEFAULT_SETTINGS,
          grants: new Map(),
        };
        // A change made while reading would be missed: keep the result only if none happened.
        if (generation === this.#generation) this.#snapshot = snapshot;
        return snapshot;
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }

  async settings(): Promise<GovernanceSettings> {
    return (await this.snapshot()).settings;
  }

  async identity(id: string): Promise<IdentityRecord | null> {
    return (await this.snapshot()).identities.get(id) ?? null;
  }

  /** The principal an identity token stands for, or null when the identity is gone or not active. */
  async principalFor(identityId: string, accessor: string | undefined, mfa: boolean): Promise<Principal | null> {
    const s = await this.snapshot();
    const identity = s.identities.get(identityId);
    if (!identity || identity.status !== 'active') return null;
    return {
      type: 'identity',
      actor: identityActor(identity),
      permissions: [],
      ...(accessor !== undefined ? { accessor } : {}),
      identity: facts(identity, mfa),
      grants: grantsOf(s, identity, this.#clock.now()),
    };
  }
}

function facts(identity: IdentityRecord, mfa: boolean): IdentityFacts {
  return { id: identity.id, name: identity.name, kind: identity.kind, team: identity.team, environment: identity.environment, attributes: identity.attributes, groups: identity.groups, mfa };
}

/** An identity's grants: its bindings and its groups', minus expired ones and unknown roles. */
export function grantsOf(s: Snapshot, identity: IdentityRecord, now: Date): readonly Grant[] {
  const cached = s.grants.get(identity.id);
  if (cached && !cached.some((g) => g.expiresAt !== null && Date.parse(g.expiresAt) <= now.getTime())) return cached;
  const groups = new Set(identity.groups);
  const grants: Grant[] = [];
  for (const b of s.bindings) {
    const mine = b.subject.type === 'identity' ? b.subject.id === identity.id : groups.has(b.subject.id);
    if (!mine) continue;
    if (b.expiresAt !== null && Date.parse(b.expiresAt) <= now.getTime()) continue;
    const role = s.roles.get(b.role);
    if (!role) continue;
    grants.push({
      bindingId: b.id,
      role: role.name,
      actions: role.actions,
      scope: b.scope,
      condition: b.condition === null ? null : compileCondition(b.condition),
      viaGroup: b.subject.type === 'group' ? b.subject.id : null,
      expiresAt: b.expiresAt,
    });
  }
  s.grants.set(identity.id, grants);
  return grants;
}

/** Every active identity whose grants let it use (crypto) or administer the key, for separation of duties. */
export function holdersOf(s: Snapshot, key: KeyFacts, now: Date): { users: Set<string>; admins: Set<string> } {
  const users = new Set<string>();
  const admins = new Set<string>();
  for (const identity of s.identities.values()) {
    if (identity.status !== 'active') continue;
    for (const g of grantsOf(s, identity, now)) {
      if (!scopeCovers(g.scope, key, identity.environment)) continue;
      if (usesKeys(g.actions)) users.add(identity.id);
      if (administersKeys(g.actions)) admins.add(identity.id);
    }
  }
  return { users, admins };
}

export type { Snapshot as AccessSnapshot };
