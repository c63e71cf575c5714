import { randomBytes } from 'node:crypto';
import { encodeAad } from '../../crypto/aad.ts';
import { unwrap, wrap } from '../../crypto/key-wrap.ts';

export { parseWebhookSecret } from './webhook-signature.ts';

/** HMAC keys of webhooks are 256 random bits, like the HMAC-SHA256 output they produce. */
export const WEBHOOK_SECRET_BYTES = 32;
const PREFIX = 'whsec_';

/** A fresh signing secret. The caller zero-fills it once wrapped and shown. */
export function newWebhookSecret(): Buffer {
  return randomBytes(WEBHOOK_SECRET_BYTES);
}

/** The text form shown once at creation: `whsec_` and the 32 bytes in unpadded base64url. */
export function formatWebhookSecret(secret: Uint8Array): string {
  return `${PREFIX}${Buffer.from(secret.buffer, secret.byteOffset, secret.length).toString('base64url')}`;
}


/**
 * The secret wrapped under the root key with AES-256-GCM, its AAD binding the webhook id: a
 * database reader cannot forge signatures, and a wrapped secret copied onto another webhook does
 * not unwrap.
 */
export function wrapWebhookSecret(rootKey: Buffer, webhookId: string, secret: Uint8Array): Buffer {
  return wrap(rootKey, secret, secretAad(webhookId));
}

/** Throws CryptoFailure when the blob was not wrapped for this webhook under this root key. */
export function unwrapWebhookSecret(rootKey: Buffer, webhookId: string, wrapped: Uint8Array): Buffer {
  return unwrap(rootKey, wrapped, secretAad(webhookId));
}

function secretAad(webhookId: string): Buffer {
  return encodeAad('keyward/webhook-secret/v1', [webhookId]);
}
