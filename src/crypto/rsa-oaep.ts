import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { CryptoFailure } from './crypto-failure.ts';

export type OaepHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Largest plaintext RSAES-OAEP can take: k − 2·hLen − 2 bytes. */
export function oaepMaxPlaintext(modulusBits: number, hashBytes = 32): number {
  return modulusBits / 8 - 2 * hashBytes - 2;
}

export function oaepEncrypt(key: KeyObject, plaintext: Uint8Array, hash: OaepHash = 'sha256', label?: Uint8Array): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, ...(label ? { oaepLabel: label } : {}) }, plaintext);
}

/** Throws CryptoFailure on any decoding error, without saying which check failed. */
export function oaepDecrypt(key: KeyObject, ciphertext: Uint8Array, hash: OaepHash = 'sha256', label?: Uint8Array): Buffer {
  try {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, ...(label ? { oaepLabel: label } : {}) }, ciphertext);
  } catch (err) {
    throw new CryptoFailure('decryption failed', { cause: err });
  }
}
