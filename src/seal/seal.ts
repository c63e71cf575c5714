import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import { wrap, unwrap } from '../crypto/key-wrap.ts';
import { combineShares, MAX_SHARES, splitSecret } from '../crypto/shamir.ts';
import { CryptoFailure } from '../crypto/crypto-failure.ts';
import type { SealRecord } from '../storage/records.ts';

export const DEFAULT_SHARES = 5;
export const DEFAULT_THRESHOLD = 3;
const ROOT_KEY_AAD = Buffer.from('keyward/root-key/v1');
const AUDIT_SIGNING_KEY_AAD = Buffer.from('keyward/audit-signing-key/v1');
/** 32-byte unseal key + the x-coordinate byte. */
const SHARE_BYTES = 33;

export interface SealStatus {
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly threshold: number | null;
  readonly shares: number | null;
  /** Shares accepted towards the current unseal attempt. */
  readonly progress: number;
}

export interface InitPlan {
  readonly record: SealRecord;
  /** The unseal shares, base64. Shown once, never stored. */
  readonly shares: string[];
}

/** What an unsealed node holds in memory. */
export interface UnsealedSecrets {
  readonly rootKey: Buffer;
  readonly auditSigningKey: Buffer;
}

/**
 * The root key's protection. The root key is random; it is stored only wrapped under an unseal
 * key, which exists only as Shamir shares held by people. Unsealing rebuilds the unseal key from
 * `threshold` shares and unwraps the root key — an AES-GCM check that fails loudly on a wrong
 * combination (Shamir alone would silently return wrong bytes).
 */
export class Seal {
  #record: SealRecord | null;
  #secrets: UnsealedSecrets | null = null;
  #pending: Buffer[] = [];

  constructor(record: SealRecord | null) {
    this.#record = record;
  }

  status(): SealStatus {
    return {
      initialized: this.#record !== null,
      sealed: this.#secrets === null,
      threshold: this.#record?.threshold ?? null,
      shares: this.#record?.shares ?? null,
      progress: this.#pending.length,
    };
  }

  /** Plans an initialisation; the caller persists `record` (audited) and then calls `initialized`. */
  static async plan(options: { shares?: number; threshold?: number; now: Date }): Promise<InitPlan> {
    const shares = options.shares ?? DEFAULT_SHARES;
    const threshold = options.threshold ?? DEFAULT_THRESHOLD;
    if (!Number.isInteger(shares) || !Number.isInteger(threshold) || threshold < 1 || threshold > shares || shares > MAX_SHARES) {
      throw new KeywardError('validation_failed', `need 1 ≤ threshold ≤ shares ≤ ${MAX_SHARES} (got threshold ${threshold}, shares ${shares})`);
    }
    const rootKey = randomBytes(32);
    const unsealKey = randomBytes(32);
    const audit = generateKeyPairSync('ed25519');
    const auditPrivate = audit.privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const parts = await splitSecret(unsealKey, shares, threshold);
      const record: SealRecord = {
        threshold,
        shares,
        wrappedRootKey: wrap(unsealKey, rootKey, ROOT_KEY_AAD),
        shareChecks: parts.map(shareCheck),
        wrappedAuditSigningKey: wrap(rootKey, auditPrivate, AUDIT_SIGNING_KEY_AAD),
        auditPublicKey: audit.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        initializedAt: options.now.toISOString(),
      };
      const texts = parts.map((p) => p.toString('base64'));
      for (const p of parts) p.fill(0);
      return { record, shares: texts };
    } finally {
      rootKey.fill(0);
      unsealKey.fill(0);
      auditPrivate.fill(0);
    }
  }

  initialized(record: SealRecord): void {
    this.#record = record;
  }

  get record(): SealRecord | null {
    return this.#record;
  }

  /**
   * Accepts one share. A share that is malformed, not one of this instance's, or already given is
   * refused with a clear error; the check compares whole-share digests, so it reveals nothing
   * about which byte was wrong.
   */
  async submitShare(text: string): Promise<SealStatus> {
    const record = this.#requireRecord();
    if (this.#secrets) return this.status();
    const share = parseShare(text);
    const check = Buffer.from(shareCheck(share), 'hex');
    let known = false;
    for (const c of record.shareChecks) known = timingSafeEqual(Buffer.from(c, 'hex'), check) || known;
    if (!known) {
      share.fill(0);
      throw new KeywardError('invalid_share', 'that is not an unseal share of this Keyward instance');
    }
    if (this.#pending.some((p) => p.length === share.length && timingSafeEqual(p, share))) {
      share.fill(0);
      throw new KeywardError('duplicate_share', `that share was already given (${this.#pending.length}/${record.threshold} so far)`);
    }
    this.#pending.push(share);
    if (this.#pending.length < record.threshold) return this.status();

    const pending = this.#pending;
    this.#pending = [];
    let unsealKey: Buffer | null = null;
    try {
      unsealKey = await combineShares(pending, record.threshold);
      const rootKey = unwrap(unsealKey, record.wrappedRootKey, ROOT_KEY_AAD);
      const auditSigningKey = unwrap(rootKey, record.wrappedAuditSigningKey, AUDIT_SIGNING_KEY_AAD);
      this.#secrets = { rootKey, auditSigningKey };
    } catch (err) {
      if (err instanceof CryptoFailure) throw new KeywardError('unseal_failed', 'the shares did not rebuild the unseal key; progress was reset, start again');
      throw err;
    } finally {
      unsealKey?.fill(0);
      for (const p of pending) p.fill(0);
    }
    return this.status();
  }

  resetProgress(): void {
    for (const p of this.#pending) p.fill(0);
    this.#pending = [];
  }

  /** Drops the root key from memory (zero-filled). */
  seal(): void {
    this.resetProgress();
    if (this.#secrets) {
      this.#secrets.rootKey.fill(0);
      this.#secrets.auditSigningKey.fill(0);
    }
    this.#secrets = null;
  }

  /** The in-memory secrets; throws `sealed` while sealed. */
  secrets(): UnsealedSecrets {
    if (!this.#secrets) {
      if (!this.#record) throw new KeywardError('sealed', 'Keyward is not initialised yet; run `keyward operator init`');
      throw new KeywardError('sealed', 'Keyward is sealed; unseal it with `keyward operator unseal`');
    }
    return this.#secrets;
  }

  #requireRecord(): SealRecord {
    if (!this.#record) throw new KeywardError('not_initialized', 'Keyward is not initialised yet; run `keyward operator init`');
    return this.#record;
  }
}

function shareCheck(share: Buffer): string {
  return createHash('sha256').update('keyward/share-check/v1\n').update(share).digest('hex');
}

function parseShare(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new KeywardError('invalid_share', 'an unseal share is 44 characters of base64');
  }
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== SHARE_BYTES) {
    bytes.fill(0);
    throw new KeywardError('invalid_share', 'an unseal share is 44 characters of base64');
  }
  return bytes;
}
