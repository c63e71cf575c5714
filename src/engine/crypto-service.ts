import { randomBytes } from 'node:crypto';
import { liveKey } from './live-key.ts';
import { KeywardError } from '../core/errors.ts';
import type { CallContext } from '../auth/principal.ts';
import { CryptoFailure } from '../crypto/crypto-failure.ts';
import { formatCiphertext, parseCiphertext, type CiphertextParts } from '../crypto/ciphertext-format.ts';
import { SPEC_INFO, isSigningAlgorithm, type KeyUsage, type SigningAlgorithm } from '../crypto/key-specs.ts';
import { hmac, hmacVerify } from '../crypto/mac.ts';
import { digestLength, signDigest, signMessage, supportsDigestSigning, verifyDigest, verifyMessage } from '../crypto/signatures.ts';
import { checkContext } from '../keys/context-input.ts';
import { decryptBody, encryptBody, type EncryptionContext } from '../keys/key-crypto.ts';
import type { LiveKey } from '../keys/key-ring.ts';
import { requireAllowed } from '../keys/key-states.ts';
import * as limits from '../keys/limits.ts';
import type { KeyRecord } from '../storage/records.ts';
import type { EngineContext } from './engine-context.ts';
import type { Operation } from './operation.ts';

export type MessageType = 'RAW' | 'DIGEST';

export interface EncryptResult {
  readonly ciphertext: string;
  readonly keyId: string;
  readonly version: number;
}
export interface DecryptResult {
  readonly plaintext: Buffer;
  readonly keyId: string;
  readonly version: number;
}
export interface DataKeyResult extends EncryptResult {
  /** Absent when only the wrapped copy was asked for. */
  readonly plaintext?: Buffer;
}
export interface ReEncryptResult extends EncryptResult {
  readonly sourceKeyId: string;
  readonly sourceVersion: number;
}
export interface SignResult {
  readonly signature: Buffer;
  readonly keyId: string;
  readonly version: number;
  readonly algorithm: SigningAlgorithm;
}
export interface VerifyResult {
  readonly valid: boolean;
  readonly keyId: string;
  /** The version whose key verified it, or null. */
  readonly version: number | null;
}
export interface MacResult {
  readonly mac: Buffer;
  readonly keyId: string;
  readonly version: number;
}

/** Cryptographic operations on keys. Each one is authorised, checked against the key's state, and audited. */
export class CryptoService {
  readonly #c: EngineContext;

  constructor(c: EngineContext) {
    this.#c = c;
  }

