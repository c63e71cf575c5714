import type { Decision } from '../../auth/authorize.ts';
import { scopeCovers, type KeyFacts } from '../../auth/grants.ts';
import type { CallContext } from '../../auth/principal.ts';
import { administersKeys } from '../../auth/roles.ts';
import type { Clock } from '../../core/clock.ts';
import { KeywardError } from '../../core/errors.ts';
import type { Store } from '../../storage/store.ts';
import type { GovernanceHooks } from '../operation.ts';
import { holdersOf, KIND, type AccessIndex } from './access-index.ts';
import { sodApplies } from './settings.ts';

export interface BindingUsage {
  readonly bindingId: string;
  readonly lastUsedAt: string;
}

/**
 * Governance's part in every allowed decision for an identity: separation of duties at use time
 * (the backstop behind the checks made when bindings are created — keys change tier, people join
 * groups) and binding usage for access review (kept in memory, flushed periodically).
 */
export class GovernanceRules implements GovernanceHooks {
  readonly #index: AccessIndex;
  readonly #clock: Clock;
  readonly #usage = new Map<string, string>();

  constructor(index: AccessIndex, clock: Clock) {
    this.#index = index;
    this.#clock = clock;
  }

  afterAllowed(ctx: CallContext, action: string, key: KeyFacts | null, decision: Decision): void {
    if (decision.bindingId) this.#usage.set(decision.bindingId, this.#clock.now().toISOString());
    if (!key || !action.startsWith('crypto.')) return;
    const s = this.#index.cached();
    const identity = ctx.principal.identity;
    if (!s || !identity || !sodApplies(s.settings, key)) return;
    const adminGrant = (ctx.principal.grants ?? []).find((g) => administersKeys(g.actions) && scopeCovers(g.scope, key, identity.environment));
    if (adminGrant) {
      throw new KeywardError('sod_violation', `separation of duties (admin-and-user): ${identity.name} administers key "${key.name}" (role ${adminGrant.role}) and so cannot use it`, {
        rule: 'admin-and-user',
        key: key.name,
      });
    }
    if (key.createdBy === ctx.principal.actor) {
      const { users } = holdersOf(s, key, this.#clock.now());
      if ([...users].every((id) => id === identity.id)) {
        throw new KeywardError('sod_violation', `separation of duties (creator-sole-user): ${identity.name} created key "${key.name}" and is its only user; another user must be granted first`, {
          rule: 'creator-sole-user',
          key: key.name,
        });
      }
    }
  }

  /** Writes the last-use times seen since the previous flush (later times win across nodes). */
  async flushUsage(store: Store): Promise<number> {
    const pending = [...this.#usage.entries()];
    this.#usage.clear();
    for (const [bindingId, lastUsedAt] of pending) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const doc = await store.getDocument<BindingUsage>(KIND.usage, bindingId);
        if (doc && doc.data.lastUsedAt >= lastUsedAt) break;
        try {
          await store.transaction((tx) => tx.putDocument({ kind: KIND.usage, id: bindingId, data: { bindingId, lastUsedAt }, updatedAt: lastUsedAt }, doc ? doc.revision : null));
          break;
        } catch (err) {
          if (!(err instanceof KeywardError && err.code === 'conflict')) {
            this.#usage.set(bindingId, lastUsedAt);
            throw err;
          }
        }
      }
    }
    return pending.length;
  }
}
