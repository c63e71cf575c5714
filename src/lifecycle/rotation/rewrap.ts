import { KeywardError, isKeywardError } from '../../core/errors.ts';
import { CryptoFailure } from '../../crypto/crypto-failure.ts';
import { formatCiphertext, parseCiphertext } from '../../crypto/ciphertext-format.ts';
import { checkContext } from '../../keys/context-input.ts';
import type { EncryptionContext } from '../../keys/key-crypto.ts';
import { MAX_CIPHERTEXT_CHARS } from '../../keys/limits.ts';

/**
 * Items per rewrap request. A batch is one audit entry and one transaction (with its job record),
 * so it is bounded: 1000 typical data-key ciphertexts are ~0.2 MB of JSON and a few hundred
 * milliseconds of work; a client streams more in batches.
 */
export const MAX_REWRAP_BATCH = 1000;

/** One ciphertext to rewrap, with the encryption context it was made with (also used for the new one). */
export interface RewrapItem {
  readonly ciphertext: string;
  readonly context?: EncryptionContext | null;
}

export type RewrapResult =
  | { readonly index: number; readonly status: 'rewrapped'; readonly ciphertext: string; readonly sourceVersion: number; readonly version: number }
  /** Already under the current version (checked by decrypting): returned as it was. */
  | { readonly index: number; readonly status: 'current'; readonly ciphertext: string; readonly sourceVersion: number; readonly version: number }
  | { readonly index: number; readonly status: 'failed'; readonly error: { readonly code: string; readonly message: string } };

/** The key a batch is rewrapped under, with its crypto bound by the engine. */
export interface RewrapTarget {
  readonly keyId: string;
  readonly keyName: string;
  readonly currentVersion: number;
  readonly minDecryptionVersion: number;
  /** Decrypts a body of `version`; throws KeywardError (decryption_failed…). The result is zero-filled by the caller. */
  decrypt(version: number, body: Buffer, context: EncryptionContext | undefined): Promise<Buffer>;
  /** Encrypts under the current version (charging its encryption budget); returns the body. */
  encrypt(plaintext: Buffer, context: EncryptionContext | undefined): Promise<Buffer>;
}

export interface RewrapTally {
  readonly items: number;
  readonly rewrapped: number;
  readonly unchanged: number;
  readonly failed: number;
  /** Rewrapped items by the version they came from ("1" → count). */
  readonly sourceVersions: Readonly<Record<string, number>>;
  /** Failed items by error code. */
  readonly failures: Readonly<Record<string, number>>;
}

/**
 * Re-encrypts each item under the key's current version, one at a time, so one bad item (altered,
 * another key's, wrong context, below the minimum version) fails alone and the rest go through.
 * Plaintext never leaves this function and is zero-filled after use.
 */
export async function rewrapItems(items: readonly RewrapItem[], target: RewrapTarget): Promise<{ results: RewrapResult[]; tally: RewrapTally }> {
  const results: RewrapResult[] = [];
  for (const [index, item] of items.entries()) {
    try {
      results.push(await rewrapOne(index, item, target));
    } catch (err) {
      if (!isKeywardError(err)) throw err;
      results.push({ index, status: 'failed', error: { code: err.code, message: err.message } });
    }
  }
  return { results, tally: tallyOf(results) };
}

async function rewrapOne(index: number, item: RewrapItem, target: RewrapTarget): Promise<RewrapResult> {
  const context = checkContext(item.context);
  const parts = parse(item.ciphertext);
  if (parts.keyId !== target.keyId) {
    throw new KeywardError('validation_failed', `the ciphertext is under key ${parts.keyId}, not "${target.keyName}"`, { field: 'ciphertext' });
  }
  if (parts.version > target.currentVersion) throw new KeywardError('key_version_not_found', `key "${target.keyName}" has no version ${parts.version}`, { version: parts.version });
  if (parts.version < target.minDecryptionVersion) {
    throw new KeywardError('key_version_disabled', `key "${target.keyName}" no longer decrypts version ${parts.version} (minimum is ${target.minDecryptionVersion})`, { version: parts.version });
  }
  const plaintext = await target.decrypt(parts.version, parts.body, context);
  try {
    if (parts.version === target.currentVersion) {
      return { index, status: 'current', ciphertext: item.ciphertext, sourceVersion: parts.version, version: parts.version };
    }
    const body = await target.encrypt(plaintext, context);
    const ciphertext = formatCiphertext({ keyId: target.keyId, version: target.currentVersion, body });
    return { index, status: 'rewrapped', ciphertext, sourceVersion: parts.version, version: target.currentVersion };
  } finally {
    plaintext.fill(0);
  }
}

function parse(ciphertext: unknown): ReturnType<typeof parseCiphertext> {
  if (typeof ciphertext !== 'string' || ciphertext.length > MAX_CIPHERTEXT_CHARS) {
    throw new KeywardError('ciphertext_invalid', `a ciphertext is kw:v1 text of at most ${MAX_CIPHERTEXT_CHARS} characters`);
  }
  try {
    return parseCiphertext(ciphertext);
  } catch (err) {
    if (err instanceof CryptoFailure) throw new KeywardError('ciphertext_invalid', `malformed ciphertext: ${err.message}`);
    throw err;
  }
}

function tallyOf(results: readonly RewrapResult[]): RewrapTally {
  const sourceVersions: Record<string, number> = {};
  const failures: Record<string, number> = {};
  let rewrapped = 0;
  let unchanged = 0;
  for (const r of results) {
    if (r.status === 'failed') failures[r.error.code] = (failures[r.error.code] ?? 0) + 1;
    else if (r.status === 'current') unchanged++;
    else {
      rewrapped++;
      sourceVersions[String(r.sourceVersion)] = (sourceVersions[String(r.sourceVersion)] ?? 0) + 1;
    }
  }
  return { items: results.length, rewrapped, unchanged, failed: results.length - rewrapped - unchanged, sourceVersions, failures };
}