  encrypt(ctx: CallContext, input: { key: string; plaintext: Buffer; context?: EncryptionContext }): Promise<EncryptResult> {
    return this.#c.runner.run(ctx, 'crypto.encrypt', async (op) => {
      const context = checkContext(input.context);
      op.encryptionContext = context ?? {};
      limitBytes(input.plaintext, limits.MAX_PLAINTEXT_BYTES, 'plaintext');
      const { key, live } = await this.#protecting(op, input.key, 'ENCRYPT_DECRYPT');
      const ciphertext = formatCiphertext({ keyId: key.id, version: live.version, body: encryptBody(live, input.plaintext, context) });
      recordContext(op, context);
      op.hashDetail('plaintextHmac', input.plaintext);
      op.hashDetail('ciphertextHmac', Buffer.from(ciphertext));
      return { ciphertext, keyId: key.id, version: live.version };
    });
  }

  decrypt(ctx: CallContext, input: { ciphertext: string; context?: EncryptionContext }): Promise<DecryptResult> {
    return this.#c.runner.run(ctx, 'crypto.decrypt', async (op) => {
      const context = checkContext(input.context);
      op.encryptionContext = context ?? {};
      const { key, live } = await this.#processing(op, input.ciphertext);
      const plaintext = decryptBody(live, ciphertextBody(input.ciphertext), context);
      recordContext(op, context);
      op.hashDetail('ciphertextHmac', Buffer.from(input.ciphertext));
      op.hashDetail('plaintextHmac', plaintext);
      return { plaintext, keyId: key.id, version: live.version };
    });
  }

  /** A fresh data key, encrypted under `key`; the plaintext copy is returned unless `includePlaintext` is false. */
  generateDataKey(ctx: CallContext, input: { key: string; bytes?: number; context?: EncryptionContext; includePlaintext?: boolean }): Promise<DataKeyResult> {
    return this.#c.runner.run(ctx, 'crypto.generate-data-key', async (op) => {
      const context = checkContext(input.context);
      op.encryptionContext = context ?? {};
      const bytes = input.bytes ?? 32;
      if (!Number.isInteger(bytes) || bytes < limits.MIN_DATA_KEY_BYTES || bytes > limits.MAX_DATA_KEY_BYTES) {
        throw new KeywardError('validation_failed', `data keys are ${limits.MIN_DATA_KEY_BYTES} to ${limits.MAX_DATA_KEY_BYTES} bytes`, { field: 'bytes' });
      }
      const { key, live } = await this.#protecting(op, input.key, 'ENCRYPT_DECRYPT');
      const dataKey = randomBytes(bytes);
      const ciphertext = formatCiphertext({ keyId: key.id, version: live.version, body: encryptBody(live, dataKey, context) });
      recordContext(op, context);
      op.details['bytes'] = bytes;
      op.details['plaintextReturned'] = input.includePlaintext !== false;
      op.hashDetail('ciphertextHmac', Buffer.from(ciphertext));
      if (input.includePlaintext === false) {
        dataKey.fill(0);
        return { ciphertext, keyId: key.id, version: live.version };
      }
      return { plaintext: dataKey, ciphertext, keyId: key.id, version: live.version };
    });
  }

  /** Decrypts and encrypts again — under the latest version or another key — without the plaintext leaving the server. */
  reEncrypt(
    ctx: CallContext,
    input: { ciphertext: string; sourceContext?: EncryptionContext; destinationKey?: string; destinationContext?: EncryptionContext },
  ): Promise<ReEncryptResult> {
    return this.#c.runner.run(ctx, 'crypto.re-encrypt', async (op) => {
      const sourceContext = checkContext(input.sourceContext, 'sourceContext');
      const destinationContext = checkContext(input.destinationContext, 'destinationContext') ?? sourceContext;
      op.encryptionContext = sourceContext ?? {};
      const source = await this.#processing(op, input.ciphertext);
      const destRef = input.destinationKey ?? source.key.id;
      const dest = await this.#c.directory.get(destRef);
      op.authorize({ keyName: dest.name });
      const destLive = await this.#protect(dest, 'ENCRYPT_DECRYPT');
      const plaintext = decryptBody(source.live, ciphertextBody(input.ciphertext), sourceContext);
      try {
        const ciphertext = formatCiphertext({ keyId: dest.id, version: destLive.version, body: encryptBody(destLive, plaintext, destinationContext) });
        op.details['destinationKeyId'] = dest.id;
        op.details['destinationKeyName'] = dest.name;
        op.details['destinationVersion'] = destLive.version;
        op.hashDetail('ciphertextHmac', Buffer.from(input.ciphertext));
        op.hashDetail('newCiphertextHmac', Buffer.from(ciphertext));
        return { ciphertext, keyId: dest.id, version: destLive.version, sourceKeyId: source.key.id, sourceVersion: source.live.version };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  sign(ctx: CallContext, input: { key: string; message: Buffer; messageType?: MessageType; algorithm?: string }): Promise<SignResult> {
    return this.#c.runner.run(ctx, 'crypto.sign', async (op) => {
      limitBytes(input.message, limits.MAX_MESSAGE_BYTES, 'message');
      const { key, live } = await this.#protecting(op, input.key, 'SIGN_VERIFY');
      const algorithm = pickAlgorithm(key, input.algorithm);
      const digest = input.messageType === 'DIGEST';
      if (digest) checkDigest(algorithm, input.message);
      const signer = live.privateKey;
      if (!signer) throw new KeywardError('key_usage_invalid', `key "${key.name}" cannot sign`);
      const signature = digest ? signDigest(algorithm, signer, input.message) : signMessage(algorithm, signer, input.message);
      op.details['algorithm'] = algorithm;
      op.details['messageType'] = digest ? 'DIGEST' : 'RAW';
      op.hashDetail('messageHmac', input.message);
      return { signature, keyId: key.id, version: live.version, algorithm };
    });
  }

  /** Checks a signature against the given version, or every usable version (newest first). */
  verify(
    ctx: CallContext,
    input: { key: string; message: Buffer; signature: Buffer; messageType?: MessageType; algorithm?: string; version?: number },
  ): Promise<VerifyResult> {
    return this.#c.runner.run(ctx, 'crypto.verify', async (op) => {
      limitBytes(input.message, limits.MAX_MESSAGE_BYTES, 'message');
      limitBytes(input.signature, 1024, 'signature');
      const key = await this.#usable(op, input.key, 'SIGN_VERIFY', 'process');
      const algorithm = pickAlgorithm(key, input.algorithm);
      const digest = input.messageType === 'DIGEST';
      if (digest) checkDigest(algorithm, input.message);
      const version = await this.#firstMatching(key, input.version, (live) => {
        if (!live.publicKey) return false;
        return digest ? verifyDigest(algorithm, live.publicKey, input.message, input.signature) : verifyMessage(algorithm, live.publicKey, input.message, input.signature);
      });
      op.keyVersion = version;
      op.details['algorithm'] = algorithm;
      op.details['valid'] = version !== null;
      op.hashDetail('messageHmac', input.message);
      return { valid: version !== null, keyId: key.id, version };
    });
  }

  mac(ctx: CallContext, input: { key: string; message: Buffer }): Promise<MacResult> {
    return this.#c.runner.run(ctx, 'crypto.mac', async (op) => {
      limitBytes(input.message, limits.MAX_MESSAGE_BYTES, 'message');
      const { key, live } = await this.#protecting(op, input.key, 'GENERATE_VERIFY_MAC');
      op.hashDetail('messageHmac', input.message);
      return { mac: hmac(macHash(key), live.material, input.message), keyId: key.id, version: live.version };
    });
  }

  verifyMac(ctx: CallContext, input: { key: string; message: Buffer; mac: Buffer; version?: number }): Promise<VerifyResult> {
    return this.#c.runner.run(ctx, 'crypto.verify-mac', async (op) => {
      limitBytes(input.message, limits.MAX_MESSAGE_BYTES, 'message');
      limitBytes(input.mac, 64, 'mac');
      const key = await this.#usable(op, input.key, 'GENERATE_VERIFY_MAC', 'process');
      const version = await this.#firstMatching(key, input.version, (live) => hmacVerify(macHash(key), live.material, input.message, input.mac));
      op.keyVersion = version;
      op.details['valid'] = version !== null;
      op.hashDetail('messageHmac', input.message);
      return { valid: version !== null, keyId: key.id, version };
    });
  }

  random(ctx: CallContext, bytes: number): Promise<Buffer> {
    return this.#c.runner.run(ctx, 'crypto.random', async (op) => {
      op.authorize();
      if (!Number.isInteger(bytes) || bytes < 1 || bytes > limits.MAX_RANDOM_BYTES) {
        throw new KeywardError('validation_failed', `random bytes: 1 to ${limits.MAX_RANDOM_BYTES}`, { field: 'bytes' });
      }
      op.details['bytes'] = bytes;
      return randomBytes(bytes);
    });
  }

  /** Looks a key up, authorises, and checks usage and state. */
  async #usable(op: Operation, ref: string, usage: KeyUsage, use: 'protect' | 'process'): Promise<KeyRecord> {
    op.precheck();
    this.#c.seal.secrets();
    const key = await this.#c.directory.get(ref);
    op.forKey(key, use === 'protect' ? key.currentVersion : null);
    requireUsage(key, usage);
    requireAllowed(key.name, key.state, use);
    if (key.state === 'compromised') op.details['compromisedKeyUse'] = true;
    return key;
  }

  async #protecting(op: Operation, ref: string, usage: KeyUsage): Promise<{ key: KeyRecord; live: LiveKey }> {
    const key = await this.#usable(op, ref, usage, 'protect');
    return { key, live: await this.#protect(key, usage) };
  }

  /** The current version, ready to encrypt/sign, with its AES-GCM budget charged. */
  async #protect(key: KeyRecord, usage: KeyUsage): Promise<LiveKey> {
    requireUsage(key, usage);
    requireAllowed(key.name, key.state, 'protect');
    const live = await this.#live(key, key.currentVersion);
    if (SPEC_INFO[key.spec].family === 'aes') await this.#c.budget.take(key.id, live.version, key.name);
    return live;
  }

  /** Resolves the key and version a ciphertext names, checking it may still be decrypted. */
  async #processing(op: Operation, ciphertext: string): Promise<{ key: KeyRecord; live: LiveKey }> {
    const parts = parseText(ciphertext);
    const key = await this.#usable(op, parts.keyId, 'ENCRYPT_DECRYPT', 'process');
    op.keyVersion = parts.version;
    checkVersion(key, parts.version);
    return { key, live: await this.#live(key, parts.version) };
  }

  #live(key: KeyRecord, version: number): Promise<LiveKey> {
    return liveKey(this.#c, key, version);
  }

  async #firstMatching(key: KeyRecord, version: number | undefined, test: (live: LiveKey) => boolean): Promise<number | null> {
    const candidates: number[] = [];
    if (version !== undefined) {
      checkVersion(key, version);
      candidates.push(version);
    } else {
      for (let v = key.currentVersion; v >= key.minDecryptionVersion; v--) candidates.push(v);
    }
    for (const v of candidates) {
      if (test(await this.#live(key, v))) return v;
    }
    return null;
  }
}

