import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from './core/clock.ts';
import { AuditLog } from './audit/audit-log.ts';
import { CheckpointFile, ed25519Signer } from './audit/checkpoints.ts';
import { hkdfSha256 } from './crypto/hkdf.ts';
import { EncryptionBudget, GCM_RANDOM_IV_LIMIT } from './keys/encryption-budget.ts';
import { KeyDirectory } from './keys/key-directory.ts';
import { KeyRing } from './keys/key-ring.ts';
import { Seal, type SealStatus } from './seal/seal.ts';
import type { Store } from './storage/store.ts';
import type { AuditDraft } from './storage/records.ts';
import { SqliteStore } from './storage/sqlite/sqlite-store.ts';
import { systemPrincipal, type CallContext } from './auth/principal.ts';
import { AuditService } from './engine/audit-service.ts';
import { CryptoService } from './engine/crypto-service.ts';
import type { EngineContext } from './engine/engine-context.ts';
import { KeyAdmin } from './engine/key-admin.ts';
import { OperationRunner, type OperationEvent } from './engine/operation.ts';
import { Scheduler, type LeadershipChange } from './engine/scheduler.ts';
import { SysService } from './engine/sys-service.ts';
import { TokenService } from './engine/token-service.ts';
import { InventoryService } from './engine/inventory-service.ts';
import { AssessService } from './engine/assess-service.ts';
import { deletionsSection, governanceSection, policySection, inventorySection, recoverySection, scansSection } from './engine/assess-sections.ts';
import { DEFAULT_LIFECYCLE_INTERVAL_MS, LifecycleService } from './engine/lifecycle-service.ts';
import { PolicyService, policyDeletionRules } from './engine/policy-service.ts';
import { PolicyGate } from './policy/policy-gate.ts';
import { PolicyVersions } from './policy/policy-versions.ts';
import { EventsService } from './engine/events-service.ts';
import { DEFAULT_DELIVERY_TIMEOUT_MS, type WebhookFetch } from './lifecycle/events/webhook-sender.ts';
import { BackupService, type BackupOptions } from './engine/backup-service.ts';
import { DEFAULT_TOKEN_TTL } from './auth/tokens.ts';
import { Governance } from './engine/governance/governance.ts';
import { ScanService } from './engine/scan-service.ts';
import { approvalRequirement } from './policy/approval-rules.ts';

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
  /**
   * How often the node tries to take the scheduler lease, or checks it still holds it (default
   * 2 s). Bounds how long the schedulers stay without a node after their leader dies.
   */
  readonly schedulerIntervalMs?: number;
  /** Names this node in its `sys.leadership` audit entries (default `<hostname>:<pid>`). */
  readonly nodeId?: string;
  /** Told when this node starts (true) or stops (false) running the schedulers. */
  readonly onLeadershipChange?: (leader: boolean) => void;
  /** Told when the scheduler lease cannot be reached or a change not audited (once per outage). */
  readonly onSchedulerError?: (err: unknown) => void;
  /** How often the leader looks for keys due for rotation and for destruction (default 60 s). */
  readonly lifecycleIntervalMs?: number;
  /** How long the key policy in force is cached; bounds how long another node's `policy set` can go unseen (default 2 s). */
  readonly policyCacheTtlMs?: number;
  /** Allow webhooks to plain `http://` loopback addresses (tests, a local receiver); otherwise https only. */
  readonly allowInsecureWebhooks?: boolean;
  /** How often the webhook dispatcher and event streams look for events committed by other nodes (default 1 s). */
  readonly eventPollIntervalMs?: number;
  /** A webhook receiver that does not answer within this is a failed attempt (default 5 s). */
  readonly webhookTimeoutMs?: number;
  /** How long finished webhook deliveries stay in the delivery log (default 30 days). */
  readonly webhookRetentionDays?: number;
  /** What sends webhook requests (default: the global fetch). */
  readonly webhookFetch?: WebhookFetch;
  /** Told when a webhook dispatch pass fails (the next one retries). */
  readonly onWebhookError?: (err: unknown) => void;
  /** How often the leader expires approval requests, flushes binding usage and checks whether the access review is due (default 60 s). */
  readonly governanceIntervalMs?: number;
  /** Server-side backups (directory, schedule, retention) and DR-drill samples; see engine/backup-service.ts. */
  readonly backups?: BackupOptions;
  /** How often the leader runs the continuous audit (`audit.run`, trigger `schedule`; default daily); null: never. */
  readonly auditRunIntervalMs?: number | null;
  /** Told when a scheduled audit run fails (the next due check retries). */
  readonly onAuditRunError?: (err: unknown) => void;
}

