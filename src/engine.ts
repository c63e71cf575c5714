import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from './core/clock.ts';
import { AuditLog } from './audit/audit-log.ts';
import { CheckpointFile, ed25519Signer } from './audit/checkpoints.ts';
import { hkdfSha256 } from './crypto/hkdf.ts';
import { EncryptionBudget, GCM_RANDOM_IV_LIMIT } from './keys/encryption-budget.ts';
import { KeyDirectory } from './keys/key-directory.ts';
import { KeyRing } from './keys/key-ring.ts';
import { Seal } from './seal/seal.ts';
import type { Store } from './storage/store.ts';
import { SqliteStore } from './storage/sqlite/sqlite-store.ts';
import { systemPrincipal, type CallContext } from './auth/principal.ts';
import { AuditService } from './engine/audit-service.ts';
import { CryptoService } from './engine/crypto-service.ts';
import type { EngineContext } from './engine/engine-context.ts';
import { KeyAdmin } from './engine/key-admin.ts';
import { OperationRunner, type OperationEvent } from './engine/operation.ts';
import { SysService } from './engine/sys-service.ts';
import { TokenService } from './engine/token-service.ts';
import { DEFAULT_TOKEN_TTL } from './auth/tokens.ts';

export interface EngineOptions {
  readonly store: Store;
  readonly clock?: Clock;
  /** Path of the checkpoint file kept outside the database; null to keep none. */
  readonly checkpointFile?: string | null;
  readonly checkpointEvery?: number;
  readonly checkpointIntervalMs?: number;
  /** Encryptions allowed per AES-GCM key version (NIST SP 800-38D); policy may set it lower. */
  readonly encryptionLimit?: number;
  /** How long key metadata is cached; bounds how long another node's change can go unseen. */
  readonly keyCacheTtlMs?: number;
  readonly onAuditCommit?: (entries: number, ms: number) => void;
  /** Told of every finished operation (action, outcome, key spec, duration): for metrics. */
  readonly onOperation?: (event: OperationEvent) => void;
  readonly onCheckpointError?: (err: unknown) => void;
  /** TTL of a new token when none is asked for (default 1 h). */
  readonly tokenDefaultTtlSeconds?: number;
  /** Longest TTL a token may have, also across renewals (default 32 days). */
  readonly tokenMaxTtlSeconds?: number;
  /** How long a token lookup is cached; bounds how long a revocation on another node goes unseen (default 5 s). */
  readonly tokenCacheTtlMs?: number;
}

/**
 * The Keyward service object: the one entry the server, the CLI and the tests use. It wires the
 * store, the seal, the audit log and the domain services; every operation runs
 * authorise → act → audit through the same OperationRunner.
 *
 * @example
 * const engine = await Engine.openDev();
 * const ctx = { principal: engine.rootPrincipal };
 * await engine.keys.create(ctx, { name: 'billing', spec: 'AES_256_GCM' });
 * const { ciphertext } = await engine.crypto.encrypt(ctx, { key: 'billing', plaintext: Buffer.from('hi') });
 */
export class Engine {
  readonly sys: SysService;
  readonly keys: KeyAdmin;
  readonly crypto: CryptoService;
  readonly audit: AuditService;
  readonly tokens: TokenService;
  readonly store: Store;
  readonly #context: EngineContext;
  #hmacKey: Buffer | null = null;

  private constructor(context: EngineContext, hmacKey: () => Buffer | null, tokens: TokenService) {
    this.#context = context;
    this.store = context.store;
    this.sys = new SysService(context);
    this.keys = new KeyAdmin(context);
    this.crypto = new CryptoService(context);
    this.audit = new AuditService(context, hmacKey);
    this.tokens = tokens;
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const clock = options.clock ?? systemClock;
    const store = options.store;
    const origin = await store.instanceId();
    const checkpointFile = options.checkpointFile ? new CheckpointFile(options.checkpointFile) : null;
    const audit = new AuditLog({
      store,
      origin,
      clock,
      checkpointFile,
      ...(options.checkpointEvery !== undefined ? { checkpointEvery: options.checkpointEvery } : {}),
      ...(options.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
      ...(options.onAuditCommit ? { onCommit: options.onAuditCommit } : {}),
      ...(options.onCheckpointError ? { onCheckpointError: options.onCheckpointError } : {}),
    });
    const seal = new Seal(await store.getSeal());
    const ring = new KeyRing();
    const holder: { engine?: Engine } = {};
    const hmacKey = (): Buffer | null => (holder.engine ? holder.engine.#hmacKey : null);
    const context: EngineContext = {
      store,
      clock,
      audit,
      seal,
      ring,
      checkpointFile,
      directory: new KeyDirectory(store, clock, options.keyCacheTtlMs ?? 2000),
      budget: new EncryptionBudget(store, options.encryptionLimit ?? GCM_RANDOM_IV_LIMIT),
      runner: new OperationRunner({
        audit,
        clock,
        hmacKey,
        requireUnsealed: () => void seal.secrets(),
        ...(options.onOperation ? { onOperation: options.onOperation } : {}),
      }),
      onSealChange: (sealed) => {
        if (holder.engine) holder.engine.#onSealChange(sealed);
      },
    };
    const tokens = new TokenService(context, {
      ttl: {
        defaultSeconds: options.tokenDefaultTtlSeconds ?? DEFAULT_TOKEN_TTL.defaultSeconds,
        maxSeconds: options.tokenMaxTtlSeconds ?? DEFAULT_TOKEN_TTL.maxSeconds,
      },
      cacheTtlMs: options.tokenCacheTtlMs ?? 5000,
    });
    const engine = new Engine(context, hmacKey, tokens);
    holder.engine = engine;
    return engine;
  }

  /**
   * A throwaway instance for development: SQLite in a new temporary directory, initialised with
   * one share and unsealed. Its data is gone when the directory is.
   */
  static async openDev(options: Omit<EngineOptions, 'store'> & { dir?: string } = {}): Promise<{ engine: Engine; dir: string; share: string; rootToken: string }> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'keyward-dev-'));
    const store = SqliteStore.open({ path: join(dir, 'keyward.db') });
    const engine = await Engine.open({ checkpointFile: join(dir, 'audit-checkpoints.jsonl'), ...options, store });
    const ctx: CallContext = { principal: systemPrincipal('dev-mode'), source: 'dev-mode' };
    const { shares, rootToken } = await engine.sys.init(ctx, { shares: 1, threshold: 1 });
    const share = shares[0] as string;
    await engine.sys.unseal(ctx, share);
    return { engine, dir, share, rootToken };
  }

  /** Flushes the audit log, seals, and closes the store. */
  async close(): Promise<void> {
    await this.#context.audit.close();
    this.#context.seal.seal();
    this.#onSealChange(true);
    await this.#context.store.close();
  }

  /** Waits until every audit entry recorded so far is durable. */
  flushAudit(): Promise<void> {
    return this.#context.audit.flush();
  }

  #onSealChange(sealed: boolean): void {
    this.#hmacKey?.fill(0);
    this.#hmacKey = null;
    this.#context.ring.clear();
    if (sealed) {
      this.#context.audit.setSigner(null);
      return;
    }
    const { rootKey, auditSigningKey } = this.#context.seal.secrets();
    this.#hmacKey = hkdfSha256(rootKey, Buffer.from(this.#context.audit.origin), Buffer.from('keyward/audit-hmac/v1'), 32);
    const record = this.#context.seal.record;
    if (record) this.#context.audit.setSigner(ed25519Signer(auditSigningKey, record.auditPublicKey));
  }
}
