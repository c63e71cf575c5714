import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { systemPrincipal, type CallContext } from '../auth/principal.ts';
import { verifyChain } from '../audit/verify-chain.ts';
import { AuditLogDigest } from '../assess/audit-log-digest.ts';
import { DEFAULT_THRESHOLDS, type AssessedKey, type AssessmentInput, type DeletionRecord, type Thresholds, type TokenSnapshot } from '../assess/input.ts';
import type { AuditRun, CheckStatus, Severity } from '../assess/model.ts';
import { runAssessment } from '../assess/run.ts';
import { TREND_HISTORY } from '../assess/trend.ts';
import { SPEC_INFO } from '../crypto/key-specs.ts';
import type { AuditRecord, KeyRecord, TokenRecord } from '../storage/records.ts';
import type { Store } from '../storage/store.ts';
import type { EngineContext } from './engine-context.ts';
import type { LeaderJob } from './scheduler.ts';

/** The document kind audit runs are kept as. */
export const AUDIT_RUN_KIND = 'audit-run';
export const RUN_TRIGGERS = ['api', 'cli', 'schedule'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export const MAX_RUN_PAGE = 100;
/** Run ids: `run_` + 13 digits (see runId) + `_` + 24 hex digits. */
export const RUN_ID = /^run_\d{13}_[0-9a-f]{24}$/;
/** Runs read per page when looking for the newest scheduled one (runs are large; the newest is usually it). */
const DUE_PAGE = 5;

/** What a list of runs shows of each. */
export interface AuditRunSummary {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly startedBy: string;
  readonly trigger: string;
  readonly maturityLevel: number;
  readonly maturityLabel: string;
  readonly rotationCompliancePct: number | null;
  readonly findingsBySeverity: Readonly<Record<Severity, number>>;
  readonly checks: Readonly<Record<CheckStatus, number>>;
}

/** What a section collector works with: the store, the snapshot time, and the sections read before it. */
export interface CollectContext {
  readonly store: Store;
  readonly now: string;
  readonly thresholds: Thresholds;
  readonly sofar: Partial<AssessmentInput>;
}

/**
 * One part of the snapshot. Each reads one source and returns the sections it fills; a section it
 * does not return stays absent (its checks then report `not-assessed`). A new data source — the
 * policy, identities and bindings, the directory, approvals, backups, the connector inventory,
 * the secret scanner — is one more of these, passed in `AssessServiceOptions.sections`.
 */
export interface SnapshotSection {
  readonly name: string;
  collect(c: CollectContext): Promise<Partial<AssessmentInput>>;
}

export interface AssessServiceOptions {
  /** Overrides of the default thresholds (policy sections may override them again). */
  readonly thresholds?: Partial<Thresholds>;
  /** Sections read after the built-in ones (keys, audit log, tokens). */
  readonly sections?: readonly SnapshotSection[];
}

/**
 * Audit runs: collect a snapshot of the deployment, run the check catalogue (src/assess), keep the
 * run as an `audit-run` document, and read runs back. The run is audited (`audit.run`) with its
 * counts, in the same transaction that stores it.
 */
export class AssessService {
  readonly #c: EngineContext;
  readonly #thresholds: Thresholds;
  readonly #sections: readonly SnapshotSection[];

  constructor(c: EngineContext, options: AssessServiceOptions = {}) {
    this.#c = c;
    this.#thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    this.#sections = [keysSection(c.budget.limit), auditLogSection(c), tokensSection, ...(options.sections ?? [])];
  }

  /**
   * Runs every check now and stores the run.
   *
   * @example
   * const run = await engine.assess.run(ctx, { trigger: 'api' });
   * console.log(run.maturity.level, run.metrics.findingsBySeverity.critical);
   */
  run(ctx: CallContext, options: { trigger?: RunTrigger } = {}): Promise<AuditRun> {
    return this.#c.runner.run(ctx, 'audit.run', async (op) => {
      op.authorize();
      const trigger = options.trigger ?? 'api';
      if (!(RUN_TRIGGERS as readonly string[]).includes(trigger)) throw new KeywardError('validation_failed', `trigger must be one of ${RUN_TRIGGERS.join(', ')}`, { field: 'trigger' });
      // Everything recorded before the run is in the log it reads.
      await this.#c.audit.flush();
      const started = this.#c.clock.now();
      const input = await this.#collect(started.toISOString());
      const previous = await this.#recentRuns(TREND_HISTORY);
      const id = runId(started);
      const run = runAssessment(input, previous, { id, startedAt: started.toISOString(), finishedAt: this.#c.clock.now().toISOString(), startedBy: ctx.principal.actor, trigger });
      const summary = summarise(run);
      op.details['runId'] = id;
      op.details['trigger'] = trigger;
      op.details['maturity'] = run.maturity.level;
      op.details['checks'] = stringValues(summary.checks);
      op.details['findings'] = stringValues(summary.findingsBySeverity);
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: AUDIT_RUN_KIND, id, data: run, updatedAt: run.finishedAt }, null);
      };
      return run;
    });
  }

  /** Stored runs, newest first, a page at a time (`after`: the last id of the previous page). */
  list(ctx: CallContext, filter: { after?: string; limit?: number } = {}): Promise<{ runs: AuditRunSummary[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'audit.list-runs', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(filter.limit ?? 20, 1), MAX_RUN_PAGE);
      const docs = await this.#c.store.listDocuments<AuditRun>(AUDIT_RUN_KIND, { ...(filter.after !== undefined ? { after: filter.after } : {}), limit: limit + 1 });
      const page = docs.slice(0, limit);
      op.details['returned'] = page.length;
      const last = page[page.length - 1];
      return { runs: page.map((d) => summarise(d.data)), next: docs.length > limit && last ? last.id : null };
    });
  }

  /** One stored run, whole: results with findings and evidence, metrics, maturity, checklist, remediation, trend. */
  get(ctx: CallContext, id: string): Promise<AuditRun> {
    return this.#c.runner.run(ctx, 'audit.get-run', async (op) => {
      op.authorize();
      op.details['runId'] = id.slice(0, 64);
      const doc = RUN_ID.test(id) ? await this.#c.store.getDocument<AuditRun>(AUDIT_RUN_KIND, id) : null;
      if (!doc) throw new KeywardError('not_found', 'no audit run with that id', { runId: id.slice(0, 64) });
      return doc.data;
    });
  }

  /**
   * The scheduler job of continuous audits (see `continuousAuditJob`), or null when `intervalMs` is
   * null. Its runs are `audit.run` as `system:audit-schedule`, source `scheduler`.
   */
  scheduledJob(options: { intervalMs: number | null | undefined; clock: { now(): Date }; onError: (err: unknown) => void }): LeaderJob | null {
    if (options.intervalMs === null) return null;
    const intervalMs = options.intervalMs ?? DEFAULT_AUDIT_RUN_INTERVAL_MS;
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new Error('auditRunIntervalMs must be a positive integer or null');
    return continuousAuditJob({
      intervalMs,
      clock: options.clock,
      onError: options.onError,
      due: async (now) => (await this.#lastScheduledRun(now, intervalMs)) === null,
      run: () => this.run({ principal: systemPrincipal('audit-schedule'), source: 'scheduler' }, { trigger: 'schedule' }),
    });
  }

  /** The snapshot the checks read, as of `now`. Not audited by itself: `run` is. */
  async #collect(now: string): Promise<AssessmentInput> {
    let sofar: Partial<AssessmentInput> = { thresholds: this.#thresholds };
    for (const section of this.#sections) {
      const added = await section.collect({ store: this.#c.store, now, thresholds: sofar.thresholds ?? this.#thresholds, sofar });
      sofar = { ...sofar, ...added };
    }
    return { ...sofar, now, instanceId: this.#c.audit.origin, thresholds: sofar.thresholds ?? this.#thresholds };
  }

  /** When the newest run started by the schedule finished, if one did within `withinMs` of `now`. */
  async #lastScheduledRun(now: Date, withinMs: number): Promise<string | null> {
    const oldest = new Date(now.getTime() - withinMs).toISOString();
    let after: string | undefined;
    for (;;) {
      const docs = await this.#c.store.listDocuments<AuditRun>(AUDIT_RUN_KIND, { ...(after !== undefined ? { after } : {}), limit: DUE_PAGE });
      for (const d of docs) {
        if (d.data.startedAt < oldest) return null;
        if (d.data.trigger === 'schedule') return d.data.finishedAt;
      }
      const last = docs[docs.length - 1];
      if (!last || docs.length < DUE_PAGE) return null;
      after = last.id;
    }
  }

  async #recentRuns(count: number): Promise<AuditRun[]> {
    const docs = await this.#c.store.listDocuments<AuditRun>(AUDIT_RUN_KIND, { limit: count });
    return docs.map((d) => d.data);
  }
}

/**
 * Ids that sort newest first: `listDocuments` returns ids in ascending order, so the 13 digits are
 * 10^13 − 1 minus the start time in milliseconds (good until the year 2286), then a random part.
 */
function runId(started: Date): string {
  const reversed = String(9_999_999_999_999 - started.getTime()).padStart(13, '0');
  return newId(`run_${reversed}`);
}

export function summarise(run: AuditRun): AuditRunSummary {
  const checks: Record<CheckStatus, number> = { passed: 0, failed: 0, 'not-assessed': 0, error: 0 };
  for (const r of run.results) checks[r.status]++;
  return {
    id: run.id,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    startedBy: run.startedBy,
    trigger: run.trigger,
    maturityLevel: run.maturity.level,
    maturityLabel: run.maturity.label,
    rotationCompliancePct: run.metrics.rotationCompliancePct,
    findingsBySeverity: run.metrics.findingsBySeverity,
    checks,
  };
}

function stringValues(record: Readonly<Record<string, number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, String(v)]));
}

