import { createHmac, timingSafeEqual } from 'node:crypto';

export type MacHash = 'sha256' | 'sha512';

export function hmac(hash: MacHash, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** Constant-time check of a (possibly truncated) HMAC tag; tags under 10 bytes are refused. */
export function hmacVerify(hash: MacHash, key: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean {
  const full = hmac(hash, key, data);
  if (tag.length < 10 || tag.length > full.length) return false;
  return timingSafeEqual(full.subarray(0, tag.length), tag);
}

/** Constant-time equality of two byte strings of possibly different lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
