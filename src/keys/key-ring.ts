import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import { encodeAad } from '../crypto/aad.ts';
import { CryptoFailure } from '../crypto/crypto-failure.ts';
import { privateKeyFromMaterial } from '../crypto/key-material.ts';
import { SPEC_INFO, type KeySpec, type KeyUsage } from '../crypto/key-specs.ts';
import { unwrap, wrap } from '../crypto/key-wrap.ts';
import type { KeyVersionRecord } from '../storage/records.ts';

/** Unwrapped material of one key version, ready to use. */
export interface LiveKey {
  readonly keyId: string;
  readonly version: number;
  readonly spec: KeySpec;
  /** Raw symmetric key bytes; for asymmetric keys the PKCS#8 DER. */
  readonly material: Buffer;
  readonly privateKey: KeyObject | null;
  readonly publicKey: KeyObject | null;
}

/** Binds wrapped material to the key, version and usage it belongs to. */
export function materialAad(keyId: string, version: number, usage: KeyUsage): Buffer {
  return encodeAad('keyward/key-material/v1', [keyId, String(version), usage]);
}

export function wrapMaterial(rootKey: Buffer, material: Buffer, where: { keyId: string; version: number; usage: KeyUsage }): Buffer {
  return wrap(rootKey, material, materialAad(where.keyId, where.version, where.usage));
}

/**
 * An in-memory cache of unwrapped key versions, held only while unsealed: unwrapping and parsing
 * an RSA key per request would dominate the hot path. `clear` zero-fills everything (on seal).
 */
export class KeyRing {
  readonly #live = new Map<string, LiveKey>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  /** A version already unwrapped, without touching the store. */
  cached(keyId: string, version: number): LiveKey | undefined {
    return this.#live.get(`${keyId}:${version}`);
  }

  load(rootKey: Buffer, spec: KeySpec, usage: KeyUsage, version: KeyVersionRecord): LiveKey {
    const id = `${version.keyId}:${version.version}`;
    const hit = this.#live.get(id);
    if (hit) return hit;
    if (!version.wrappedMaterial) {
      throw new KeywardError('key_state_invalid', 'the material of this key version was destroyed', { keyId: version.keyId, version: version.version });
    }
    let material: Buffer;
    try {
      material = unwrap(rootKey, version.wrappedMaterial, materialAad(version.keyId, version.version, usage));
    } catch (err) {
      if (err instanceof CryptoFailure) {
        // The stored blob does not belong here: tampering, or a row copied from elsewhere.
        throw new KeywardError('internal', 'stored key material failed its integrity check', { keyId: version.keyId, version: version.version }, { cause: err });
      }
      throw err;
    }
    const asymmetric = SPEC_INFO[spec].family === 'rsa' || SPEC_INFO[spec].family === 'ec' || SPEC_INFO[spec].family === 'ed25519';
    const privateKey = asymmetric ? privateKeyFromMaterial(material) : null;
    const live: LiveKey = { keyId: version.keyId, version: version.version, spec, material, privateKey, publicKey: privateKey ? createPublicKey(privateKey) : null };
    if (this.#live.size >= this.#maxEntries) this.#evictOldest();
    this.#live.set(id, live);
    return live;
  }

  /** Forgets one key's versions (after destruction). */
  forget(keyId: string): void {
    for (const [id, live] of this.#live) {
      if (live.keyId === keyId) {
        live.material.fill(0);
        this.#live.delete(id);
      }
    }
  }

  clear(): void {
    for (const live of this.#live.values()) live.material.fill(0);
    this.#live.clear();
  }

  #evictOldest(): void {
    const first = this.#live.entries().next();
    if (first.done) return;
    first.value[1].material.fill(0);
    this.#live.delete(first.value[0]);
  }
}