// ── built-in sections ──────────────────────────────────────────────────────────────────────────

const PAGE = 1000;

/** Every managed key with its versions (never material). */
function keysSection(encryptionLimit: number): SnapshotSection {
  return {
    name: 'keys',
    async collect({ store }) {
      const keys: AssessedKey[] = [];
      let after: string | undefined;
      for (;;) {
        const page: KeyRecord[] = await store.listKeys({ ...(after !== undefined ? { after } : {}), limit: PAGE });
        for (const key of page) {
          const versions = await store.listKeyVersions(key.id);
          const limit = SPEC_INFO[key.spec].family === 'aes' ? encryptionLimit : null;
          keys.push({
            key,
            versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, encryptionCount: v.encryptionCount, encryptionLimit: limit, destroyed: v.wrappedMaterial === null })),
          });
        }
        const last = page[page.length - 1];
        if (!last || page.length < PAGE) return { keys };
        after = last.name;
      }
    },
  };
}

/**
 * One pass over the audit log: the chain is verified (with the checkpoint file) while the same
 * entries feed the usage digest, so a long log is read once. Gives usage, audit integrity,
 * sensitive operations, and the deletion records of destroyed keys.
 */
function auditLogSection(c: EngineContext): SnapshotSection {
  return {
    name: 'audit-log',
    async collect({ store, now, thresholds, sofar }) {
      const digest = new AuditLogDigest({ now, dailyDays: thresholds.anomalyBaselineDays + thresholds.anomalyWindowDays, hourlyDays: thresholds.anomalyWindowDays });
      const external = c.checkpointFile?.read().checkpoints ?? [];
      const tee: Pick<Store, 'readAudit' | 'auditHead' | 'listCheckpoints'> = {
        auditHead: () => store.auditHead(),
        listCheckpoints: () => store.listCheckpoints(),
        readAudit: async (fromSeq: number, limit: number): Promise<AuditRecord[]> => {
          const batch = await store.readAudit(fromSeq, limit);
          for (const e of batch) digest.add(e);
          return batch;
        },
      };
      const report = await verifyChain({ store: tee, origin: c.audit.origin, publicKey: c.seal.record?.auditPublicKey ?? null, externalCheckpoints: external });
      const destructions = digest.destructions();
      const deletions: DeletionRecord[] = (sofar.keys ?? [])
        .filter((k) => k.key.state === 'destroyed')
        .map(({ key }) => {
          const entry = destructions.get(key.id);
          return {
            keyId: key.id,
            keyName: key.name,
            status: 'destroyed',
            scheduledAt: null,
            retentionEndsAt: null,
            destroyedAt: key.destroyedAt,
            authorisedBy: entry?.actor ?? null,
            approvalId: entry?.approvalId ?? null,
            evidenceSeqs: entry ? [entry.seq] : [],
          };
        });
      return {
        usage: digest.usage(),
        sensitiveOperations: digest.sensitiveOperations(),
        deletions,
        auditIntegrity: {
          verifiedAt: now,
          ok: report.ok,
          entries: report.entries.checked,
          firstBad: report.firstBad ? { seq: report.firstBad.seq, reason: report.firstBad.reason } : null,
          problems: report.problems.length,
          lastAnchoredAt: report.lastAnchored?.time ?? null,
          unanchoredEntries: report.unanchoredEntries,
          externalCopy: { configured: c.checkpointFile !== null, checkpoints: external.length },
        },
      };
    },
  };
}

