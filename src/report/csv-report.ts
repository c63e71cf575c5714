import type { AuditRun } from '../assess/model.ts';
import { csvTable, type CsvValue } from './csv.ts';
import type { CsvTable } from './report-formats.ts';
import { countEntries, evidenceText, refText, remediationPlan, trendMark } from './run-facts.ts';

/**
 * One table of the run as CSV (RFC 4180, CRLF, formula-safe; see csv.ts): `findings` (one row per
 * finding), `checks` (one per check, every status), `remediation` (the plan in order) or
 * `metrics` (inventory counts and rates, one row per number).
 */
export function renderCsv(run: AuditRun, table: CsvTable = 'findings'): string {
  switch (table) {
    case 'findings':
      return findingsCsv(run);
    case 'checks':
      return checksCsv(run);
    case 'remediation':
      return remediationCsv(run);
    case 'metrics':
      return metricsCsv(run);
  }
}

function findingsCsv(run: AuditRun): string {
  const rows = run.results.flatMap((r) =>
    r.findings.map((f): CsvValue[] => [
      run.id,
      f.checkId,
      r.check.title,
      f.severity,
      f.title,
      f.message,
      f.subject.kind,
      f.subject.id,
      f.subject.label ?? null,
      f.evidence.map(evidenceText).join('; '),
      r.check.refs.map(refText).join('; '),
      trendMark(run, f.fingerprint),
      f.fingerprint,
    ]),
  );
  return csvTable(['run_id', 'check_id', 'check_title', 'severity', 'title', 'message', 'subject_kind', 'subject_id', 'subject_label', 'evidence', 'frameworks', 'trend', 'fingerprint'], rows);
}

function checksCsv(run: AuditRun): string {
  return csvTable(
    ['run_id', 'check_id', 'title', 'status', 'reason', 'severity', 'findings', 'examined', 'effort', 'frameworks'],
    run.results.map((r) => [run.id, r.check.id, r.check.title, r.status, r.reason, r.check.severity, r.findings.length, r.examined, r.check.effort, r.check.refs.map(refText).join('; ')]),
  );
}

function remediationCsv(run: AuditRun): string {
  return csvTable(
    ['run_id', 'rank', 'check_id', 'title', 'findings', 'impact', 'effort', 'remediation'],
    remediationPlan(run).map((p) => [run.id, p.rank, p.checkId, p.title, p.findings, p.impact, p.effort, p.remediation]),
  );
}

function metricsCsv(run: AuditRun): string {
  const m = run.metrics;
  const rows: CsvValue[][] = [['keys.total', null, m.keys.total]];
  const breakdowns = [
    ['keys.byState', m.keys.byState],
    ['keys.bySpec', m.keys.bySpec],
    ['keys.byEnvironment', m.keys.byEnvironment],
    ['keys.bySource', m.keys.bySource],
  ] as const;
  for (const [metric, counts] of breakdowns) for (const [dimension, value] of countEntries(counts)) rows.push([metric, dimension, value]);
  rows.push(
    ['rotationCompliancePct', null, m.rotationCompliancePct],
    ['orphanedPct', null, m.orphanedPct],
    ['unknownOwnerPct', null, m.unknownOwnerPct],
    ['expiredPct', null, m.expiredPct],
    ['medianApprovalHours', null, m.medianApprovalHours],
    ['approvalsPending', null, m.approvalsPending],
  );
  for (const [severity, value] of Object.entries(m.findingsBySeverity)) rows.push(['findingsBySeverity', severity, value]);
  for (const [dimension, value] of Object.entries(run.maturity.dimensions)) rows.push(['maturity.dimension', dimension, value]);
  rows.push(['maturity.level', null, run.maturity.level]);
  return csvTable(['run_id', 'metric', 'dimension', 'value'], rows.map((r) => [run.id, ...r]));
}
