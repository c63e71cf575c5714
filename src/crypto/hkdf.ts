import { hkdfSync } from 'node:crypto';
import { CryptoFailure } from './crypto-failure.ts';

/** RFC 5869 §2.3: HKDF output is at most 255 · HashLen bytes. */
const HKDF_SHA256_MAX_BYTES = 255 * 32;

/** HKDF (RFC 5869) with SHA-256. Throws CryptoFailure for an output length it cannot give. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_BYTES) throw new CryptoFailure('bad HKDF output length');
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}