function requireUsage(key: KeyRecord, usage: KeyUsage): void {
  if (key.usage !== usage) {
    throw new KeywardError('key_usage_invalid', `key "${key.name}" is a ${key.spec} key for ${key.usage}, not ${usage}`, { usage: key.usage });
  }
}

function checkVersion(key: KeyRecord, version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > key.currentVersion) {
    throw new KeywardError('key_version_not_found', `key "${key.name}" has no version ${version}`, { version });
  }
  if (version < key.minDecryptionVersion) {
    throw new KeywardError('key_version_disabled', `key "${key.name}" no longer decrypts version ${version} (minimum is ${key.minDecryptionVersion}); it was rewrapped`, { version });
  }
}

function parseText(ciphertext: string): CiphertextParts {
  if (typeof ciphertext !== 'string' || ciphertext.length > limits.MAX_CIPHERTEXT_CHARS) {
    throw new KeywardError('ciphertext_invalid', `ciphertext must be kw:v1 text of at most ${limits.MAX_CIPHERTEXT_CHARS} characters`);
  }
  try {
    return parseCiphertext(ciphertext);
  } catch (err) {
    if (err instanceof CryptoFailure) throw new KeywardError('ciphertext_invalid', `malformed ciphertext: ${err.message}`);
    throw err;
  }
}

