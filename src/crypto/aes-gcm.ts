import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from '../core/random-pool.ts';
import { CryptoFailure } from './crypto-failure.ts';

export const AES_256_KEY_BYTES = 32;
/** NIST SP 800-38D recommends 96-bit IVs; Keyward only ever generates those. */
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/**
 * Longest IV node:crypto can take for GCM: OpenSSL 3 caps it at 1024 bits (GCM itself allows
 * longer ones, which are GHASH-compressed; Keyward never uses them).
 */
export const GCM_MAX_IV_BYTES = 128;

export interface GcmSealed {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

function gcmAlgorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new CryptoFailure('bad AES key length');
  }
}

/** AES-GCM encryption. A random 96-bit IV is drawn unless one is given (tests/vectors only). */
export function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array = pooledRandomBytes(GCM_IV_BYTES)): GcmSealed {
  if (iv.length === 0) throw new CryptoFailure('empty IV');
  if (iv.length > GCM_MAX_IV_BYTES) throw new CryptoFailure('unsupported IV length');
  const cipher = createCipheriv(gcmAlgorithm(key), key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: Buffer.from(iv), ciphertext, tag: cipher.getAuthTag() };
}

/**
 * AES-GCM decryption; throws CryptoFailure when authentication fails. Tags shorter than 128 bits
 * are accepted only when `tagBytes` says so explicitly (Wycheproof covers them; Keyward never
 * produces them).
 */
export function gcmDecrypt(key: Uint8Array, sealed: GcmSealed, aad: Uint8Array): Buffer {
  const tagBytes = sealed.tag.length;
  if (sealed.iv.length === 0) throw new CryptoFailure('empty IV');
  if (sealed.iv.length > GCM_MAX_IV_BYTES) throw new CryptoFailure('unsupported IV length');
  if (tagBytes < 12 || tagBytes > 16) throw new CryptoFailure('bad tag length');
  try {
    const decipher = createDecipheriv(gcmAlgorithm(key), key, sealed.iv, { authTagLength: tagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (err) {
    throw new CryptoFailure('authentication failed', { cause: err });
  }
}
