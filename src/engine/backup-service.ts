import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { systemPrincipal, type CallContext } from '../auth/principal.ts';
import { formatCiphertext } from '../crypto/ciphertext-format.ts';
import { encryptBody } from '../keys/key-crypto.ts';
import { BACKUP_FILE_SUFFIX, type BackupCounts } from '../lifecycle/backup/backup-format.ts';
import type { BackupSample } from '../lifecycle/backup/backup-records.ts';
import { runDrill, type DrillReport } from '../lifecycle/backup/drill.ts';
import type { BackupSecrets } from '../lifecycle/backup/unlock-backup.ts';
import { writeBackup, type WrittenBackup } from '../lifecycle/backup/write-backup.ts';
import type { DocumentRecord, JsonValue } from '../storage/records.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { EngineContext } from './engine-context.ts';
import type { Operation } from './operation.ts';
import type { LeaderJob } from './scheduler.ts';

export interface BackupOptions {
  /** Where server-side backups are kept (scheduled ones, and `create` with `keep`); null: none. */
  readonly dir?: string | null;
  /** Take a backup into `dir` this often while this node runs the schedulers; null or 0: never. */
  readonly intervalMs?: number | null;
  /** Server-side backup files kept; after each scheduled backup older ones are deleted (default 7). */
  readonly retain?: number;
  /** Active AES keys sampled per backup for DR drills (default 5, at most 20). */
  readonly samples?: number;
  /** Told when a scheduled backup fails (the next one retries). */
  readonly onError?: (err: unknown) => void;
}

export type BackupTrigger = 'api' | 'download' | 'schedule';

/** The 'backup' document: what was taken, when, by whom, and where the file is. */
export interface BackupInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly trigger: BackupTrigger;
  /** server: a file in the backup directory; client: streamed to the caller, not kept. */
  readonly location: 'server' | 'client';
  /** File name in the backup directory; null for client backups and pruned ones. */
  readonly file: string | null;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly auditHead: { readonly seq: number; readonly chainHash: string };
  readonly counts: BackupCounts;
  /** When retention deleted the file, if it did. */
  readonly prunedAt: string | null;
}

/** The 'dr-drill' document: a drill's report and which backup it used. */
export interface DrillRecord extends DrillReport {
  readonly id: string;
  /** recorded: a server-side backup; fresh: a snapshot taken for the drill (none was kept on the server). */
  readonly source: 'recorded' | 'fresh';
  /** Time to take the fresh snapshot; null for a recorded backup. */
  readonly snapshotMs: number | null;
  readonly requestedBy: string;
}

export const MAX_BACKUP_PAGE = 200;
const DEFAULT_SAMPLES = 5;
const MAX_SAMPLES = 20;
const DEFAULT_RETAIN = 7;
/** A file name the service itself gave; anything else in a document is refused rather than opened. */
const BACKUP_FILE = /^bk_[0-9a-f]{24}\.kwbackup$/;

/**
 * Backups and disaster-recovery drills. A backup is an encrypted, signed snapshot of the whole
 * store (lifecycle/backup); this service takes them (kept on the server, streamed to a client, or
 * on a schedule), records each as a 'backup' document, and runs drills that restore one into a
 * scratch SQLite instance and prove it usable, recorded as 'dr-drill' documents. Every call is
 * authorised and audited (`backup.create`, `backup.list`, `backup.prune`, `dr.drill`, `dr.list`).
 *
 * @example
 * const info = await engine.backups.create(ctx, { keep: true });
 * const drill = await engine.backups.drill(ctx, { backup: 'latest' });
 * if (!drill.passed) console.error(drill.steps.find((s) => s.status === 'failed'));
 */
export class BackupService {
  readonly #c: EngineContext;
  readonly #o: BackupOptions;
  #scheduledRun: Promise<void> | null = null;

  constructor(c: EngineContext, options: BackupOptions = {}) {
    const retain = options.retain ?? DEFAULT_RETAIN;
    const samples = options.samples ?? DEFAULT_SAMPLES;
    if (!Number.isInteger(retain) || retain < 1) throw new Error('backups.retain must be a positive integer');
    if (!Number.isInteger(samples) || samples < 0 || samples > MAX_SAMPLES) throw new Error(`backups.samples must be 0..${MAX_SAMPLES}`);
    if (options.intervalMs && !options.dir) throw new Error('scheduled backups need backups.dir');
    this.#c = c;
    this.#o = options;
  }

