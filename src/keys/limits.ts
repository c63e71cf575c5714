/**
 * Size limits on crypto inputs. Keyward encrypts keys and small secrets directly; anything larger
 * belongs in envelope encryption (generate a data key, encrypt locally), as with every cloud KMS.
 * 64 KiB keeps one request's work and audit cost bounded while allowing certificates, JWT payloads
 * and small config secrets.
 */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;
/** Messages to sign or MAC: same bound, same reason. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** kw:v1 text of a MAX_PLAINTEXT_BYTES ciphertext, with room for the header. */
export const MAX_CIPHERTEXT_CHARS = Math.ceil(((MAX_PLAINTEXT_BYTES + 64) * 4) / 3) + 200;
/** Encryption context: at most 16 pairs and 4 KiB in canonical form (it travels in every audit entry). */
export const MAX_CONTEXT_PAIRS = 16;
export const MAX_CONTEXT_BYTES = 4096;
/** Data keys: 128 to 512 bits. */
export const MIN_DATA_KEY_BYTES = 16;
export const MAX_DATA_KEY_BYTES = 64;
/** Random bytes per call. */
export const MAX_RANDOM_BYTES = 1024;
