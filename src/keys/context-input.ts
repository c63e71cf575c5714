import { KeywardError } from '../core/errors.ts';
import { canonicalContext } from '../crypto/aad.ts';
import type { EncryptionContext } from './key-crypto.ts';
import { MAX_CONTEXT_BYTES, MAX_CONTEXT_PAIRS } from './limits.ts';

/** Validates an encryption context: string keys and values, bounded in count and size. */
export function checkContext(context: unknown, field = 'context'): EncryptionContext | undefined {
  if (context === undefined || context === null) return undefined;
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new KeywardError('validation_failed', 'encryption context must be an object of string values', { field });
  }
  const entries = Object.entries(context as Record<string, unknown>);
  if (entries.length > MAX_CONTEXT_PAIRS) throw new KeywardError('validation_failed', `encryption context has at most ${MAX_CONTEXT_PAIRS} pairs`, { field });
  for (const [k, v] of entries) {
    if (k.length === 0 || typeof v !== 'string') throw new KeywardError('validation_failed', 'encryption context keys must be non-empty and values must be strings', { field });
  }
  const ctx = context as EncryptionContext;
  if (Buffer.byteLength(canonicalContext(ctx)) > MAX_CONTEXT_BYTES) {
    throw new KeywardError('payload_too_large', `encryption context is larger than ${MAX_CONTEXT_BYTES} bytes`, { field, limit: MAX_CONTEXT_BYTES });
  }
  return ctx;
}