/** The lease every scheduler of the engine runs under. */
const SCHEDULER_LEASE = 'scheduler';

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
  /** Scheduled rotation, bulk rewrap, rotation impact, scheduled deletion (docs/lifecycle.md). */
  readonly lifecycle: LifecycleService;
  readonly policy: PolicyService;
  readonly events: EventsService;
  readonly backups: BackupService;
  /** Identities, roles and bindings, approvals, break-glass, access review (docs/governance.md). */
  readonly governance: Governance;
  /** Secret-scan reports uploaded for the audit checks STO-01..03. */
  readonly scans: ScanService;
  /** Audit runs: the check catalogue over a snapshot of this deployment (docs/audit-checks.md). */
  readonly assess: AssessService;
  /** Every key and secret known: managed keys, imports and discovery connectors (docs/inventory.md). */
  readonly inventory: InventoryService;
  readonly store: Store;
  readonly #context: EngineContext;
  #hmacKey: Buffer | null = null;
  #scheduler: Scheduler | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  private constructor(context: EngineContext, hmacKey: () => Buffer | null, tokens: TokenService, backups: BackupService, events: EventsService) {
    this.#context = context;
    this.store = context.store;
    this.sys = new SchedulerAwareSysService(context, () => this.#scheduler?.round() ?? Promise.resolve());
    this.keys = new KeyAdmin(context);
    this.lifecycle = new LifecycleService(context, () => this.keys);
    this.crypto = new CryptoService(context);
    this.audit = new AuditService(context, hmacKey);
    this.tokens = tokens;
    this.policy = new PolicyService(context);
    this.events = events;
    this.backups = backups;
    this.governance = new Governance(context, tokens, { cacheTtlMs: 2000 });
    this.scans = new ScanService(context);
    this.governance.guard({ keys: this.keys, lifecycle: this.lifecycle, policy: this.policy });
    this.assess = new AssessService(context, { sections: [governanceSection, policySection(context.clock), deletionsSection, recoverySection, inventorySection(context.clock), scansSection] });
    this.inventory = new InventoryService(context, { fetch: globalThis.fetch });
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
    const policyVersions = new PolicyVersions(store, clock, options.policyCacheTtlMs ?? 2000);
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
      policyGate: new PolicyGate(policyVersions, clock),
      // The key policy's retention holds and deletion waiting period (rules.retention, rules.deletion).
      deletionPolicy: policyDeletionRules(policyVersions, clock),
      budget: new EncryptionBudget(store, options.encryptionLimit ?? GCM_RANDOM_IV_LIMIT),
      runner: new OperationRunner({
        audit,
        clock,
        hmacKey,
        requireUnsealed: () => void seal.secrets(),
        governance: () => holder.engine?.governance.rules,
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
    const engine = new Engine(context, hmacKey, tokens, new BackupService(context, options.backups), new EventsService(context, eventsOptions(options)));
    holder.engine = engine;
    // Where the key policy has an `approvals` section, it decides which operations need approval.
    engine.governance.setPolicySource(async (action, key) => {
      const current = await policyVersions.current();
      return current && current.policy.approvals.length > 0 ? approvalRequirement(current.policy, action, key) : undefined;
    });
    engine.#startScheduler(options);
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

  /** Whether this node holds the scheduler lease and runs the periodic jobs (audit checkpoints). */
  isSchedulerLeader(): boolean {
    return this.#scheduler?.isLeader() ?? false;
  }

  /** Hands the scheduler lease back (audited), flushes the audit log, seals, and closes the store. */
  async close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    await this.#scheduler?.stop();
    await this.backups.settle();
    await this.events.close();
    await this.#context.audit.close();
    this.#context.seal.seal();
    this.#onSealChange(true);
    await this.#context.store.close();
  }

  /** Waits until every audit entry recorded so far is durable. */
  flushAudit(): Promise<void> {
    return this.#context.audit.flush();
  }

  /**
   * The node's heartbeat, every `schedulerIntervalMs`: keeps (or takes) the scheduler lease while
   * unsealed, and picks up an initialisation made through another node.
   */
  #startScheduler(options: EngineOptions): void {
    const { audit, store, clock, seal } = this.#context;
    const nodeId = options.nodeId ?? `${hostname()}:${process.pid}`;
    const lease = store.leadership(SCHEDULER_LEASE);
    const onError = options.onSchedulerError ?? (() => undefined);
    this.#scheduler = new Scheduler({
      lease,
      jobs: [{ name: 'audit-checkpoint', start: () => audit.startPeriodicCheckpoints(), stop: () => audit.stopPeriodicCheckpoints() }, this.events.dispatcherJob, ...[this.backups.job()].filter((j) => j !== null), ...this.lifecycle.schedulerJobs({ intervalMs: options.lifecycleIntervalMs ?? DEFAULT_LIFECYCLE_INTERVAL_MS, onError }), ...this.governance.schedulerJobs({ intervalMs: options.governanceIntervalMs ?? 60_000, onError }), ...[this.assess.scheduledJob({ intervalMs: options.auditRunIntervalMs, clock, onError: options.onAuditRunError ?? onError })].filter((j) => j !== null)],
      eligible: () => !seal.status().sealed,
      record: async (change) => {
        // With one node per database (SQLite) the lease changes exactly at unseal and seal, which
        // are audited already; only a lease contended by several nodes says something new.
        if (lease.scope === 'cluster') await audit.record(leadershipDraft(change, nodeId, clock));
      },
      onError,
      ...(options.onLeadershipChange ? { onLeadershipChange: options.onLeadershipChange } : {}),
    });
    const beat = async (): Promise<void> => {
      if (!seal.status().initialized) {
        const record = await store.getSeal().catch(() => null);
        if (record) seal.initialized(record);
      }
      await this.#scheduler?.round();
    };
    this.#heartbeat = setInterval(() => void beat(), options.schedulerIntervalMs ?? 2000);
    this.#heartbeat.unref();
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

