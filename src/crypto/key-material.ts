import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SPEC_INFO, type KeySpec } from './key-specs.ts';
import { CryptoFailure } from './crypto-failure.ts';

/**
 * Fresh key material for a spec. Symmetric keys are raw bytes; asymmetric keys are the private
 * key in PKCS#8 DER. Either way a Buffer the caller owns and should zero-fill when done.
 */
export function generateKeyMaterial(spec: KeySpec): Buffer {
  switch (spec) {
    case 'AES_256_GCM':
    case 'HMAC_SHA256':
      return randomBytes(32);
    case 'HMAC_SHA512':
      return randomBytes(64);
    case 'RSA_2048':
    case 'RSA_3072':
    case 'RSA_4096':
      return pkcs8(generateKeyPairSync('rsa', { modulusLength: SPEC_INFO[spec].bits }).privateKey);
    case 'ECC_NIST_P256':
      return pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'ECC_NIST_P384':
      return pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    case 'ED25519':
      return pkcs8(generateKeyPairSync('ed25519').privateKey);
  }
}

function pkcs8(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

/** Bytes a symmetric spec expects for imported material. */
export function symmetricKeyBytes(spec: KeySpec): number | undefined {
  switch (spec) {
    case 'AES_256_GCM':
      return 32;
    case 'HMAC_SHA256':
      return 32;
    case 'HMAC_SHA512':
      return 64;
    default:
      return undefined;
  }
}

export function privateKeyFromMaterial(material: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(material), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new CryptoFailure('malformed private key', { cause: err });
  }
}

/** The public half of an asymmetric key, as SPKI PEM (safe to publish). */
export function publicKeyPem(material: Uint8Array): string {
  return createPublicKey(privateKeyFromMaterial(material)).export({ format: 'pem', type: 'spki' }).toString();
}
