import type { Clock } from '../core/clock.ts';
import { KeywardError, toKeywardError } from '../core/errors.ts';
import type { Store, StoreTx } from '../storage/store.ts';
import type { AuditDraft, AuditRecord, CheckpointRecord } from '../storage/records.ts';
import { linkEntries } from './audit-chain.ts';
import { signCheckpoint, type CheckpointFile, type CheckpointSigner } from './checkpoints.ts';

/** Work to do in the same transaction as an audit entry (a key update, a new version…). */
export type AuditedMutation = (tx: StoreTx) => Promise<void>;

/** Told of every batch of entries once it is durable, in sequence order (see `AuditLog.subscribe`). */
export type CommitListener = (records: readonly AuditRecord[]) => void;

export interface AuditLogOptions {
  readonly store: Store;
  readonly origin: string;
  readonly clock: Clock;
  /** Write a signed checkpoint after this many new entries. */
  readonly checkpointEvery?: number;
  /** …and this often, even when idle, while periodic checkpoints run (`startPeriodicCheckpoints`). */
  readonly checkpointIntervalMs?: number;
  readonly checkpointFile?: CheckpointFile | null;
  /** Called after each durable batch, for metrics. */
  readonly onCommit?: (entries: number, ms: number) => void;
  /** Called when a background checkpoint fails (the next one retries). */
  readonly onCheckpointError?: (err: unknown) => void;
}

interface Pending {
  readonly draft: AuditDraft;
  readonly mutate: AuditedMutation | undefined;
  readonly resolve: (r: AuditRecord) => void;
  readonly reject: (e: unknown) => void;
}

/** Group commits never grow past this, so one slow batch cannot hold a huge queue hostage. */
const MAX_BATCH = 1024;
/** One batch committing while the previous one waits for its fsync. */
const MAX_BATCHES_IN_FLIGHT = 2;

/**
 * The append-only, hash-chained audit log. `record` resolves only once the entry is committed
 * durably (and rejects with `audit_failed` if it could not be), so callers that await it before
 * answering never acknowledge an unaudited operation. Entries that arrive while a commit is in
 * flight are committed together in the next one (group commit).
 */
export class AuditLog {
  readonly #o: AuditLogOptions;
  #queue: Pending[] = [];
  /** Batches being committed or made durable; at most MAX_BATCHES_IN_FLIGHT. */
  readonly #flushing = new Set<Promise<void>>();
  /** A batch is gathering (waiting for the current turn of the event loop to end). */
  #gathering = false;
  #signer: CheckpointSigner | null = null;
  #sinceCheckpoint = 0;
  #timer: NodeJS.Timeout | null = null;
  #checkpointing: Promise<CheckpointRecord | null> | null = null;
  readonly #listeners = new Set<CommitListener>();

  constructor(options: AuditLogOptions) {
    this.#o = options;
  }

  get origin(): string {
    return this.#o.origin;
  }

