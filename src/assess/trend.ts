import type { AuditRun, CheckResult, TrendSummary } from './model.ts';

/** How many earlier runs the history keeps. */
export const TREND_HISTORY = 30;

/**
 * Compares this run's findings with the newest earlier run, by fingerprint: new, fixed, still open.
 * A finding of a check that could not run this time is neither fixed nor open (unknown), so a
 * missing data source never looks like an improvement.
 */
export function compareRuns(results: readonly CheckResult[], startedAt: string, previousRuns: readonly AuditRun[]): TrendSummary {
  const earlier = previousRuns.filter((r) => r.startedAt < startedAt).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const previous = earlier[earlier.length - 1] ?? null;
  const history = earlier.slice(-TREND_HISTORY).map((r) => ({
    runId: r.id,
    at: r.startedAt,
    rotationCompliancePct: r.metrics.rotationCompliancePct,
    findings: r.results.reduce((n, x) => n + x.findings.length, 0),
  }));
  const current = new Set(results.flatMap((r) => r.findings.map((f) => f.fingerprint)));
  if (!previous) return { previousRunId: null, newFindings: [...current].sort(), fixedFindings: [], stillOpen: [], history };
  const ranNow = new Set(results.filter((r) => r.status === 'passed' || r.status === 'failed').map((r) => r.check.id));
  const before = new Set(previous.results.flatMap((r) => r.findings.map((f) => f.fingerprint)));
  const checkOf = new Map(previous.results.flatMap((r) => r.findings.map((f) => [f.fingerprint, f.checkId] as const)));
  return {
    previousRunId: previous.id,
    newFindings: [...current].filter((fp) => !before.has(fp)).sort(),
    fixedFindings: [...before].filter((fp) => !current.has(fp) && ranNow.has(checkOf.get(fp) ?? '')).sort(),
    stillOpen: [...current].filter((fp) => before.has(fp)).sort(),
    history,
  };
}

/** The newest run that started before `startedAt`, or null. */
export function previousRun(previousRuns: readonly AuditRun[], startedAt: string): AuditRun | null {
  let best: AuditRun | null = null;
  for (const r of previousRuns) if (r.startedAt < startedAt && (!best || r.startedAt > best.startedAt)) best = r;
  return best;
}
