import { KeywardError } from '../core/errors.ts';
import { canonicalContext, encodeAad } from '../crypto/aad.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt } from '../crypto/aes-gcm.ts';
import { CryptoFailure } from '../crypto/crypto-failure.ts';
import { SPEC_INFO } from '../crypto/key-specs.ts';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext } from '../crypto/rsa-oaep.ts';
import type { LiveKey } from './key-ring.ts';

export type EncryptionContext = Readonly<Record<string, string>>;

/** Ciphertext AAD: the key, the version and the encryption context, so none can be swapped. */
export function ciphertextAad(keyId: string, version: number, context: EncryptionContext | undefined): Buffer {
  return encodeAad('keyward/ciphertext/v1', [keyId, String(version), canonicalContext(context)]);
}

/** The body of a kw:v1 ciphertext: AES-GCM iv ‖ ciphertext ‖ tag, or an RSAES-OAEP block (label = AAD). */
export function encryptBody(key: LiveKey, plaintext: Buffer, context: EncryptionContext | undefined): Buffer {
  const aad = ciphertextAad(key.keyId, key.version, context);
  const family = SPEC_INFO[key.spec].family;
  if (family === 'aes') {
    const sealed = gcmEncrypt(key.material, plaintext, aad);
    return Buffer.concat([sealed.iv, sealed.ciphertext, sealed.tag]);
  }
  if (family === 'rsa' && key.publicKey) {
    const max = oaepMaxPlaintext(SPEC_INFO[key.spec].bits);
    if (plaintext.length > max) {
      throw new KeywardError('payload_too_large', `${key.spec} with OAEP-SHA-256 encrypts at most ${max} bytes; use a data key (envelope encryption) for more`, { limit: max });
    }
    return oaepEncrypt(key.publicKey, plaintext, 'sha256', aad);
  }
  throw new KeywardError('key_usage_invalid', `${key.spec} keys cannot encrypt`);
}

/** Decrypts a body; any authentication failure is `decryption_failed`, saying nothing more. */
export function decryptBody(key: LiveKey, body: Buffer, context: EncryptionContext | undefined): Buffer {
  const aad = ciphertextAad(key.keyId, key.version, context);
  const family = SPEC_INFO[key.spec].family;
  try {
    if (family === 'aes') {
      if (body.length < GCM_IV_BYTES + GCM_TAG_BYTES) throw new KeywardError('ciphertext_invalid', 'ciphertext is too short');
      return gcmDecrypt(
        key.material,
        { iv: body.subarray(0, GCM_IV_BYTES), ciphertext: body.subarray(GCM_IV_BYTES, body.length - GCM_TAG_BYTES), tag: body.subarray(body.length - GCM_TAG_BYTES) },
        aad,
      );
    }
    if (family === 'rsa' && key.privateKey) return oaepDecrypt(key.privateKey, body, 'sha256', aad);
  } catch (err) {
    if (err instanceof CryptoFailure) {
      throw new KeywardError('decryption_failed', 'decryption failed: the ciphertext was altered, or the encryption context differs from the one used to encrypt');
    }
    throw err;
  }
  throw new KeywardError('key_usage_invalid', `${key.spec} keys cannot decrypt`);
}