  /** Appends an entry (after running `mutate` in the same transaction). Rejects with the mutation's error, once its failure is audited. */
  record(draft: AuditDraft, mutate?: AuditedMutation): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ draft, mutate, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Calls `listener` after each batch of entries is durable (committed), with the batch in sequence
   * order — entries of this node only: other nodes sharing the database are not seen here. Called
   * before the batch's callers are answered; a listener must be quick and not throw (its errors are
   * swallowed, so it cannot fail an operation). Returns the unsubscribe function.
   */
  subscribe(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves when everything recorded so far is durable. */
  async flush(): Promise<void> {
    while (this.#flushing.size > 0 || this.#queue.length > 0) {
      if (this.#flushing.size === 0) this.#schedule();
      await Promise.all(this.#flushing);
    }
    await this.#checkpointing;
  }

  /** Installs (or drops, on seal) the checkpoint signer. Dropping it also stops periodic checkpoints. */
  setSigner(signer: CheckpointSigner | null): void {
    this.#signer = signer;
    if (!signer) this.stopPeriodicCheckpoints();
  }

  /**
   * Signs a checkpoint every `checkpointIntervalMs`, even when idle, until stopped. With several
   * nodes only one should (the engine runs this while it holds the scheduler lease); ticks while
   * sealed are skipped.
   */
  startPeriodicCheckpoints(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#signer) void this.checkpoint().catch(() => undefined);
    }, this.#o.checkpointIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  stopPeriodicCheckpoints(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Signs the current head, stores it in the database and appends it to the checkpoint file. */
  checkpoint(): Promise<CheckpointRecord | null> {
    if (!this.#signer) return Promise.reject(new KeywardError('sealed', 'checkpoints need an unsealed node'));
    const signer = this.#signer;
    const run = async (): Promise<CheckpointRecord | null> => {
      const checkpoint = await this.#o.store.transaction(async (tx) => {
        const head = await tx.lockAuditHead();
        const c = signCheckpoint(signer, { origin: this.#o.origin, size: head.seq, chainHash: head.chainHash, time: this.#o.clock.now().toISOString() });
        await tx.insertCheckpoint(c);
        return c;
      });
      this.#o.checkpointFile?.append(checkpoint);
      this.#sinceCheckpoint = 0;
      return checkpoint;
    };
    const p = (this.#checkpointing ?? Promise.resolve(null)).then(run, run);
    this.#checkpointing = p.catch((err: unknown) => {
      this.#o.onCheckpointError?.(err);
      return null;
    });
    return p;
  }

  async close(): Promise<void> {
    await this.flush();
    this.setSigner(null);
  }

  /**
   * Starts a batch unless one is gathering or MAX_BATCHES_IN_FLIGHT are in flight. Two in flight
   * let the next batch commit while the previous one waits for its fsync (the store keeps their
   * transactions in order, and the chain links each batch to the head its transaction reads).
   */
  #schedule(): void {
    if (this.#gathering || this.#flushing.size >= MAX_BATCHES_IN_FLIGHT) return;
    this.#gathering = true;
    const batch: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        this.#gathering = false;
        return this.#flushBatch();
      })
      .finally(() => {
        this.#flushing.delete(batch);
        if (this.#queue.length > 0) this.#schedule();
      });
    this.#flushing.add(batch);
  }

  async #flushBatch(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const started = performance.now();
    const failures = new Map<Pending, unknown>();
    let records: AuditRecord[];
    try {
      records = await this.#o.store.transaction(async (tx) => {
        const drafts: AuditDraft[] = [];
        for (const item of batch) {
          if (!item.mutate) {
            drafts.push(item.draft);
            continue;
          }
          try {
            await tx.savepoint(() => (item.mutate as AuditedMutation)(tx));
            drafts.push(item.draft);
          } catch (err) {
            const e = toKeywardError(err);
            failures.set(item, e);
            drafts.push({ ...item.draft, outcome: 'failure', errorCode: e.code });
          }
        }
        const head = await tx.lockAuditHead();
        const linked = linkEntries(head, this.#o.origin, drafts);
        await tx.insertAuditEntries(linked);
        return linked;
      });
    } catch (err) {
      for (const item of batch) item.reject(commitFailure(err));
      return;
    }
    try {
      this.#o.onCommit?.(records.length, performance.now() - started);
    } catch {
      // A metrics callback must not strand callers whose entries are already durable.
    }
    for (const listener of this.#listeners) {
      try {
        listener(records);
      } catch {
        // Subscribers (event streams, webhooks) must not strand callers whose entries are durable.
      }
    }
    batch.forEach((item, i) => {
      const failure = failures.get(item);
      if (failure) item.reject(failure);
      else item.resolve(records[i] as AuditRecord);
    });
    this.#sinceCheckpoint += records.length;
    if (this.#signer && this.#sinceCheckpoint >= (this.#o.checkpointEvery ?? 1000)) {
      this.#sinceCheckpoint = 0;
      void this.checkpoint().catch(() => undefined);
    }
  }
}

/**
 * What callers of a failed group commit get. The database being unreachable is `storage_unavailable`
 * (503, retry later), so clients and operators see the same code as for any other storage outage;
 * every other failure to write the log is `audit_failed`. Either way the operation was not performed.
 */
function commitFailure(err: unknown): KeywardError {
  if (err instanceof KeywardError && err.code === 'storage_unavailable') {
    return new KeywardError('storage_unavailable', `the audit log could not be written (${err.message}); the operation was not performed`, err.details, { cause: err });
  }
  return new KeywardError('audit_failed', 'the audit log could not be written; the operation was not performed', {}, { cause: err });
}
