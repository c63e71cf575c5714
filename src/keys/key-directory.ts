import type { Clock } from '../core/clock.ts';
import { KeywardError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';
import type { KeyRecord } from '../storage/records.ts';

/** The form of a key id; references of this form are looked up by id, so no key name may take it. */
export const KEY_ID = /^key_[0-9a-f]{24}$/;

/**
 * Key metadata lookups by id or name, with a short-lived cache. Local changes invalidate it at
 * once; the TTL bounds how long another node's change can go unseen.
 */
export class KeyDirectory {
  readonly #store: Pick<Store, 'getKey' | 'getKeyByName'>;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #byId = new Map<string, { key: KeyRecord; until: number }>();
  readonly #idByName = new Map<string, string>();

  constructor(store: Pick<Store, 'getKey' | 'getKeyByName'>, clock: Clock, ttlMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** Finds a key by id (`key_…`) or name; throws `key_not_found`. */
  async get(ref: string): Promise<KeyRecord> {
    const now = this.#clock.now().getTime();
    const id = KEY_ID.test(ref) ? ref : this.#idByName.get(ref);
    const hit = id ? this.#byId.get(id) : undefined;
    if (hit && hit.until > now) return hit.key;
    const key = KEY_ID.test(ref) ? await this.#store.getKey(ref) : await this.#store.getKeyByName(ref);
    if (!key) throw new KeywardError('key_not_found', `no key "${ref.slice(0, 128)}"`, { key: ref.slice(0, 128) });
    if (this.#ttlMs > 0) {
      this.#byId.set(key.id, { key, until: now + this.#ttlMs });
      this.#idByName.set(key.name, key.id);
    }
    return key;
  }

  invalidate(keyId: string): void {
    const hit = this.#byId.get(keyId);
    if (hit) this.#idByName.delete(hit.key.name);
    this.#byId.delete(keyId);
  }
}
