import { constants, createHash, privateEncrypt, publicDecrypt, sign, verify, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from './key-specs.ts';
import { CryptoFailure } from './crypto-failure.ts';
import { constantTimeEqual } from './mac.ts';

export type EcdsaEncoding = 'der' | 'ieee-p1363';

interface AlgorithmParams {
  readonly hash: 'sha256' | 'sha384' | null;
  readonly digestBytes: number;
  readonly options: { padding?: number; saltLength?: number };
}

const PARAMS: Readonly<Record<SigningAlgorithm, AlgorithmParams>> = {
  // Salt length = hash length, as AWS KMS and most verifiers expect.
  RSASSA_PSS_SHA_256: { hash: 'sha256', digestBytes: 32, options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'sha256', digestBytes: 32, options: { padding: constants.RSA_PKCS1_PADDING } },
  ECDSA_SHA_256: { hash: 'sha256', digestBytes: 32, options: {} },
  ECDSA_SHA_384: { hash: 'sha384', digestBytes: 48, options: {} },
  ED25519: { hash: null, digestBytes: 0, options: {} },
};

/** DER prefix of DigestInfo for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Which algorithms can sign a precomputed digest through node:crypto (OpenSSL's EVP_DigestSign hashes its input). */
export function supportsDigestSigning(algorithm: SigningAlgorithm): boolean {
  return algorithm === 'RSASSA_PKCS1_V1_5_SHA_256';
}

export function digestLength(algorithm: SigningAlgorithm): number {
  return PARAMS[algorithm].digestBytes;
}

export function hashFor(algorithm: SigningAlgorithm): 'sha256' | 'sha384' | null {
  return PARAMS[algorithm].hash;
}

export function signMessage(algorithm: SigningAlgorithm, key: KeyObject, message: Uint8Array, encoding: EcdsaEncoding = 'der'): Buffer {
  const p = PARAMS[algorithm];
  return sign(p.hash, message, { key, ...p.options, dsaEncoding: encoding });
}

/** Verification never throws on a malformed signature; it answers false. */
export function verifyMessage(algorithm: SigningAlgorithm, key: KeyObject, message: Uint8Array, signature: Uint8Array, encoding: EcdsaEncoding = 'der'): boolean {
  const p = PARAMS[algorithm];
  try {
    return verify(p.hash, message, { key, ...p.options, dsaEncoding: encoding }, signature);
  } catch {
    return false;
  }
}

/** RSASSA-PKCS1-v1_5 over a SHA-256 digest: the RSA private operation on DigestInfo ‖ digest. */
export function signDigest(algorithm: SigningAlgorithm, key: KeyObject, digest: Uint8Array): Buffer {
  if (!supportsDigestSigning(algorithm)) throw new CryptoFailure(`digest signing is not available for ${algorithm}`);
  if (digest.length !== 32) throw new CryptoFailure('digest must be 32 bytes');
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
}

export function verifyDigest(algorithm: SigningAlgorithm, key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  if (!supportsDigestSigning(algorithm)) throw new CryptoFailure(`digest verification is not available for ${algorithm}`);
  try {
    const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return constantTimeEqual(recovered, Buffer.concat([SHA256_DIGEST_INFO, digest]));
  } catch {
    return false;
  }
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
