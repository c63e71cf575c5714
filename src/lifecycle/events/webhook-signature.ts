import { createHmac, timingSafeEqual } from 'node:crypto';

// Self-contained (node:crypto only), so receivers and the SDK can take this file as it is.

/** The header that carries the signature of a webhook request. */
export const SIGNATURE_HEADER = 'Keyward-Signature';
/** How far a signature's timestamp may be from the receiver's clock by default (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Bounds a header a receiver parses: a few signatures (during a secret rotation) at most. */
const MAX_HEADER_LENGTH = 1024;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/** `whsec_` and 32 bytes in unpadded base64url (webhook-secret.ts makes them). */
const SECRET_TEXT = /^whsec_[A-Za-z0-9_-]{43}$/;

/**
 * The `Keyward-Signature` value for a request body sent at `timestamp` (unix seconds):
 * `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The timestamp is signed with
 * the body, so a captured request cannot be replayed outside the receiver's tolerance window.
 */
export function signWebhookBody(secret: Uint8Array, body: string | Uint8Array, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('timestamp must be unix seconds');
  return `t=${timestamp},v1=${signatureHex(secret, timestamp, body)}`;
}

/**
 * Checks a webhook request as a receiver would: `secret` is the `whsec_…` text shown when the
 * webhook was created (or its 32 bytes), `header` the `Keyward-Signature` value, `body` the raw
 * request body exactly as received (before any JSON parsing). True only if some `v1` signature
 * matches (compared in constant time) and the timestamp is within `toleranceSeconds` of `now`.
 *
 * @example
 * // Express: app.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => { … })
 * if (!verifyWebhookSignature(process.env.KEYWARD_WEBHOOK_SECRET, req.get('Keyward-Signature'), req.body, 300)) {
 *   return res.sendStatus(400);
 * }
 */
export function verifyWebhookSignature(
  secret: string | Uint8Array,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  now: Date = new Date(),
): boolean {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return false;
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp) > toleranceSeconds) return false;
  let key: Uint8Array;
  try {
    key = typeof secret === 'string' ? parseWebhookSecret(secret) : secret;
  } catch {
    return false;
  }
  const expected = Buffer.from(signatureHex(key, parsed.timestamp, body), 'hex');
  if (typeof secret === 'string') key.fill(0);
  let ok = false;
  // Every candidate is compared, so timing does not tell which one (if any) matched.
  for (const candidate of parsed.signatures) ok = timingSafeEqual(expected, Buffer.from(candidate, 'hex')) || ok;
  return ok;
}

/** The 32 bytes of a `whsec_…` text (the HMAC key); throws RangeError on anything else. */
export function parseWebhookSecret(text: string): Buffer {
  if (!SECRET_TEXT.test(text)) throw new RangeError('a webhook secret is "whsec_" and 43 base64url characters');
  const bytes = Buffer.from(text.slice('whsec_'.length), 'base64url');
  if (bytes.length !== 32) throw new RangeError('a webhook secret holds 32 bytes');
  return bytes;
}

function signatureHex(secret: Uint8Array, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return null;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (name === 'v1') {
      if (!SIGNATURE_HEX.test(value)) return null;
      signatures.push(value);
    }
    // Other schemes (a future v2) are ignored, so receivers keep working while they are added.
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}
