import type { AuditRun, EvidenceRef } from '../assess/model.ts';
import {
  CHECKLIST_LABEL,
  countEntries,
  displayTime,
  duration,
  failedChecks,
  findingsByFingerprint,
  oneDecimal,
  passedChecks,
  percent,
  refText,
  remediationPlan,
  SEVERITIES_DESC,
  SEVERITY_LABEL,
  STATUS_LABEL,
  statusCounts,
  totalFindings,
  trendMark,
  unansweredChecks,
  worstSeverity,
} from './run-facts.ts';

/**
 * The run as GitHub-flavoured Markdown (for a pull request, a wiki or an issue). Every value from
 * the run is escaped, so a name cannot add a link, an image, markup or a table column.
 */
export function renderMarkdown(run: AuditRun): string {
  return [header(run), summary(run), checklist(run), remediation(run), findings(run), unanswered(run), passed(run), trend(run), metrics(run)].join('\n\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/**
 * Text safe in Markdown prose and table cells: line breaks become spaces, and the punctuation that
 * makes emphasis, code, links, HTML, strike-through, table columns or heading ends is escaped, as
 * is a line start that would make a list, a quote or a heading. The raw text stays readable.
 */
export function mdText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+=>])/, '$1\\$2')
    .replace(/^(\s*)(\d+)([.)])/, '$1$2\\$3');
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly ('l' | 'r')[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const separator = headers.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [line(headers.map(mdText)), line(separator), ...rows.map((row) => line(row.map((c) => (typeof c === 'number' ? String(c) : c))))].join('\n');
}

function header(run: AuditRun): string {
  const took = duration(run.startedAt, run.finishedAt);
  return [
    '# Key management audit report',
    '',
    mdText(run.scope.description),
    '',
    `- **Instance:** ${mdText(run.scope.instanceId)}`,
    `- **Run:** ${mdText(run.id)}`,
    `- **Finished:** ${mdText(displayTime(run.finishedAt))}${took === null ? '' : ` (took ${mdText(took)})`}`,
    `- **Started by:** ${mdText(run.startedBy)} (${mdText(run.trigger)})`,
  ].join('\n');
}

function summary(run: AuditRun): string {
  const m = run.maturity;
  const s = statusCounts(run);
  const counts = run.metrics.findingsBySeverity;
  return [
    '## Summary',
    '',
    `**Maturity level ${m.level} of 5: ${mdText(m.label)}**`,
    '',
    ...m.reasons.map((r) => `- ${mdText(r)}`),
    '',
    `**${totalFindings(run)} findings** in ${s.failed} failed checks; ${s.passed} passed, ${s['not-assessed']} not assessed, ${s.error} could not run.`,
    '',
    table(
      SEVERITIES_DESC.map((sev) => SEVERITY_LABEL[sev]),
      [SEVERITIES_DESC.map((sev) => counts[sev])],
      SEVERITIES_DESC.map(() => 'r'),
    ),
  ].join('\n');
}

function checklist(run: AuditRun): string {
  if (run.checklist.length === 0) return '## Decision checklist\n\nThe run produced no checklist.';
  return `## Decision checklist\n\n${table(
    ['Item', 'Status', 'What decided it'],
    run.checklist.map((c) => [mdText(c.title), CHECKLIST_LABEL[c.status], mdText(c.basis)]),
  )}`;
}

function remediation(run: AuditRun): string {
  const plan = remediationPlan(run);
  if (plan.length === 0) return '## Remediation plan\n\nNothing to remediate.';
  return `## Remediation plan\n\n${table(
    ['#', 'Check', 'Action', 'Findings', 'Impact', 'Effort', 'What to do'],
    plan.map((p, i) => [i + 1, mdText(p.checkId), mdText(p.title), p.findings, oneDecimal(p.impact), p.effort, mdText(p.remediation)]),
    ['r', 'l', 'l', 'r', 'r', 'l', 'l'],
  )}`;
}

