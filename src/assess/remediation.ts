import type { CheckResult, RemediationItem, Severity } from './model.ts';
import { severityRank, worstSeverity } from './severity.ts';

/** Impact weight of one finding by severity; info findings are inventory, not work. */
export const IMPACT_WEIGHT: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 4, high: 10, critical: 25 };
/** Relative cost of fixing a check's findings. */
export const EFFORT_COST = { low: 1, medium: 2, high: 4 } as const;

/**
 * What to fix first: each failed check once, ranked by impact (the sum of its findings' severity
 * weights) divided by effort, so quick high-impact fixes lead. Ties go to the worse severity, then
 * the check id. Info-only checks are left out.
 */
export function orderRemediation(results: readonly CheckResult[]): RemediationItem[] {
  const items = results
    .filter((r) => r.status === 'failed')
    .map((r) => ({ r, impact: r.findings.reduce((sum, f) => sum + IMPACT_WEIGHT[f.severity], 0), worst: worstSeverity(r) }))
    .filter((x) => x.impact > 0)
    .sort(
      (a, b) =>
        b.impact / EFFORT_COST[b.r.check.effort] - a.impact / EFFORT_COST[a.r.check.effort] ||
        severityRank(b.worst ?? 'info') - severityRank(a.worst ?? 'info') ||
        a.r.check.id.localeCompare(b.r.check.id),
    );
  return items.map(({ r, impact }, i) => ({
    checkId: r.check.id,
    title: r.check.title,
    findings: r.findings.length,
    impact,
    effort: r.check.effort,
    rank: i + 1,
    remediation: r.check.remediation,
  }));
}
