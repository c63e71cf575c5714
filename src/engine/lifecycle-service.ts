import { KeywardError } from '../core/errors.ts';
import { IntervalJob } from './interval-job.ts';
import { liveKey } from './live-key.ts';
import { newId } from '../core/ids.ts';
import { systemPrincipal, type CallContext } from '../auth/principal.ts';
import { SPEC_INFO } from '../crypto/key-specs.ts';
import { decryptBody, encryptBody } from '../keys/key-crypto.ts';
import { MAX_TEXT } from '../keys/key-input.ts';
import type { LiveKey } from '../keys/key-ring.ts';
import { requireAllowed } from '../keys/key-states.ts';
import { sweepDeletions, type DeletionSweepReport } from '../lifecycle/deletion/deletion-sweep.ts';
import { KEY_DELETION_KIND, scheduledDeletionLookup, type DeletionStatus, type KeyDeletion } from '../lifecycle/deletion/key-deletion.ts';
import { requireRetentionOver, retentionHold } from '../lifecycle/deletion/retention.ts';
import { resolveWaitingPeriod, waitingPeriodRange } from '../lifecycle/deletion/waiting-period.ts';
import { DEFAULT_STALE_AFTER_DAYS, RotationImpactBuilder, type RotationImpact } from '../lifecycle/rotation/impact.ts';
import { countsDetail, newRewrapJob, REWRAP_JOB_KIND, withBatch, type RewrapJob } from '../lifecycle/rotation/rewrap-job.ts';
import { MAX_REWRAP_BATCH, rewrapItems, type RewrapItem, type RewrapResult, type RewrapTally } from '../lifecycle/rotation/rewrap.ts';
import { sweepRotations, type RotationSweepReport } from '../lifecycle/rotation/rotation-sweep.ts';
import type { DocumentRecord, KeyRecord } from '../storage/records.ts';
import type { StoreTx } from '../storage/store.ts';
import type { EngineContext } from './engine-context.ts';
import type { KeyAdmin } from './key-admin.ts';
import type { Operation } from './operation.ts';
import type { LeaderJob } from './scheduler.ts';

const DAY_MS = 86_400_000;
/** Audit entries read per page by the rotation impact. */
const AUDIT_PAGE = 1000;
/** Deletion records read per page when listing. */
const DOCUMENT_PAGE = 500;
/** How often the rotation and deletion jobs look for due keys on the leader, unless told otherwise. */
export const DEFAULT_LIFECYCLE_INTERVAL_MS = 60_000;

/** Who the schedulers act as in the audit log. */
const SCHEDULER: CallContext = { principal: systemPrincipal('scheduler'), source: 'scheduler' };

/** A deletion record as callers see it: the record, and the retention end that will hold destruction back, if any. */
export type DeletionView = KeyDeletion & { readonly retainedUntil: string | null };

export interface RewrapBatchResult {
  readonly keyId: string;
  /** The version the items were rewrapped to. */
  readonly version: number;
  readonly jobId: string | null;
  readonly results: readonly RewrapResult[];
  readonly items: number;
  readonly rewrapped: number;
  readonly unchanged: number;
  readonly failed: number;
}

export interface RewrapFinishResult {
  readonly job: RewrapJob;
  /** What happened to the key's minimum decryption version. */
  readonly minDecryptionVersion: { readonly raised: boolean; readonly from: number; readonly to: number; readonly note: string };
}

/**
 * Key lifecycle: scheduled rotation, bulk rewrap, rotation impact, scheduled deletion with its
 * waiting period and retention guard. The rotation and deletion jobs run only on the node holding
 * the scheduler lease (see `schedulerJobs`), as `system:scheduler`.
 *
 * @example
 * const d = await engine.lifecycle.scheduleDeletion(ctx, 'old-key', { waitingPeriodDays: 7 });
 * // … the key is suspended; within 7 days:
 * await engine.lifecycle.cancelDeletion(ctx, 'old-key');
 */
