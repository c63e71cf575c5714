import type { AssessmentInput } from './input.ts';
import type { AuditRun, CheckResult, MaturityAssessment, RunMetrics } from './model.ts';
import { passed, wasAssessed, worstSeverity } from './severity.ts';
import { hoursBetween } from './time.ts';

/** The maturity dimensions, each scored from the checks whose id starts with its prefix. */
export const DIMENSIONS: readonly { readonly name: string; readonly prefix: string }[] = [
  { name: 'inventory', prefix: 'INV' },
  { name: 'rotation', prefix: 'ROT' },
  { name: 'lifecycle', prefix: 'LIF' },
  { name: 'access', prefix: 'ACC' },
  { name: 'secrets', prefix: 'STO' },
  { name: 'algorithms', prefix: 'ALG' },
  { name: 'audit-log', prefix: 'LOG' },
  { name: 'recovery', prefix: 'BAK' },
  { name: 'monitoring', prefix: 'ANO' },
  { name: 'governance', prefix: 'GOV' },
];

/** How much a failed check costs its dimension, by its worst finding. */
const PENALTY = { info: 0, low: 0.5, medium: 1, high: 2, critical: 3 } as const;
/** A scheduled run at least this recent (before this one) counts as continuous auditing. */
export const CONTINUOUS_AUDIT_HOURS = 48;

const LABELS = { 1: 'Initial', 2: 'Managed', 3: 'Defined', 4: 'Quantitatively managed', 5: 'Optimising' } as const;

/**
 * Scores a dimension 1–5: 1 when none of its checks could run (no evidence of the practice); else
 * 5 minus the penalties of its failed checks (critical 3, high 2, medium 1, low ½), at least 1; and
 * at most 3 while fewer than half of its checks could run.
 */
export function dimensionScore(results: readonly CheckResult[], prefix: string): number {
  const mine = results.filter((r) => r.check.id.startsWith(`${prefix}-`));
  const ran = mine.filter((r) => r.status === 'passed' || r.status === 'failed');
  if (ran.length === 0) return 1;
  const penalty = ran.reduce((sum, r) => {
    const worst = worstSeverity(r);
    return sum + (worst === null ? 0 : PENALTY[worst]);
  }, 0);
  const score = Math.max(1, Math.round(5 - penalty));
  return ran.length * 2 < mine.length ? Math.min(score, 3) : score;
}

interface Gate {
  readonly met: boolean;
  readonly text: string;
}

/**
 * The overall level: each level's gates must all hold, and those of every level below it.
 * Level 2 needs an inventory with owners and an intact audit log; 3 rotation compliance ≥ 80 %, no
 * critical finding and fresh checkpoints; 4 separation of duties, approvals, access reviews and a
 * current policy; 5 continuous (scheduled) audits, backups and DR drills passing, no high finding
 * and anomaly monitoring in place.
 */
export function assessMaturity(input: AssessmentInput, results: readonly CheckResult[], metrics: RunMetrics, previousRuns: readonly AuditRun[]): MaturityAssessment {
  const gates: Record<2 | 3 | 4 | 5, Gate[]> = {
    2: [
      { met: metrics.keys.total > 0, text: `an inventory of keys exists (${metrics.keys.total} key(s))` },
      { met: metrics.unknownOwnerPct !== null && metrics.unknownOwnerPct <= 10, text: `at most 10 % of keys lack a known owner (${fmtPct(metrics.unknownOwnerPct)})` },
      { met: passed(results, 'LOG-01'), text: `the audit log verifies (LOG-01 ${status(results, 'LOG-01')})` },
    ],
    3: [
      { met: metrics.rotationCompliancePct !== null && metrics.rotationCompliancePct >= 80, text: `rotation compliance is at least 80 % (${fmtPct(metrics.rotationCompliancePct)})` },
      { met: metrics.findingsBySeverity.critical === 0, text: `no critical findings (${metrics.findingsBySeverity.critical})` },
      { met: passed(results, 'LOG-02'), text: `signed checkpoints are fresh and kept apart (LOG-02 ${status(results, 'LOG-02')})` },
    ],
    4: [
      { met: passed(results, 'ACC-03') && passed(results, 'ACC-04'), text: `separation of duties between key administrators and users (ACC-03 ${status(results, 'ACC-03')}, ACC-04 ${status(results, 'ACC-04')})` },
      { met: (input.approvals?.length ?? 0) > 0 && passed(results, 'ACC-07'), text: `approvals are in use for sensitive operations (${input.approvals?.length ?? 'no'} approval record(s), ACC-07 ${status(results, 'ACC-07')})` },
      { met: passed(results, 'ACC-05'), text: `access is reviewed on time (ACC-05 ${status(results, 'ACC-05')})` },
      { met: passed(results, 'GOV-01'), text: `a current key-management policy (GOV-01 ${status(results, 'GOV-01')})` },
    ],
    5: [
      { met: continuousAudits(input.now, previousRuns), text: `continuous audits: a scheduled run within the ${CONTINUOUS_AUDIT_HOURS} hours before this one` },
      { met: passed(results, 'BAK-01') && passed(results, 'BAK-02'), text: `backups verified and disaster recovery drilled (BAK-01 ${status(results, 'BAK-01')}, BAK-02 ${status(results, 'BAK-02')})` },
      { met: metrics.findingsBySeverity.high === 0 && metrics.findingsBySeverity.critical === 0, text: `no high or critical findings (${metrics.findingsBySeverity.high} high)` },
      { met: ['ANO-01', 'ANO-02'].every((id) => wasAssessed(results, id)), text: 'anomaly monitoring in place (ANO-01 and ANO-02 assessed)' },
    ],
  };
  let level: 1 | 2 | 3 | 4 | 5 = 1;
  const reasons: string[] = [];
  for (const next of [2, 3, 4, 5] as const) {
    const unmet = gates[next].filter((g) => !g.met);
    if (unmet.length > 0) {
      reasons.push(`Level ${next} (${LABELS[next]}) not reached: ${unmet.map((g) => g.text).join('; ')}.`);
      break;
    }
    level = next;
    reasons.push(`Level ${next} (${LABELS[next]}): ${gates[next].map((g) => g.text).join('; ')}.`);
  }
  if (level === 1) reasons.unshift('Level 1 (Initial): key management is not yet shown to be managed.');
  const dimensions = Object.fromEntries(DIMENSIONS.map((d) => [d.name, dimensionScore(results, d.prefix)]));
  return { level, label: LABELS[level], reasons, dimensions };
}

function continuousAudits(now: string, previousRuns: readonly AuditRun[]): boolean {
  return previousRuns.some((r) => r.trigger === 'schedule' && r.finishedAt <= now && hoursBetween(r.finishedAt, now) <= CONTINUOUS_AUDIT_HOURS);
}

function status(results: readonly CheckResult[], id: string): string {
  return results.find((r) => r.check.id === id)?.status ?? 'absent';
}

function fmtPct(p: number | null): string {
  return p === null ? 'not measured' : `${p} %`;
}