  /** Takes a backup into the server's backup directory, recorded and audited; returns its record. */
  async create(ctx: CallContext, input: { trigger?: 'api' | 'schedule' } = {}): Promise<BackupInfo> {
    const dir = this.#o.dir;
    let path: string | null = null;
    try {
      return await this.#c.runner.run(ctx, 'backup.create', async (op) => {
        op.authorize();
        if (!dir) throw new KeywardError('validation_failed', 'no backup directory is configured on this server; download the backup instead (`keyward backup create --output FILE`)');
        await mkdir(dir, { recursive: true, mode: 0o700 });
        return this.#take(op, { trigger: input.trigger ?? 'api', location: 'server', path: (id) => (path = join(dir, `${id}${BACKUP_FILE_SUFFIX}`)) });
      });
    } catch (err) {
      // Written but not recorded (the audit entry or the document failed): no unrecorded backup stays behind.
      if (path !== null) await rm(path, { force: true });
      throw err;
    }
  }

  /**
   * Takes a backup into a private temporary file for the caller to stream, then delete with
   * `dispose` (the server calls it once the response is sent). Recorded and audited like `create`.
   */
  async snapshot(ctx: CallContext): Promise<{ info: BackupInfo; path: string; dispose: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), 'keyward-backup-'));
    const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
    try {
      let path = '';
      const info = await this.#c.runner.run(ctx, 'backup.create', async (op) => {
        op.authorize();
        return this.#take(op, { trigger: 'download', location: 'client', path: (id) => (path = join(dir, `${id}${BACKUP_FILE_SUFFIX}`)) });
      });
      return { info, path, dispose };
    } catch (err) {
      await dispose();
      throw err;
    }
  }

  /** Backups, newest first, and the latest drill. */
  list(ctx: CallContext, input: { limit?: number } = {}): Promise<{ backups: BackupInfo[]; lastDrill: DrillRecord | null }> {
    return this.#c.runner.run(ctx, 'backup.list', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(input.limit ?? 50, 1), MAX_BACKUP_PAGE);
      const backups = (await this.#backups()).slice(0, limit);
      const drills = await this.#drills();
      op.details['returned'] = backups.length;
      return { backups, lastDrill: drills[0] ?? null };
    });
  }

  /** Drill reports, newest first. */
  drills(ctx: CallContext, input: { limit?: number } = {}): Promise<DrillRecord[]> {
    return this.#c.runner.run(ctx, 'dr.list', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(input.limit ?? 20, 1), MAX_BACKUP_PAGE);
      const drills = (await this.#drills()).slice(0, limit);
      op.details['returned'] = drills.length;
      return drills;
    });
  }

  /**
   * A disaster-recovery drill (lifecycle/backup/drill.ts) on `backup` — a server-side backup's id,
   * or 'latest' (the default). With no server-side backup, 'latest' takes a fresh snapshot into the
   * drill's scratch directory first. The scratch instance is unsealed with `shares` if given (the
   * full recovery procedure), else with this node's root key. A failed drill is a result
   * (`passed: false`), recorded and audited like a passed one.
   */
  drill(ctx: CallContext, input: { backup?: string; shares?: readonly string[] } = {}): Promise<DrillRecord> {
    return this.#c.runner.run(ctx, 'dr.drill', async (op) => {
      op.authorize();
      const secrets = copySecrets(this.#c.seal.secrets());
      const scratch = await mkdtemp(join(tmpdir(), 'keyward-drill-'));
      try {
        const wanted = input.backup ?? 'latest';
        const recorded = await this.#pick(wanted);
        if (!recorded && wanted !== 'latest') throw new KeywardError('not_found', `no backup "${wanted.slice(0, 64)}" is kept on this server`, { backup: wanted.slice(0, 64) });
        let path: string;
        let snapshotMs: number | null = null;
        if (recorded) {
          path = join(this.#o.dir as string, recorded.file as string);
        } else {
          const started = performance.now();
          path = join(scratch, `drill${BACKUP_FILE_SUFFIX}`);
          await this.#write({ path, id: newId('bk'), createdBy: ctx.principal.actor, secrets });
          snapshotMs = Math.round((performance.now() - started) * 10) / 10;
        }
        const restoreDir = join(scratch, 'restore');
        const report = await runDrill({
          path,
          unlock: input.shares && input.shares.length > 0 ? { shares: input.shares } : { secrets },
          expected: { instanceId: this.#c.audit.origin, ...(recorded ? { sha256: recorded.sha256 } : {}) },
          scratch: {
            open: async () => {
              await mkdir(restoreDir, { mode: 0o700 });
              return SqliteStore.open({ path: join(restoreDir, 'keyward.db') });
            },
            dispose: () => rm(restoreDir, { recursive: true, force: true }),
          },
          clock: this.#c.clock,
        });
        const record: DrillRecord = { id: newId('drill'), ...report, source: recorded ? 'recorded' : 'fresh', snapshotMs, requestedBy: ctx.principal.actor };
        const failed = report.steps.find((s) => s.status === 'failed');
        op.details['drillId'] = record.id;
        op.details['backupId'] = report.backupId;
        op.details['source'] = record.source;
        op.details['passed'] = report.passed;
        op.details['failedStep'] = failed?.name ?? null;
        op.details['totalMs'] = report.totalMs;
        op.details['samples'] = `${report.samples.filter((s) => s.ok).length}/${report.samples.length}`;
        op.mutation = async (tx) => {
          await tx.putDocument({ kind: 'dr-drill', id: record.id, ref: report.backupId, data: record as unknown as JsonValue, updatedAt: report.finishedAt }, null);
        };
        return record;
      } finally {
        secrets.rootKey.fill(0);
        secrets.auditSigningKey.fill(0);
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }

  /** The scheduled backup job, or null when no schedule is configured. Runs only on the scheduler leader. */
  job(): LeaderJob | null {
    const interval = this.#o.intervalMs;
    if (!interval || !this.#o.dir) return null;
    let timer: NodeJS.Timeout | null = null;
    return {
      name: 'backup',
      start: () => {
        timer ??= setInterval(() => void this.runScheduled(), interval);
        timer.unref();
      },
      stop: () => {
        if (timer) clearInterval(timer);
        timer = null;
      },
    };
  }

  /** One scheduled round: a backup into the directory, then retention. Never rejects; overlapping rounds are skipped. */
  runScheduled(): Promise<void> {
    this.#scheduledRun ??= (async () => {
      const ctx: CallContext = { principal: systemPrincipal('scheduler'), source: 'scheduler' };
      try {
        await this.create(ctx, { trigger: 'schedule' });
        await this.prune(ctx);
      } catch (err) {
        this.#o.onError?.(err);
      } finally {
        this.#scheduledRun = null;
      }
    })();
    return this.#scheduledRun;
  }

  /** Resolves once a scheduled round in flight (if any) has finished; the engine waits for it before closing the store. */
  async settle(): Promise<void> {
    await this.#scheduledRun;
  }

  /** Deletes server-side backup files beyond the newest `retain`; their records stay, marked pruned. */
  async prune(ctx: CallContext): Promise<string[]> {
    const dir = this.#o.dir;
    const retain = this.#o.retain ?? DEFAULT_RETAIN;
    const pruned = await this.#c.runner.run(ctx, 'backup.prune', async (op) => {
      op.authorize();
      const kept = (await this.#backupDocuments()).filter((d) => d.data.location === 'server' && d.data.file !== null);
      const old = kept.slice(retain);
      const prunedAt = this.#c.clock.now().toISOString();
      op.details['retain'] = retain;
      op.details['pruned'] = old.map((d) => d.id);
      op.mutation = async (tx) => {
        for (const d of old) await tx.putDocument({ kind: 'backup', id: d.id, data: { ...d.data, file: null, prunedAt } as unknown as JsonValue, updatedAt: prunedAt }, d.revision);
      };
      return old;
    });
    // Files go only once their records say so: a failed audit leaves both as they were.
    for (const d of pruned) if (dir && d.data.file && BACKUP_FILE.test(d.data.file)) await rm(join(dir, d.data.file), { force: true });
    return pruned.map((d) => d.id);
  }

  /** Writes the file and records it; `op` is a backup.create in flight. */
  async #take(op: Operation, where: { trigger: BackupTrigger; location: 'server' | 'client'; path: (id: string) => string }): Promise<BackupInfo> {
    const secrets = copySecrets(this.#c.seal.secrets());
    const id = newId('bk');
    const path = where.path(id);
    try {
      const written = await this.#write({ path, id, createdBy: op.ctx.principal.actor, secrets });
      const info: BackupInfo = {
        id,
        createdAt: written.header.createdAt,
        createdBy: written.header.createdBy,
        trigger: where.trigger,
        location: where.location,
        file: where.location === 'server' ? `${id}${BACKUP_FILE_SUFFIX}` : null,
        sha256: written.sha256,
        sizeBytes: written.sizeBytes,
        auditHead: written.header.auditHead,
        counts: written.summary.counts,
        prunedAt: null,
      };
      op.details['backupId'] = id;
      op.details['trigger'] = where.trigger;
      op.details['location'] = where.location;
      op.details['sha256'] = written.sha256;
      op.details['sizeBytes'] = written.sizeBytes;
      op.details['auditHeadSeq'] = written.header.auditHead.seq;
      op.details['keys'] = written.summary.counts.keys;
      op.details['samples'] = written.samples.map((s) => s.keyId);
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: 'backup', id, data: info as unknown as JsonValue, updatedAt: info.createdAt }, null);
      };
      return info;
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    } finally {
      secrets.rootKey.fill(0);
      secrets.auditSigningKey.fill(0);
    }
  }

  async #write(o: { path: string; id: string; createdBy: string; secrets: BackupSecrets }): Promise<WrittenBackup & { samples: BackupSample[] }> {
    const seal = this.#c.seal.record;
    if (!seal) throw new KeywardError('sealed', 'Keyward is not initialised yet');
    // Everything acknowledged so far is in the store before the head is read.
    await this.#c.audit.flush();
    const samples = await this.#samples(o.id, o.secrets.rootKey);
    const written = await writeBackup({
      store: this.#c.store,
      path: o.path,
      secrets: o.secrets,
      seal,
      instanceId: this.#c.audit.origin,
      backupId: o.id,
      createdAt: this.#c.clock.now().toISOString(),
      createdBy: o.createdBy,
      samples,
    });
    return { ...written, samples };
  }

  /**
   * Encrypts 32 random bytes under up to `samples` active AES keys (current version, context naming
   * the backup) and keeps the ciphertext and the plaintext's SHA-256; the plaintext is discarded.
   * Each one is charged to its key's encryption budget. A key that cannot encrypt now is skipped.
   */
  async #samples(backupId: string, rootKey: Buffer): Promise<BackupSample[]> {
    const wanted = this.#o.samples ?? DEFAULT_SAMPLES;
    if (wanted === 0) return [];
    const keys = await this.#c.store.listKeys({ state: 'active', spec: 'AES_256_GCM', limit: wanted });
    const samples: BackupSample[] = [];
    for (const key of keys) {
      const version = await this.#c.store.getKeyVersion(key.id, key.currentVersion);
      if (!version?.wrappedMaterial) continue;
      try {
        const live = this.#c.ring.load(rootKey, key.spec, key.usage, version);
        await this.#c.budget.take(key.id, version.version, key.name);
        const plaintext = randomBytes(32);
        const context = { 'keyward:backup': backupId };
        const ciphertext = formatCiphertext({ keyId: key.id, version: version.version, body: encryptBody(live, plaintext, context) });
        samples.push({ keyId: key.id, keyName: key.name, version: version.version, ciphertext, context, plaintextSha256: createHash('sha256').update(plaintext).digest('hex') });
        plaintext.fill(0);
      } catch (err) {
        if (!(err instanceof KeywardError)) throw err;
      }
    }
    return samples;
  }

  /** A server-side backup to drill on: 'latest' (whose file is still there), or one by id; null if none. */
  async #pick(wanted: string): Promise<BackupInfo | null> {
    if (!this.#o.dir) return null;
    const candidates = (await this.#backups()).filter((b) => b.location === 'server' && b.file !== null && BACKUP_FILE.test(b.file) && (wanted === 'latest' || b.id === wanted));
    for (const b of candidates) {
      const present = await stat(join(this.#o.dir, b.file as string)).then(
        (s) => s.isFile(),
        () => false,
      );
      if (present) return b;
      if (wanted !== 'latest') throw new KeywardError('not_found', `the file of backup ${b.id} is no longer in the backup directory`, { backup: b.id });
    }
    return null;
  }

  async #backups(): Promise<BackupInfo[]> {
    return (await this.#backupDocuments()).map((d) => d.data);
  }

  /** Every 'backup' document, newest first. Backups number in the hundreds, so they are sorted in memory. */
  async #backupDocuments(): Promise<DocumentRecord<BackupInfo>[]> {
    const docs = await allOfKind<BackupInfo>(this.#c.store, 'backup');
    return docs.sort((a, b) => (a.data.createdAt < b.data.createdAt ? 1 : a.data.createdAt > b.data.createdAt ? -1 : 0));
  }

  async #drills(): Promise<DrillRecord[]> {
    const docs = await allOfKind<DrillRecord>(this.#c.store, 'dr-drill');
    return docs.map((d) => d.data).sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }
}

async function allOfKind<T>(store: EngineContext['store'], kind: string): Promise<DocumentRecord<T>[]> {
  const out: DocumentRecord<T>[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.listDocuments<T>(kind, { limit: 500, ...(after !== undefined ? { after } : {}) });
    out.push(...page);
    if (page.length < 500) return out;
    after = page[page.length - 1]?.id;
  }
}

/** Copies, so sealing the node meanwhile (which zero-fills its own) cannot corrupt a backup half-written. */
function copySecrets(s: BackupSecrets): BackupSecrets {
  return { rootKey: Buffer.from(s.rootKey), auditSigningKey: Buffer.from(s.auditSigningKey) };
}
