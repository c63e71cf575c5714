import { CryptoFailure } from './crypto-failure.ts';

/**
 * Text form of a Keyward ciphertext: `kw:v1:<key-id>:<version>:<base64url body>`. It names the key
 * and version so any holder can route it to decrypt or re-encrypt. The body's layout depends on the
 * key's spec (AES-GCM: iv ‖ ciphertext ‖ tag; RSA: the OAEP block).
 */
export interface CiphertextParts {
  readonly keyId: string;
  readonly version: number;
  readonly body: Buffer;
}

const PREFIX = 'kw:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const VERSION = /^[1-9][0-9]{0,9}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function formatCiphertext(parts: CiphertextParts): string {
  return `${PREFIX}${parts.keyId}:${parts.version}:${parts.body.toString('base64url')}`;
}

export function parseCiphertext(text: string): CiphertextParts {
  if (!text.startsWith(PREFIX)) throw new CryptoFailure('not a kw:v1 ciphertext');
  const fields = text.slice(PREFIX.length).split(':');
  if (fields.length !== 3) throw new CryptoFailure('expected kw:v1:<key>:<version>:<body>');
  const [keyId, version, body] = fields as [string, string, string];
  if (!KEY_ID.test(keyId)) throw new CryptoFailure('bad key id in ciphertext');
  if (!VERSION.test(version) || Number(version) >= 2 ** 31) throw new CryptoFailure('bad version in ciphertext');
  if (!BASE64URL.test(body)) throw new CryptoFailure('bad base64url body in ciphertext');
  const bytes = Buffer.from(body, 'base64url');
  // One ciphertext, one spelling: refuse non-canonical base64url (stray trailing bits).
  if (bytes.toString('base64url') !== body) throw new CryptoFailure('non-canonical base64url body in ciphertext');
  return { keyId, version: Number(version), body: bytes };
}
