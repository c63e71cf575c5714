import { CryptoFailure } from './crypto-failure.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt } from './aes-gcm.ts';

/** Format byte of a wrapped blob: 1 = AES-256-GCM, iv ‖ tag ‖ ciphertext. */
const WRAP_FORMAT_V1 = 1;

/**
 * Wraps secret bytes under a 256-bit wrapping key with AES-256-GCM. The AAD must bind what the
 * bytes are for (key id, version, purpose), so a wrapped blob moved to another row fails to unwrap.
 */
export function wrap(wrappingKey: Uint8Array, secret: Uint8Array, aad: Uint8Array): Buffer {
  if (wrappingKey.length !== 32) throw new CryptoFailure('wrapping key must be 256 bits');
  const sealed = gcmEncrypt(wrappingKey, secret, aad);
  return Buffer.concat([Buffer.of(WRAP_FORMAT_V1), sealed.iv, sealed.tag, sealed.ciphertext]);
}

export function unwrap(wrappingKey: Uint8Array, blob: Uint8Array, aad: Uint8Array): Buffer {
  if (wrappingKey.length !== 32) throw new CryptoFailure('wrapping key must be 256 bits');
  if (blob.length < 1 + GCM_IV_BYTES + GCM_TAG_BYTES || blob[0] !== WRAP_FORMAT_V1) {
    throw new CryptoFailure('malformed wrapped blob');
  }
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
  return gcmDecrypt(
    wrappingKey,
    {
      iv: b.subarray(1, 1 + GCM_IV_BYTES),
      tag: b.subarray(1 + GCM_IV_BYTES, 1 + GCM_IV_BYTES + GCM_TAG_BYTES),
      ciphertext: b.subarray(1 + GCM_IV_BYTES + GCM_TAG_BYTES),
    },
    aad,
  );
}
