import { KeywardError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';

/** NIST SP 800-38D §8.3: at most 2^32 invocations of AES-GCM with random IVs under one key. */
export const GCM_RANDOM_IV_LIMIT = 2 ** 32;
/** Reserving in blocks keeps the counter write off the hot path; a crash wastes at most a block (safe side). */
const BLOCK = 4096;

/**
 * Counts encryptions per key version against a limit. The store holds the number reserved (an
 * upper bound of the number used); this node hands out its reservation from memory.
 */
export class EncryptionBudget {
  readonly #store: Pick<Store, 'transaction'>;
  readonly #limit: number;
  readonly #left = new Map<string, number>();

  constructor(store: Pick<Store, 'transaction'>, limit = GCM_RANDOM_IV_LIMIT) {
    this.#store = store;
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Takes one encryption from the budget, or throws `rotation_required` when it is spent. */
  async take(keyId: string, version: number, keyName: string): Promise<void> {
    const id = `${keyId}:${version}`;
    const left = this.#left.get(id) ?? 0;
    if (left > 0) {
      this.#left.set(id, left - 1);
      return;
    }
    for (const block of [Math.min(BLOCK, this.#limit), 1]) {
      const total = await this.#store.transaction((tx) => tx.reserveEncryptions(keyId, version, block, this.#limit));
      if (total !== null) {
        this.#left.set(id, block - 1);
        return;
      }
    }
    throw new KeywardError(
      'rotation_required',
      `key "${keyName}" version ${version} has reached its limit of ${this.#limit} encryptions (NIST SP 800-38D); rotate the key to continue encrypting`,
      { keyId, version },
    );
  }

  forget(keyId: string): void {
    for (const id of this.#left.keys()) if (id.startsWith(`${keyId}:`)) this.#left.delete(id);
  }
}
