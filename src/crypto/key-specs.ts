/** What kinds of key Keyward can hold, and what each may be used for. */
export const KEY_SPECS = [
  'AES_256_GCM',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ED25519',
  'HMAC_SHA256',
  'HMAC_SHA512',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ED25519',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type KeyFamily = 'aes' | 'rsa' | 'ec' | 'ed25519' | 'hmac';

export interface SpecInfo {
  readonly family: KeyFamily;
  readonly usages: readonly KeyUsage[];
  /** Security-relevant size: key bits for symmetric/RSA, curve bits for EC. */
  readonly bits: number;
  readonly signingAlgorithms: readonly SigningAlgorithm[];
}

export const SPEC_INFO: Readonly<Record<KeySpec, SpecInfo>> = {
  AES_256_GCM: { family: 'aes', usages: ['ENCRYPT_DECRYPT'], bits: 256, signingAlgorithms: [] },
  RSA_2048: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], bits: 2048, signingAlgorithms: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] },
  RSA_3072: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], bits: 3072, signingAlgorithms: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] },
  RSA_4096: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], bits: 4096, signingAlgorithms: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] },
  ECC_NIST_P256: { family: 'ec', usages: ['SIGN_VERIFY'], bits: 256, signingAlgorithms: ['ECDSA_SHA_256'] },
  ECC_NIST_P384: { family: 'ec', usages: ['SIGN_VERIFY'], bits: 384, signingAlgorithms: ['ECDSA_SHA_384'] },
  ED25519: { family: 'ed25519', usages: ['SIGN_VERIFY'], bits: 256, signingAlgorithms: ['ED25519'] },
  HMAC_SHA256: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], bits: 256, signingAlgorithms: [] },
  HMAC_SHA512: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], bits: 512, signingAlgorithms: [] },
};

export function isKeySpec(value: string): value is KeySpec {
  return (KEY_SPECS as readonly string[]).includes(value);
}
export function isKeyUsage(value: string): value is KeyUsage {
  return (KEY_USAGES as readonly string[]).includes(value);
}
export function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}
