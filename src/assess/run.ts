import { fingerprint, type Check, type FindingDraft } from './check.ts';
import { CHECKS } from './checks/index.ts';
import { buildChecklist } from './checklist.ts';
import type { AssessmentInput } from './input.ts';
import { assessMaturity } from './maturity.ts';
import { computeMetrics } from './metrics.ts';
import type { AuditRun, CheckResult, Finding } from './model.ts';
import { orderRemediation } from './remediation.ts';
import { compareRuns, previousRun } from './trend.ts';

/**
 * Findings kept per check. A deployment with thousands of unclassified keys gets the first ones
 * (by fingerprint) and a note with the total, so one run stays a document of bounded size.
 */
export const MAX_FINDINGS_PER_CHECK = 500;

export interface RunMeta {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The actor that started it. */
  readonly startedBy: string;
  /** `api`, `cli`, `schedule`… */
  readonly trigger: string;
  /** What was in scope, in words; defaults to the sections present and missing. */
  readonly scopeDescription?: string;
  /** The checks to run (default: the catalogue). */
  readonly checks?: readonly Check[];
}

/** Runs one check; a check that throws is reported as `error`, never as a pass. */
export function evaluateCheck(check: Check, input: AssessmentInput): CheckResult {
  try {
    const outcome = check.run(input);
    if (outcome.kind === 'not-assessed') return { check: check.info, status: 'not-assessed', reason: outcome.reason, findings: [], examined: 0 };
    const findings = outcome.findings.map((d) => toFinding(check, d)).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    const unique = findings.filter((f, i) => i === 0 || f.fingerprint !== (findings[i - 1] as Finding).fingerprint);
    const kept = unique.slice(0, MAX_FINDINGS_PER_CHECK);
    return {
      check: check.info,
      status: kept.length > 0 ? 'failed' : 'passed',
      reason: unique.length > kept.length ? `${unique.length} findings; the first ${kept.length} are listed` : null,
      findings: kept,
      examined: outcome.examined,
    };
  } catch (err) {
    return { check: check.info, status: 'error', reason: `the check failed: ${err instanceof Error ? err.message : String(err)}`, findings: [], examined: 0 };
  }
}

function toFinding(check: Check, d: FindingDraft): Finding {
  return {
    checkId: check.info.id,
    fingerprint: fingerprint(check.info.id, d),
    severity: d.severity ?? check.info.severity,
    title: check.info.title,
    message: d.message,
    subject: d.subject,
    evidence: d.evidence ?? [],
  };
}

/**
 * An audit run over a snapshot: every check, then the metrics, maturity, decision checklist,
 * remediation order and the trend against earlier runs. Pure: the same input, earlier runs and
 * meta give the same run.
 *
 * @example
 * const run = runAssessment(input, await earlierRuns(), { id, startedAt, finishedAt, startedBy: 'root:…', trigger: 'api' });
 * run.maturity.level; run.trend.newFindings;
 */
export function runAssessment(input: AssessmentInput, previousRuns: readonly AuditRun[], meta: RunMeta): AuditRun {
  const results = (meta.checks ?? CHECKS).map((c) => evaluateCheck(c, input));
  const metrics = computeMetrics(input, results);
  const earlier = previousRuns.filter((r) => r.id !== meta.id);
  return {
    id: meta.id,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    startedBy: meta.startedBy,
    trigger: meta.trigger,
    scope: { instanceId: input.instanceId, description: meta.scopeDescription ?? describeScope(input) },
    results,
    metrics,
    maturity: assessMaturity(input, results, metrics, earlier),
    checklist: buildChecklist({ input, results, metrics, previous: previousRun(earlier, meta.startedAt), previousRuns: earlier }),
    remediation: orderRemediation(results),
    trend: compareRuns(results, meta.startedAt, earlier),
  };
}

const SECTIONS = [
  ['keys', 'keys'],
  ['usage', 'audit-log usage'],
  ['auditIntegrity', 'audit chain'],
  ['tokens', 'tokens'],
  ['policy', 'policy'],
  ['identities', 'identities'],
  ['roleBindings', 'role bindings'],
  ['directory', 'directory'],
  ['accessReview', 'access reviews'],
  ['approvals', 'approvals'],
  ['sensitiveOperations', 'sensitive operations'],
  ['breakGlass', 'break-glass'],
  ['deletions', 'deletions'],
  ['backups', 'backups'],
  ['drills', 'DR drills'],
  ['inventory', 'external inventory'],
  ['scans', 'secret scans'],
  ['suppressions', 'suppressions'],
] as const;

/** "Assessed: keys (12), …; not available: …" — what the run could and could not see. */
export function describeScope(input: AssessmentInput): string {
  const present = SECTIONS.filter(([k]) => input[k] !== undefined).map(([k, label]) => {
    const value = input[k];
    return Array.isArray(value) ? `${label} (${value.length})` : label;
  });
  const absent = SECTIONS.filter(([k]) => input[k] === undefined).map(([, label]) => label);
  return `Assessed: ${present.join(', ') || 'nothing'}.${absent.length > 0 ? ` Not available in this deployment: ${absent.join(', ')}.` : ''}`;
}