function findings(run: AuditRun): string {
  const failed = failedChecks(run);
  if (failed.length === 0) return '## Findings\n\nNo check failed.';
  const blocks = failed.map(({ result, findings: list }) => {
    const c = result.check;
    return [
      `### ${mdText(c.id)}: ${mdText(c.title)} (${SEVERITY_LABEL[worstSeverity(result)]})`,
      '',
      mdText(c.detects),
      '',
      c.refs.length > 0 ? `**Frameworks:** ${c.refs.map((r) => mdText(refText(r))).join('; ')}` : '',
      '',
      `**Remediation:** ${mdText(c.remediation)}`,
      '',
      table(
        ['Severity', 'Subject', 'Finding', 'Evidence', 'Trend'],
        list.map((f) => [
          SEVERITY_LABEL[f.severity],
          evidence(f.subject),
          `**${mdText(f.title)}**: ${mdText(f.message)}`,
          f.evidence.map(evidence).join('<br>') || 'none',
          trendMark(run, f.fingerprint) ?? '',
        ]),
      ),
    ].join('\n');
  });
  return `## Findings\n\n${blocks.join('\n\n')}`;
}

function unanswered(run: AuditRun): string {
  const checks = unansweredChecks(run);
  if (checks.length === 0) return '## Not assessed\n\nEvery check was assessed.';
  return `## Not assessed\n\nThese checks did not pass: they could not be assessed, for the reason given.\n\n${table(
    ['Check', 'Title', 'Status', 'Reason'],
    checks.map((r) => [mdText(r.check.id), mdText(r.check.title), STATUS_LABEL[r.status], mdText(r.reason ?? 'no reason given')]),
  )}`;
}

function passed(run: AuditRun): string {
  const checks = passedChecks(run);
  if (checks.length === 0) return '## Passed checks\n\nNo check passed.';
  return `## Passed checks\n\n${table(
    ['Check', 'Title', 'Subjects examined', 'Frameworks'],
    checks.map((r) => [mdText(r.check.id), mdText(r.check.title), r.examined, mdText(r.check.refs.map(refText).join('; '))]),
    ['l', 'l', 'r', 'l'],
  )}`;
}

function trend(run: AuditRun): string {
  const t = run.trend;
  if (t.previousRunId === null) return '## Trend\n\nThis is the first audit run of this instance: there is nothing to compare with yet.';
  const known = findingsByFingerprint(run);
  const name = (fp: string): string => {
    const f = known.get(fp);
    return f ? `${mdText(f.checkId)} ${mdText(f.title)}: ${mdText(f.subject.label ?? f.subject.id)}` : mdText(fp);
  };
  const list = (title: string, fps: readonly string[]): string => `**${title} (${fps.length})**\n\n${fps.length === 0 ? 'none' : fps.map((fp) => `- ${name(fp)}`).join('\n')}`;
  const history = [...t.history.filter((h) => h.runId !== run.id), { runId: run.id, at: run.finishedAt, rotationCompliancePct: run.metrics.rotationCompliancePct, findings: totalFindings(run) }];
  return [
    '## Trend',
    '',
    `Compared with run ${mdText(t.previousRunId)}.`,
    '',
    list('New', t.newFindings),
    '',
    list('Fixed', t.fixedFindings),
    '',
    list('Still open', t.stillOpen),
    '',
    table(
      ['Run', 'Finished', 'Rotation compliance', 'Findings'],
      history.map((h) => [mdText(h.runId) + (h.runId === run.id ? ' (this run)' : ''), mdText(displayTime(h.at)), percent(h.rotationCompliancePct), h.findings]),
      ['l', 'l', 'r', 'r'],
    ),
  ].join('\n');
}

function metrics(run: AuditRun): string {
  const m = run.metrics;
  const breakdown = (counts: Readonly<Record<string, number>>): string => mdText(countEntries(counts).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none');
  return `## Metrics\n\n${table(
    ['Metric', 'Value'],
    [
      ['Keys in scope', m.keys.total],
      ['Keys by state', breakdown(m.keys.byState)],
      ['Keys by algorithm', breakdown(m.keys.bySpec)],
      ['Keys by environment', breakdown(m.keys.byEnvironment)],
      ['Keys by source', breakdown(m.keys.bySource)],
      ['Rotated within their period', percent(m.rotationCompliancePct)],
      ['Orphaned', percent(m.orphanedPct)],
      ['Owner unknown', percent(m.unknownOwnerPct)],
      ['Expired', percent(m.expiredPct)],
      ['Median time to decide an approval', m.medianApprovalHours === null ? 'n/a' : `${oneDecimal(m.medianApprovalHours)} h`],
      ['Approvals pending', m.approvalsPending ?? 'n/a'],
    ],
  )}`;
}

function evidence(ref: EvidenceRef): string {
  return `${mdText(ref.kind)} ${mdText(ref.label ?? ref.id)}`;
}
