import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { CallContext } from '../auth/principal.ts';
import { type AUDIT_CHECKS, type ScanReport } from '../inventory/scanner/scan-types.ts';
import type { EngineContext } from './engine-context.ts';

export const SCAN_KIND = 'scan-report';
export const MAX_STORED_FINDINGS = 10_000;

/** A finding as kept by the server: where and what kind, never the secret or its preview. */
export interface StoredScanFinding {
  readonly ruleId: string;
  readonly check: (typeof AUDIT_CHECKS)[number];
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly commit: string | null;
  readonly fingerprint: string;
}

export interface StoredScan {
  readonly id: string;
  readonly kind: ScanReport['kind'];
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly uploadedAt: string;
  readonly uploadedBy: string;
  readonly stats: { readonly files: number; readonly bytes: number; readonly commits: number; readonly suppressed: number };
  readonly findings: readonly StoredScanFinding[];
}

export type ScanSummary = Omit<StoredScan, 'findings'> & { readonly findingCount: number };

/**
 * Secret-scan results sent by `keyward scan --upload` (a CI job, say), kept so the audit checks
 * STO-01..03 can report plaintext keys and credentials found in code. Findings are stored by file,
 * line, rule and fingerprint; previews are dropped.
 */
export class ScanService {
  readonly #c: EngineContext;

  constructor(c: EngineContext) {
    this.#c = c;
  }

  record(ctx: CallContext, report: ScanReport): Promise<StoredScan> {
    return this.#c.runner.run(ctx, 'inventory.record-scan', async (op) => {
      op.authorize({});
      if (report.findings.length > MAX_STORED_FINDINGS) {
        throw new KeywardError('validation_failed', `a scan may carry at most ${MAX_STORED_FINDINGS} findings; scan smaller parts`, { field: 'findings' });
      }
      const now = this.#c.clock.now().toISOString();
      const stored: StoredScan = {
        id: newId('scn'),
        kind: report.kind,
        target: report.target.slice(0, 512),
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        uploadedAt: now,
        uploadedBy: ctx.principal.actor,
        stats: { files: report.stats.files, bytes: report.stats.bytes, commits: report.stats.commits, suppressed: report.stats.suppressed },
        findings: report.findings.map((f) => ({ ruleId: f.ruleId, check: f.check, severity: f.severity, file: f.file, line: f.line, commit: f.commit?.id ?? null, fingerprint: f.fingerprint })),
      };
      op.details['scanId'] = stored.id;
      op.details['target'] = stored.target.slice(0, 200);
      op.details['findings'] = stored.findings.length;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: SCAN_KIND, id: stored.id, ref: stored.target.slice(0, 200), data: stored, updatedAt: now }, null));
      return stored;
    });
  }

  /** Stored scans without their findings, oldest first (at most 1000). */
  list(ctx: CallContext): Promise<{ scans: ScanSummary[] }> {
    return this.#c.runner.run(ctx, 'inventory.list', async (op) => {
      op.authorize({});
      const docs = await this.#c.store.listDocuments<StoredScan>(SCAN_KIND, { limit: 1000 });
      const scans = docs.map(({ data: { findings, ...rest } }) => ({ ...rest, findingCount: findings.length }));
      return { scans: scans.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)) };
    });
  }
}
