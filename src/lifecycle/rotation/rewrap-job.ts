import type { RewrapTally } from './rewrap.ts';

/** The document kind of rewrap jobs. */
export const REWRAP_JOB_KIND = 'rewrap-job';

/**
 * A bulk rewrap that spans many requests: the client starts a job, sends its ciphertexts in
 * batches naming the job, then finishes it (optionally raising the key's minimum decryption
 * version). The record keeps the running totals, so the outcome of the whole rewrap is known to
 * the server — and the minimum version is raised only if no item of the job failed.
 */
export interface RewrapJob {
  readonly id: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly status: 'running' | 'finished';
  readonly startedAt: string;
  readonly startedBy: string;
  readonly batches: number;
  readonly items: number;
  readonly rewrapped: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly sourceVersions: Readonly<Record<string, number>>;
  readonly failures: Readonly<Record<string, number>>;
  /**
   * The lowest version the job's items were rewrapped to (or found already at): every item that
   * succeeded is at this version or later. Null before the first success.
   */
  readonly targetVersion: number | null;
  readonly finishedAt: string | null;
  readonly finishedBy: string | null;
  /** The minimum decryption version the finish raised the key to; null if it did not. */
  readonly minDecryptionVersionRaisedTo: number | null;
}

export function newRewrapJob(id: string, key: { id: string; name: string }, actor: string, now: string): RewrapJob {
  return {
    id,
    keyId: key.id,
    keyName: key.name,
    status: 'running',
    startedAt: now,
    startedBy: actor,
    batches: 0,
    items: 0,
    rewrapped: 0,
    unchanged: 0,
    failed: 0,
    sourceVersions: {},
    failures: {},
    targetVersion: null,
    finishedAt: null,
    finishedBy: null,
    minDecryptionVersionRaisedTo: null,
  };
}

/** The job with one more batch counted; `version` is the version the batch rewrapped to. */
export function withBatch(job: RewrapJob, tally: RewrapTally, version: number): RewrapJob {
  const succeeded = tally.rewrapped + tally.unchanged > 0;
  return {
    ...job,
    batches: job.batches + 1,
    items: job.items + tally.items,
    rewrapped: job.rewrapped + tally.rewrapped,
    unchanged: job.unchanged + tally.unchanged,
    failed: job.failed + tally.failed,
    sourceVersions: addCounts(job.sourceVersions, tally.sourceVersions),
    failures: addCounts(job.failures, tally.failures),
    targetVersion: succeeded ? Math.min(job.targetVersion ?? version, version) : job.targetVersion,
  };
}

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Counts as audit detail values (string → string). */
export function countsDetail(counts: Readonly<Record<string, number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, String(n)]));
}
