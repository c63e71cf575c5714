import { combine, split } from 'shamir-secret-sharing';
import { CryptoFailure } from './crypto-failure.ts';

export const MAX_SHARES = 16;

/**
 * Splits a secret into `shares` Shamir shares over GF(256), any `threshold` of which rebuild it.
 * Each share is secret.length + 1 bytes (the last is its x coordinate). A threshold of 1 (which
 * the library does not take) means every share is the secret itself, tagged with its own x.
 */
export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Buffer[]> {
  if (!Number.isInteger(shares) || !Number.isInteger(threshold) || threshold < 1 || shares < threshold || shares > MAX_SHARES) {
    throw new CryptoFailure(`need 1 ≤ threshold ≤ shares ≤ ${MAX_SHARES}`);
  }
  if (threshold === 1) {
    return Array.from({ length: shares }, (_, i) => Buffer.concat([secret, Buffer.of(i + 1)]));
  }
  // The library wants a plain Uint8Array, not a Buffer subclass.
  const parts = await split(new Uint8Array(secret), shares, threshold);
  return parts.map((p) => Buffer.from(p));
}

/**
 * Rebuilds a secret from shares. With fewer than the threshold this returns wrong bytes without
 * complaint (that is how Shamir works), so callers must authenticate the result.
 */
export async function combineShares(shares: readonly Uint8Array[], threshold: number): Promise<Buffer> {
  const first = shares[0];
  if (!first || first.length < 2) throw new CryptoFailure('no shares');
  if (threshold === 1) return Buffer.from(first.subarray(0, first.length - 1));
  try {
    return Buffer.from(await combine(shares.map((s) => new Uint8Array(s))));
  } catch (err) {
    throw new CryptoFailure('shares do not combine', { cause: err });
  }
}
