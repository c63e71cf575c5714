import type { CheckResult, Severity } from './model.ts';

const ORDER: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return ORDER[s];
}

/** The worst severity among a result's findings, or null when it has none. */
export function worstSeverity(result: CheckResult): Severity | null {
  let worst: Severity | null = null;
  for (const f of result.findings) if (worst === null || ORDER[f.severity] > ORDER[worst]) worst = f.severity;
  return worst;
}

/** The results of one check id, or undefined. */
export function resultOf(results: readonly CheckResult[], id: string): CheckResult | undefined {
  return results.find((r) => r.check.id === id);
}

/** Whether the check ran and found nothing. */
export function passed(results: readonly CheckResult[], id: string): boolean {
  return resultOf(results, id)?.status === 'passed';
}

/** Whether the check ran (passed or failed). */
export function wasAssessed(results: readonly CheckResult[], id: string): boolean {
  const status = resultOf(results, id)?.status;
  return status === 'passed' || status === 'failed';
}