function ciphertextBody(ciphertext: string): Buffer {
  return parseText(ciphertext).body;
}

function limitBytes(value: Buffer, max: number, field: string): void {
  if (!Buffer.isBuffer(value)) throw new KeywardError('validation_failed', `${field} must be bytes`, { field });
  if (value.length > max) throw new KeywardError('payload_too_large', `${field} is larger than ${max} bytes`, { field, limit: max });
}

function pickAlgorithm(key: KeyRecord, requested: string | undefined): SigningAlgorithm {
  const allowed = SPEC_INFO[key.spec].signingAlgorithms;
  if (requested === undefined) return allowed[0] as SigningAlgorithm;
  if (!isSigningAlgorithm(requested) || !allowed.includes(requested)) {
    throw new KeywardError('validation_failed', `${key.spec} keys sign with ${allowed.join(' or ')}, not "${requested}"`, { field: 'algorithm' });
  }
  return requested;
}

function checkDigest(algorithm: SigningAlgorithm, digest: Buffer): void {
  if (!supportsDigestSigning(algorithm)) {
    throw new KeywardError('validation_failed', `${algorithm} signs messages only (messageType RAW); precomputed digests are supported for RSASSA_PKCS1_V1_5_SHA_256`, { field: 'messageType' });
  }
  if (digest.length !== digestLength(algorithm)) {
    throw new KeywardError('validation_failed', `a ${algorithm} digest is ${digestLength(algorithm)} bytes`, { field: 'message' });
  }
}

function macHash(key: KeyRecord): 'sha256' | 'sha512' {
  return key.spec === 'HMAC_SHA512' ? 'sha512' : 'sha256';
}

function recordContext(op: Operation, context: EncryptionContext | undefined): void {
  if (context) op.details['context'] = { ...context };
}
