import type { AuditRun, CheckResult, CheckStatus, ChecklistStatus, ControlRef, EvidenceRef, Finding, RemediationItem, Severity } from '../assess/model.ts';

/**
 * What every renderer derives from a run the same way: orderings, counts, labels and number
 * formats. Keeping them here makes the HTML, Markdown, CSV and SARIF of one run agree.
 */

/** Most severe first. */
export const SEVERITIES_DESC: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

export const STATUS_LABEL: Readonly<Record<CheckStatus, string>> = { passed: 'Passed', failed: 'Failed', 'not-assessed': 'Not assessed', error: 'Error' };

export const CHECKLIST_LABEL: Readonly<Record<ChecklistStatus, string>> = { done: 'Done', partial: 'Partial', missing: 'Missing', 'not-assessed': 'Not assessed' };

export function bySeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/** The highest severity among a check's findings (the check's own when it has none). */
export function worstSeverity(result: CheckResult): Severity {
  return result.findings.reduce<Severity>((worst, f) => (bySeverity(f.severity, worst) < 0 ? f.severity : worst), result.findings.length > 0 ? 'info' : result.check.severity);
}

/** Failed checks, worst first, then by id; their findings worst first (stable within a severity). */
export function failedChecks(run: AuditRun): { readonly result: CheckResult; readonly findings: readonly Finding[] }[] {
  return run.results
    .filter((r) => r.status === 'failed')
    .sort((a, b) => bySeverity(worstSeverity(a), worstSeverity(b)) || compareText(a.check.id, b.check.id))
    .map((result) => ({ result, findings: [...result.findings].sort((x, y) => bySeverity(x.severity, y.severity)) }));
}

/** Checks that did not give an answer: no data (`not-assessed`) or a failure (`error`), by id. */
export function unansweredChecks(run: AuditRun): CheckResult[] {
  return run.results.filter((r) => r.status === 'not-assessed' || r.status === 'error').sort((a, b) => compareText(a.check.id, b.check.id));
}

export function passedChecks(run: AuditRun): CheckResult[] {
  return run.results.filter((r) => r.status === 'passed').sort((a, b) => compareText(a.check.id, b.check.id));
}

export function statusCounts(run: AuditRun): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { passed: 0, failed: 0, 'not-assessed': 0, error: 0 };
  for (const r of run.results) counts[r.status]++;
  return counts;
}

export function allFindings(run: AuditRun): Finding[] {
  return run.results.flatMap((r) => r.findings);
}

export function totalFindings(run: AuditRun): number {
  return SEVERITIES_DESC.reduce((sum, s) => sum + run.metrics.findingsBySeverity[s], 0);
}

/** The remediation plan in the order to work through it. */
export function remediationPlan(run: AuditRun): RemediationItem[] {
  return [...run.remediation].sort((a, b) => a.rank - b.rank || b.impact - a.impact || compareText(a.checkId, b.checkId));
}

export type TrendMark = 'new' | 'still open';

/** Whether a finding is new since the previous run or was already open; null on a first run. */
export function trendMark(run: AuditRun, fingerprint: string): TrendMark | null {
  if (run.trend.previousRunId === null) return null;
  if (run.trend.newFindings.includes(fingerprint)) return 'new';
  if (run.trend.stillOpen.includes(fingerprint)) return 'still open';
  return null;
}

/** The findings of this run by fingerprint, to name the fingerprints of the trend. */
export function findingsByFingerprint(run: AuditRun): ReadonlyMap<string, Finding> {
  return new Map(allFindings(run).map((f) => [f.fingerprint, f]));
}

/** Rotation compliance of the earlier runs and then this one, oldest first, for the trend chart. */
export function rotationSeries(run: AuditRun): { readonly runId: string; readonly at: string; readonly value: number | null }[] {
  const earlier = run.trend.history.filter((h) => h.runId !== run.id).map((h) => ({ runId: h.runId, at: h.at, value: h.rotationCompliancePct }));
  return [...earlier, { runId: run.id, at: run.finishedAt, value: run.metrics.rotationCompliancePct }];
}

export function refText(ref: ControlRef): string {
  return `${ref.framework} ${ref.control}`;
}

/** `key billing-prod`, `file src/app.ts:12`, `audit-entry 1234`. */
export function evidenceText(ref: EvidenceRef): string {
  return `${ref.kind} ${ref.label ?? ref.id}`;
}

/** A percentage with at most one decimal: `83.3%`, `100%`; `n/a` when nothing was measured. */
export function percent(value: number | null): string {
  return value === null ? 'n/a' : `${oneDecimal(value)}%`;
}

export function oneDecimal(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** `2026-03-01 14:05 UTC` from an ISO time; the text as given when it is not one. */
export function displayTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-03-01` from an ISO time (the text as given when it is not one). */
export function displayDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 10);
}

/** `4 min 12 s`, `1 h 3 min`; null when either time is not one. */
export function duration(fromIso: string, toIso: string): string | null {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return null;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Entries of a count record, largest first, then by name. */
export function countEntries(counts: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || compareText(a, b));
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