/** API tokens by accessor (never the hash). */
const tokensSection: SnapshotSection = {
  name: 'tokens',
  async collect({ store }) {
    const tokens: TokenSnapshot[] = [];
    let after: string | undefined;
    for (;;) {
      const page: TokenRecord[] = await store.listTokens({ ...(after !== undefined ? { after } : {}), limit: PAGE });
      for (const t of page) {
        tokens.push({ accessor: t.accessor, type: t.type, identityId: t.identityId, permissions: t.permissions, createdAt: t.createdAt, createdBy: t.createdBy, expiresAt: t.expiresAt, revokedAt: t.revokedAt });
      }
      const last = page[page.length - 1];
      if (!last || page.length < PAGE) return { tokens };
      after = last.accessor;
    }
  },
};

// ── the continuous mini-audit ──────────────────────────────────────────────────────────────────

/** How often the job looks whether a run is due (at most): a restarted leader catches up within this. */
const DUE_CHECK_MS = 15 * 60_000;

export interface ContinuousAuditOptions {
  readonly intervalMs: number;
  readonly clock: { now(): Date };
  /** Whether a run is due now (no scheduled run within the interval). */
  readonly due: (now: Date) => Promise<boolean>;
  readonly run: () => Promise<unknown>;
  readonly onError: (err: unknown) => void;
}

/**
 * The scheduled audit run, on the scheduler leader only: every `min(interval, 15 min)` it asks
 * whether a run is due — the newest scheduled run is older than `interval` — and if so runs one.
 * Asking the stored runs rather than a timer's age means a leader that changes or restarts neither
 * skips a run nor doubles one. The first look is one period after taking the lead; ticks never overlap.
 */
export function continuousAuditJob(options: ContinuousAuditOptions): LeaderJob {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      if (await options.due(options.clock.now())) await options.run();
    } catch (err) {
      options.onError(err);
    } finally {
      running = false;
    }
  };
  return {
    name: 'audit-run',
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), Math.min(options.intervalMs, DUE_CHECK_MS));
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** Default interval of the scheduled audit run: daily. */
export const DEFAULT_AUDIT_RUN_INTERVAL_MS = 24 * 3_600_000;