export class LifecycleService {
  readonly #c: EngineContext;
  /** The engine's key service as it is when called (a wrapper installed later, e.g. for approvals, applies). */
  readonly #keys: () => KeyAdmin;
  /** Due keys the rotation job already refused, this leader term: key id → `revision:code`. */
  readonly #refusedRotations = new Map<string, string>();

  constructor(c: EngineContext, keys: () => KeyAdmin) {
    this.#c = c;
    this.#keys = keys;
  }

  // --- Scheduled rotation -------------------------------------------------------------------

  /**
   * Rotates every key whose rotation period has passed, as `system:scheduler` (audited `key.rotate`
   * with `trigger: schedule`). What the rotation job runs on the leader; safe anywhere, since a
   * rotation applies only to the key revision it was decided on.
   */
  rotateDueKeys(active: () => boolean = () => true): Promise<RotationSweepReport> {
    return sweepRotations(
      {
        store: this.#c.store,
        now: () => this.#c.clock.now(),
        active,
        rotate: async (key, dueAt) => {
          await this.#keys().rotateScheduled(SCHEDULER, key.id, {
            expectedRevision: key.revision,
            details: { trigger: 'schedule', dueAt: dueAt.toISOString(), rotationPeriodDays: key.rotationPeriodDays },
          });
        },
        refuse: (key, blocker) =>
          this.#c.runner.run(SCHEDULER, 'key.rotate', async (op) => {
            op.forKey(key, key.currentVersion);
            op.details['trigger'] = 'schedule';
            throw new KeywardError(blocker.code, blocker.message, { state: key.state });
          }),
      },
      this.#refusedRotations,
    );
  }

  // --- Rotation impact ----------------------------------------------------------------------

  /**
   * Who still encrypts with, or decrypts data of, superseded versions of a key after the rotation
   * that superseded them, and when they last did (from the audit log). `since` narrows the entries
   * read (default: from the first rotation); `staleAfterDays` (default 7) marks principals still on
   * an old version that long after its rotation.
   */
  rotationImpact(ctx: CallContext, ref: string, options: { staleAfterDays?: number; since?: string } = {}): Promise<RotationImpact & { readonly keyName: string }> {
    return this.#c.runner.run(ctx, 'key.rotation-impact', async (op) => {
      const staleAfterDays = options.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS;
      if (!Number.isInteger(staleAfterDays) || staleAfterDays < 0 || staleAfterDays > 3650) {
        throw new KeywardError('validation_failed', 'staleAfterDays must be whole days from 0 to 3650', { field: 'staleAfterDays' });
      }
      const since = options.since === undefined ? undefined : canonicalTime(options.since, 'since');
      const key = await this.#freshKey(op, ref);
      op.forKey(key, key.currentVersion);
      const versions = (await this.#c.store.listKeyVersions(key.id)).map((v) => ({ version: v.version, createdAt: v.createdAt }));
      const builder = new RotationImpactBuilder({ keyId: key.id, versions, now: this.#c.clock.now(), staleAfterDays });
      // Before the first rotation no version is superseded, so earlier entries cannot count.
      const from = since ?? versions.find((v) => v.version === 2)?.createdAt;
      if (from !== undefined) {
        await this.#c.audit.flush();
        const head = (await this.#c.store.auditHead()).seq;
        for (let afterSeq = 0; ; ) {
          const page = await this.#c.store.queryAudit({ keyId: key.id, since: from, afterSeq, limit: AUDIT_PAGE });
          for (const entry of page) if (entry.seq <= head) builder.add(entry);
          const last = page[page.length - 1];
          if (page.length < AUDIT_PAGE || !last || last.seq >= head) break;
          afterSeq = last.seq;
        }
      }
      const impact = builder.result();
      Object.assign(op.details, { staleAfterDays, entriesScanned: impact.entriesScanned, principals: impact.summary.principals, stale: impact.summary.stale });
      return { ...impact, keyName: key.name };
    });
  }

  // --- Bulk rewrap --------------------------------------------------------------------------

  /** Starts a rewrap job: batches that name it are counted on it, and its finish may raise the minimum decryption version. */
  startRewrapJob(ctx: CallContext, ref: string): Promise<RewrapJob> {
    return this.#c.runner.run(ctx, 'key.rewrap-start', async (op) => {
      const key = await this.#freshKey(op, ref);
      op.forKey(key, key.currentVersion);
      requireRewrappable(key);
      const job = newRewrapJob(newId('rwj'), key, ctx.principal.actor, this.#c.clock.now().toISOString());
      op.details['jobId'] = job.id;
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: REWRAP_JOB_KIND, id: job.id, ref: key.id, data: job, updatedAt: job.startedAt }, null);
      };
      return job;
    });
  }

  describeRewrapJob(ctx: CallContext, ref: string, jobId: string): Promise<RewrapJob> {
    return this.#c.runner.run(ctx, 'key.rewrap-describe', async (op) => {
      const key = await this.#freshKey(op, ref);
      op.forKey(key);
      op.details['jobId'] = jobId;
      return (await this.#rewrapJob(key, jobId)).data;
    });
  }

  /**
   * Re-encrypts up to MAX_REWRAP_BATCH ciphertexts of the key under its current version (each with
   * its own encryption context, kept for the new ciphertext). Items fail alone; the batch is one
   * audit entry with the counts and the versions seen. With `jobId`, the counts go on the job.
   */
  rewrap(ctx: CallContext, ref: string, input: { items: readonly RewrapItem[]; jobId?: string }): Promise<RewrapBatchResult> {
    return this.#c.runner.run(ctx, 'key.rewrap', async (op) => {
      op.precheck();
      if (!Array.isArray(input.items) || input.items.length === 0 || input.items.length > MAX_REWRAP_BATCH) {
        throw new KeywardError('validation_failed', `a rewrap batch holds 1 to ${MAX_REWRAP_BATCH} items`, { field: 'items', limit: MAX_REWRAP_BATCH });
      }
      const key = await this.#freshKey(op, ref);
      op.forKey(key, key.currentVersion);
      requireRewrappable(key);
      const job = input.jobId === undefined ? null : await this.#rewrapJob(key, input.jobId, 'running');
      const { results, tally } = await rewrapItems(input.items, {
        keyId: key.id,
        keyName: key.name,
        currentVersion: key.currentVersion,
        minDecryptionVersion: key.minDecryptionVersion,
        decrypt: async (version, body, context) => decryptBody(await this.#live(key, version), body, context),
        encrypt: async (plaintext, context) => {
          const live = await this.#live(key, key.currentVersion);
          if (SPEC_INFO[key.spec].family === 'aes') await this.#c.budget.take(key.id, live.version, key.name);
          return encryptBody(live, plaintext, context);
        },
      });
      describeTally(op, tally);
      if (job) {
        op.details['jobId'] = job.id;
        const updated = withBatch(job.data, tally, key.currentVersion);
        op.mutation = async (tx) => {
          await tx.putDocument({ kind: REWRAP_JOB_KIND, id: job.id, ref: key.id, data: updated, updatedAt: this.#c.clock.now().toISOString() }, job.revision);
        };
      }
      return { keyId: key.id, version: key.currentVersion, jobId: job?.id ?? null, results, items: tally.items, rewrapped: tally.rewrapped, unchanged: tally.unchanged, failed: tally.failed };
    });
  }

  /**
   * Ends a rewrap job. With `raiseMinVersion`, and only if none of the job's items failed, then
   * raises the key's minimum decryption version to the version the job rewrapped to, through
   * `key.set-min-decryption-version` (its own audit entry and permission). Finishing again retries
   * a raise that did not happen.
   */
  async finishRewrapJob(ctx: CallContext, ref: string, jobId: string, options: { raiseMinVersion?: boolean } = {}): Promise<RewrapFinishResult> {
    const raise = options.raiseMinVersion === true;
    const { job, key } = await this.#c.runner.run(ctx, 'key.rewrap-finish', async (op) => {
      const fresh = await this.#freshKey(op, ref);
      op.forKey(fresh, fresh.currentVersion);
      const doc = await this.#rewrapJob(fresh, jobId);
      Object.assign(op.details, { jobId, raiseMinVersion: raise, items: doc.data.items, failed: doc.data.failed });
      if (raise && doc.data.failed > 0) {
        throw new KeywardError('validation_failed', `${doc.data.failed} item(s) of rewrap job ${jobId} failed; the minimum decryption version is raised only when every item was rewrapped`, {
          field: 'raiseMinVersion',
        });
      }
      if (doc.data.status === 'finished') return { job: doc.data, key: fresh };
      const now = this.#c.clock.now().toISOString();
      const finished: RewrapJob = { ...doc.data, status: 'finished', finishedAt: now, finishedBy: ctx.principal.actor };
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: REWRAP_JOB_KIND, id: jobId, ref: fresh.id, data: finished, updatedAt: now }, doc.revision);
      };
      return { job: finished, key: fresh };
    });
    const from = key.minDecryptionVersion;
    const target = job.targetVersion;
    if (!raise) return { job, minDecryptionVersion: { raised: false, from, to: from, note: 'not asked to raise it' } };
    if (target === null) return { job, minDecryptionVersion: { raised: false, from, to: from, note: 'the job rewrapped nothing' } };
    if (target <= from) return { job, minDecryptionVersion: { raised: false, from, to: from, note: `already ${from}` } };
    await this.#keys().setMinDecryptionVersion(ctx, key.id, target);
    const raisedJob: RewrapJob = { ...job, minDecryptionVersionRaisedTo: target };
    // Bookkeeping on the job; the raise itself is audited as key.set-min-decryption-version.
    await this.#c.store.transaction(async (tx) => {
      const current = await this.#c.store.getDocument<RewrapJob>(REWRAP_JOB_KIND, jobId);
      if (current) await tx.putDocument({ kind: REWRAP_JOB_KIND, id: jobId, ref: key.id, data: { ...current.data, minDecryptionVersionRaisedTo: target }, updatedAt: this.#c.clock.now().toISOString() }, current.revision);
    });
    return { job: raisedJob, minDecryptionVersion: { raised: true, from, to: target, note: `versions below ${target} no longer decrypt` } };
  }

  async #rewrapJob(key: KeyRecord, jobId: string, status?: RewrapJob['status']): Promise<DocumentRecord<RewrapJob>> {
    const doc = typeof jobId === 'string' && jobId.length <= 64 ? await this.#c.store.getDocument<RewrapJob>(REWRAP_JOB_KIND, jobId) : null;
    if (!doc || doc.data.keyId !== key.id) throw new KeywardError('not_found', `key "${key.name}" has no rewrap job ${String(jobId).slice(0, 64)}`);
    if (status && doc.data.status !== status) throw new KeywardError('validation_failed', `rewrap job ${jobId} is ${doc.data.status}; start a new one`, { field: 'jobId' });
    return doc;
  }

  #live(key: KeyRecord, version: number): Promise<LiveKey> {
    return liveKey(this.#c, key, version);
  }

  // --- Scheduled deletion -------------------------------------------------------------------

  /**
   * Schedules the key's destruction after a waiting period (7–30 days, default 30, narrowed by the
   * deletion policy). Until then the key is suspended — no use at all — and only its metadata may
   * change; `cancelDeletion` restores its state. The record names who asked and, when the call
   * carries an approval, who approved.
   */
  scheduleDeletion(ctx: CallContext, ref: string, input: { waitingPeriodDays?: number; reason?: string } = {}): Promise<DeletionView> {
    return this.#mutateKey(ctx, 'key.schedule-deletion', ref, async (op, key, now) => {
      const reason = checkReason(input.reason);
      if (key.state === 'destroyed') throw new KeywardError('key_state_invalid', `key "${key.name}" is already destroyed`, { state: key.state });
      const existing = await this.#c.store.findDocument<KeyDeletion>(KEY_DELETION_KIND, scheduledDeletionLookup(key.id));
      if (existing) throw new KeywardError('key_state_invalid', `key "${key.name}" is already scheduled for deletion after ${existing.data.deleteAfter}`, { state: key.state });
      const policy = this.#c.deletionPolicy;
      const range = waitingPeriodRange(policy?.waitingPeriod ? await policy.waitingPeriod(key) : null);
      const days = resolveWaitingPeriod(input.waitingPeriodDays, range);
      const deleteAfter = new Date(now.getTime() + days * DAY_MS);
      const approvers = ctx.approval?.approvers ?? [];
      const deletion: KeyDeletion = {
        id: newId('kdel'),
        keyId: key.id,
        keyName: key.name,
        status: 'scheduled',
        scheduledAt: now.toISOString(),
        waitingPeriodDays: days,
        deleteAfter: deleteAfter.toISOString(),
        previousState: key.state,
        requestedBy: ctx.principal.actor,
        reason,
        approvalId: ctx.approval?.id ?? null,
        authorisedBy: [...new Set([ctx.principal.actor, ...approvers])],
        cancelledAt: null,
        cancelledBy: null,
        cancelReason: null,
        destroyedAt: null,
        destroyedBy: null,
        lastRefusal: null,
      };
      const hold = await retentionHold(key, deleteAfter, policy);
      Object.assign(op.details, {
        deletionId: deletion.id,
        waitingPeriodDays: days,
        deleteAfter: deletion.deleteAfter,
        from: key.state,
        to: 'suspended',
        authorisedBy: deletion.authorisedBy,
        ...(reason !== null ? { reason } : {}),
        ...(hold ? { retainedUntil: hold.until } : {}),
      });
      return {
        result: { ...deletion, retainedUntil: hold?.until ?? null },
        patch: { state: 'suspended', stateChangedAt: now.toISOString() },
        write: (tx) => tx.putDocument({ kind: KEY_DELETION_KIND, id: deletion.id, lookup: scheduledDeletionLookup(key.id), ref: key.id, data: deletion, updatedAt: deletion.scheduledAt }, null),
      };
    });
  }

  /** Cancels the key's scheduled deletion and restores the state it had. */
  cancelDeletion(ctx: CallContext, ref: string, input: { reason?: string } = {}): Promise<DeletionView> {
    return this.#mutateKey(ctx, 'key.cancel-deletion', ref, async (op, key, now) => {
      const reason = checkReason(input.reason);
      const doc = await this.#c.store.findDocument<KeyDeletion>(KEY_DELETION_KIND, scheduledDeletionLookup(key.id));
      if (!doc) throw new KeywardError('not_found', `no deletion is scheduled for key "${key.name}"`);
      const at = now.toISOString();
      const cancelled: KeyDeletion = { ...doc.data, status: 'cancelled', cancelledAt: at, cancelledBy: ctx.principal.actor, cancelReason: reason };
      // The key stays suspended while held, so this is the state it goes back to.
      const restore = key.state === 'suspended' ? doc.data.previousState : key.state;
      Object.assign(op.details, { deletionId: doc.id, from: key.state, to: restore, ...(reason !== null ? { reason } : {}) });
      return {
        result: { ...cancelled, retainedUntil: null },
        patch: restore === key.state ? {} : { state: restore, stateChangedAt: at },
        write: (tx) => tx.putDocument({ kind: KEY_DELETION_KIND, id: doc.id, lookup: null, ref: key.id, data: cancelled, updatedAt: at }, doc.revision),
      };
    });
  }

  /**
   * Deletion records: a key's (every one, newest first), or across keys those in `status`
   * (default scheduled, soonest first). Across keys needs the permission without a key scope.
   */
  listDeletions(ctx: CallContext, filter: { key?: string; status?: DeletionStatus } = {}): Promise<DeletionView[]> {
    return this.#c.runner.run(ctx, 'key.list-deletions', async (op) => {
      op.precheck();
      let docs: KeyDeletion[];
      if (filter.key !== undefined) {
        const key = await this.#freshKey(op, filter.key);
        op.forKey(key);
        docs = (await this.#allDeletions(key.id)).filter((d) => filter.status === undefined || d.status === filter.status);
        docs.sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt));
      } else {
        op.authorize();
        const status = filter.status ?? 'scheduled';
        docs = (await this.#allDeletions()).filter((d) => d.status === status);
        docs.sort((a, b) => a.deleteAfter.localeCompare(b.deleteAfter));
      }
      op.details['returned'] = docs.length;
      const views: DeletionView[] = [];
      for (const d of docs) views.push({ ...d, retainedUntil: d.status === 'scheduled' ? await this.#retainedUntil(d) : null });
      return views;
    });
  }

  /**
   * Destroys every key whose deletion waiting period is over, as `system:scheduler` (audited
   * `key.destroy`, `trigger: schedule`, naming who authorised it). A key still under retention is
   * refused (`retention_active`, audited once) and destroyed once the retention ends.
   */
  destroyDueKeys(active: () => boolean = () => true): Promise<DeletionSweepReport> {
    return sweepDeletions({
      store: this.#c.store,
      now: () => this.#c.clock.now(),
      active,
      destroy: (doc) => this.#destroyScheduled(doc),
      recordRefusal: (doc, refusal) =>
        this.#c.store.transaction(async (tx) => {
          await tx.putDocument({ kind: KEY_DELETION_KIND, id: doc.id, lookup: doc.lookup, ref: doc.ref, data: { ...doc.data, lastRefusal: refusal }, updatedAt: refusal.at }, doc.revision);
        }),
    });
  }

  async #destroyScheduled(listed: DocumentRecord<KeyDeletion>): Promise<void> {
    // Re-read: a deletion cancelled (or carried out by another node) since the listing is left alone, unaudited.
    const doc = await this.#c.store.getDocument<KeyDeletion>(KEY_DELETION_KIND, listed.id);
    if (!doc || doc.data.status !== 'scheduled') throw new KeywardError('conflict', `deletion ${listed.id} is no longer scheduled`);
    let keyId: string | null = null;
    try {
      await this.#c.runner.run(SCHEDULER, 'key.destroy', async (op) => {
        const d = doc.data;
        Object.assign(op.details, { trigger: 'schedule', deletionId: doc.id, requestedBy: d.requestedBy, authorisedBy: d.authorisedBy, approvalId: d.approvalId, deleteAfter: d.deleteAfter });
        const key = await this.#c.store.getKey(d.keyId);
        if (!key) throw new KeywardError('key_not_found', `key ${d.keyId} of deletion ${doc.id} no longer exists`);
        keyId = key.id;
        op.forKey(key, key.currentVersion);
        if (key.state !== 'suspended') {
          throw new KeywardError('key_state_invalid', `key "${key.name}" is ${key.state}, not held for deletion; cancel deletion ${doc.id}`, { state: key.state });
        }
        const now = this.#c.clock.now();
        await requireRetentionOver(key, now, this.#c.deletionPolicy);
        const at = now.toISOString();
        Object.assign(op.details, { from: key.state, to: 'destroyed' });
        const destroyed: KeyDeletion = { ...d, status: 'destroyed', destroyedAt: at, destroyedBy: SCHEDULER.principal.actor };
        op.mutation = async (tx) => {
          await tx.putDocument({ kind: KEY_DELETION_KIND, id: doc.id, lookup: null, ref: key.id, data: destroyed, updatedAt: at }, doc.revision);
          await tx.shredKeyMaterial(key.id);
          await tx.updateKey(key.id, key.revision, { state: 'destroyed', stateChangedAt: at, destroyedAt: at, updatedAt: at });
        };
      });
    } finally {
      if (keyId !== null) {
        this.#c.directory.invalidate(keyId);
        this.#c.ring.forget(keyId);
      }
    }
  }

  async #allDeletions(keyId?: string): Promise<KeyDeletion[]> {
    const out: KeyDeletion[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.#c.store.listDocuments<KeyDeletion>(KEY_DELETION_KIND, { limit: DOCUMENT_PAGE, ...(keyId !== undefined ? { ref: keyId } : {}), ...(after !== undefined ? { after } : {}) });
      out.push(...page.map((d) => d.data));
      if (page.length < DOCUMENT_PAGE) return out;
      after = page[page.length - 1]?.id;
    }
  }

  /** When retention will let a scheduled deletion go ahead, if later than its waiting period. */
  async #retainedUntil(d: KeyDeletion): Promise<string | null> {
    const key = await this.#c.store.getKey(d.keyId);
    if (!key) return null;
    return (await retentionHold(key, new Date(Math.max(Date.parse(d.deleteAfter), this.#c.clock.now().getTime())), this.#c.deletionPolicy))?.until ?? null;
  }

  /**
   * A key mutation with a document write: look up (fresh), authorise, plan, then write the key
   * patch (refusing lost updates) and the document in the audit entry's transaction.
   */
  async #mutateKey<T>(
    ctx: CallContext,
    action: string,
    ref: string,
    plan: (op: Operation, key: KeyRecord, now: Date) => Promise<{ result: T; patch: Partial<Pick<KeyRecord, 'state' | 'stateChangedAt'>>; write: (tx: StoreTx) => Promise<unknown> }>,
  ): Promise<T> {
    let keyId: string | null = null;
    try {
      return await this.#c.runner.run(ctx, action, async (op) => {
        const key = await this.#freshKey(op, ref);
        keyId = key.id;
        op.forKey(key, key.currentVersion);
        const now = this.#c.clock.now();
        const planned = await plan(op, key, now);
        op.mutation = async (tx) => {
          await planned.write(tx);
          await tx.updateKey(key.id, key.revision, { ...planned.patch, updatedAt: now.toISOString() });
        };
        return planned.result;
      });
    } finally {
      if (keyId !== null) this.#c.directory.invalidate(keyId);
    }
  }

  /** The key as stored now (not the directory's cached copy): lifecycle decisions must not act on stale state. */
  async #freshKey(op: Operation, ref: string): Promise<KeyRecord> {
    op.precheck();
    const key = await this.#c.store.getKey((await this.#c.directory.get(ref)).id);
    if (!key) throw new KeywardError('key_not_found', `no key "${ref.slice(0, 128)}"`);
    return key;
  }

  // --- Scheduler jobs -----------------------------------------------------------------------

  /** The rotation and deletion jobs, for the engine's Scheduler: they run only while this node leads. */
  schedulerJobs(options: { intervalMs: number; onError: (err: unknown) => void }): LeaderJob[] {
    return [
      new IntervalJob('key-rotation', options, (active) => this.rotateDueKeys(active), () => this.#refusedRotations.clear()),
      new IntervalJob('key-deletion', options, (active) => this.destroyDueKeys(active)),
    ];
  }
}

function requireRewrappable(key: KeyRecord): void {
  if (key.usage !== 'ENCRYPT_DECRYPT') throw new KeywardError('key_usage_invalid', `key "${key.name}" is a ${key.spec} key for ${key.usage}; only encryption keys are rewrapped`, { usage: key.usage });
  requireAllowed(key.name, key.state, 'protect');
}

function describeTally(op: Operation, tally: RewrapTally): void {
  Object.assign(op.details, {
    items: tally.items,
    rewrapped: tally.rewrapped,
    unchanged: tally.unchanged,
    failed: tally.failed,
    sourceVersions: countsDetail(tally.sourceVersions),
    ...(tally.failed > 0 ? { failures: countsDetail(tally.failures) } : {}),
  });
}

function checkReason(reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== 'string' || reason.length > MAX_TEXT) throw new KeywardError('validation_failed', `reason must be text of at most ${MAX_TEXT} characters`, { field: 'reason' });
  return reason;
}

/** Stored audit times are canonical UTC (toISOString); anything else would compare wrongly as text. */
function canonicalTime(value: string, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new KeywardError('validation_failed', `${field} must be an ISO 8601 date-time`, { field });
  return new Date(ms).toISOString();
}