/**
 * Unseal and seal answer only once the scheduler lease has followed the seal state: an unsealed
 * node has contended for it (and audited taking it), a sealed one has handed it over. Without the
 * wait, the leadership entry would land at some point after the caller's next operations.
 */
class SchedulerAwareSysService extends SysService {
  readonly #followSeal: () => Promise<void>;

  constructor(context: EngineContext, followSeal: () => Promise<void>) {
    super(context);
    this.#followSeal = followSeal;
  }

  override async unseal(ctx: CallContext, share: string): Promise<SealStatus> {
    const status = await super.unseal(ctx, share);
    if (!status.sealed) await this.#followSeal();
    return status;
  }

  override async seal(ctx: CallContext): Promise<SealStatus> {
    const status = await super.seal(ctx);
    await this.#followSeal();
    return status;
  }
}

/** Webhook and event-stream settings, with their defaults. */
function eventsOptions(options: EngineOptions): ConstructorParameters<typeof EventsService>[1] {
  return {
    allowInsecureWebhooks: options.allowInsecureWebhooks ?? false,
    pollIntervalMs: options.eventPollIntervalMs ?? 1000,
    deliveryTimeoutMs: options.webhookTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    retentionMs: (options.webhookRetentionDays ?? 30) * 86_400_000,
    fetch: options.webhookFetch ?? ((url, init) => fetch(url, init)),
    ...(options.onWebhookError ? { onError: options.onWebhookError } : {}),
  };
}

function leadershipDraft(change: LeadershipChange, nodeId: string, clock: Clock): AuditDraft {
  return {
    time: clock.now().toISOString(),
    actor: 'system:scheduler',
    action: 'sys.leadership',
    keyId: null,
    keyVersion: null,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: 'scheduler',
    details: { lease: SCHEDULER_LEASE, event: change.event, node: nodeId, ...(change.event === 'lost' ? { reason: change.reason } : {}) },
  };
}
