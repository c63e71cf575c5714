import { MAX_CIPHERTEXT_CHARS, MAX_CONTEXT_BYTES, MAX_PLAINTEXT_BYTES } from '../keys/limits.ts';

/**
 * The largest request body the server reads: 256 KiB. The biggest legitimate request carries a
 * MAX_PLAINTEXT_BYTES (64 KiB) payload, which travels as base64 (~87 KB) or as kw:v1 ciphertext
 * text (MAX_CIPHERTEXT_CHARS, ~88 KB), next to at most two encryption contexts (re-encrypt). 256 KiB
 * holds that with room for JSON escaping, while bounding what one request can make the server
 * buffer; larger data belongs in envelope encryption (generate-data-key), done client-side.
 */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** Base64 text of the largest plaintext. */
const MAX_PLAINTEXT_BASE64 = Math.ceil(MAX_PLAINTEXT_BYTES / 3) * 4;
/** Worst case for one request: the longest payload text, two contexts JSON-escaped (≤ 6 bytes a byte), framing. */
const LARGEST_REQUEST_BYTES = Math.max(MAX_PLAINTEXT_BASE64, MAX_CIPHERTEXT_CHARS) + 2 * 6 * MAX_CONTEXT_BYTES + 4096;
if (LARGEST_REQUEST_BYTES > BODY_LIMIT_BYTES) {
  // A raised crypto limit must raise this one too, or valid requests would be refused as too large.
  throw new Error(`BODY_LIMIT_BYTES (${BODY_LIMIT_BYTES}) is below the largest valid request (${LARGEST_REQUEST_BYTES})`);
}

/** Keys are named in URLs: names are at most 128 characters, ids are shorter. */
export const MAX_KEY_REF_CHARS = 128;

/** Client correlation ids (X-Correlation-Id) go into every audit entry, so they are short and plain. */
export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
