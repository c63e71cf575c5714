import { applyBaseline, type Baseline } from './baseline.ts';
import type { RuleSet } from './rule-file.ts';
import type { ScanFinding, ScanReport, ScanStats } from './scan-types.ts';

export interface ReportParts {
  readonly kind: ScanReport['kind'];
  readonly target: string;
  readonly root: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly stats: Omit<ScanStats, 'suppressed'>;
  readonly rules: RuleSet;
  readonly findings: readonly ScanFinding[];
  readonly baseline: Baseline | null;
}

/** The report: findings sorted, a baseline applied (at the scan's end time, for expiry). */
export function assembleReport(parts: ReportParts): ScanReport {
  const sorted = [...parts.findings].sort(compareFindings);
  const { findings, suppressed } = applyBaseline(sorted, parts.baseline, parts.finishedAt);
  return {
    kind: parts.kind,
    target: parts.target,
    root: parts.root,
    startedAt: parts.startedAt.toISOString(),
    finishedAt: parts.finishedAt.toISOString(),
    stats: { ...parts.stats, suppressed: suppressed.length },
    rules: parts.rules.rules.map((r) => ({ id: r.id, check: r.check, severity: r.severity })),
    findings,
    suppressed,
  };
}

export function compareFindings(a: ScanFinding, b: ScanFinding): number {
  return compare(a.file, b.file) || a.line - b.line || a.column - b.column || compare(a.ruleId, b.ruleId) || compare(a.commit?.id ?? '', b.commit?.id ?? '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
