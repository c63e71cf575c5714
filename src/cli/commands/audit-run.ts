import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { SEVERITIES, type AuditRun, type Finding, type Severity } from '../../assess/model.ts';
import { MAX_RUN_PAGE } from '../../engine/assess-service.ts';
import type { AuditRunList } from '../../server/schemas/audit-runs.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { formatFields, formatTable } from '../table.ts';

/** Findings the summary lists, worst first. */
const TOP_FINDINGS = 10;
const RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const FAIL_ON = SEVERITIES.filter((s) => s !== 'info');

/** `keyward audit run`: run every audit check on the server now and print a summary. */
export function auditRunCommand(): Command {
  return withClientOptions(
    new Command('run')
      .description('run every audit check on the server now, store the run, and print a summary (maturity, findings by severity, top findings, what to fix first)')
      .addOption(new Option('--fail-on <severity>', 'exit 1 if any finding is at least this severe (for CI)').choices(FAIL_ON))
      .addHelpText(
        'after',
        `
The whole run (every check's findings with evidence, metrics, checklist, trend) is printed with
--json, and kept on the server: see \`keyward audit runs\`.

Examples:
  keyward audit run
  keyward audit run --fail-on high          # exit 1 on any high or critical finding
  keyward audit run --json > run.json`,
      )
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ failOn?: Severity }>(command);
        if (!out.json) out.note('running the audit checks (this reads the whole audit log)…');
        const run = await client.post<AuditRun>('/v1/audit-runs', { trigger: 'cli' });
        out.result(run, () => runSummary(run));
        if (options.failOn !== undefined) {
          const threshold = RANK[options.failOn];
          const failing = run.results.flatMap((r) => r.findings).filter((f) => RANK[f.severity] >= threshold).length;
          if (failing > 0) throw new CliError(`${failing} finding(s) at or above ${options.failOn} (run ${run.id})`, EXIT.failure);
        }
      }),
  );
}

/** `keyward audit runs`: the stored runs, newest first. */
export function auditRunsCommand(): Command {
  return withClientOptions(
    new Command('runs')
      .description('list stored audit runs, newest first')
      .option('--limit <n>', `runs to show (at most ${MAX_RUN_PAGE}, default 20)`, integerIn(1, MAX_RUN_PAGE))
      .option('--after <id>', 'runs older than this one (the `next` of the previous page)')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ limit?: number; after?: string }>(command);
        const page = await client.get<Static<typeof AuditRunList>>('/v1/audit-runs', { limit: options.limit, after: options.after });
        out.result(page, () =>
          page.runs.length === 0
            ? 'No audit runs yet: keyward audit run\n'
            : formatTable(
                [
                  { header: 'id', cell: (r) => r.id },
                  { header: 'started', cell: (r) => r.startedAt },
                  { header: 'trigger', cell: (r) => r.trigger },
                  { header: 'maturity', cell: (r) => `${r.maturityLevel} ${r.maturityLabel}` },
                  { header: 'critical', cell: (r) => r.findingsBySeverity.critical },
                  { header: 'high', cell: (r) => r.findingsBySeverity.high },
                  { header: 'medium', cell: (r) => r.findingsBySeverity.medium },
                  { header: 'low', cell: (r) => r.findingsBySeverity.low },
                  { header: 'rotation', cell: (r) => pct(r.rotationCompliancePct) },
                  { header: 'not assessed', cell: (r) => r.checks['not-assessed'] },
                ],
                page.runs,
              ),
        );
        if (!out.json && page.next !== null) out.note(`More runs: add --after ${page.next}.`);
      }),
  );
}

/** The human summary of a run. */
export function runSummary(run: AuditRun): string {
  const m = run.metrics;
  const count = (status: string): number => run.results.filter((r) => r.status === status).length;
  const bySeverity = [...SEVERITIES].reverse().map((s) => `${m.findingsBySeverity[s]} ${s}`).join(', ');
  const head = formatFields([
    ['Audit run', run.id],
    ['Finished', run.finishedAt],
    ['Maturity', `level ${run.maturity.level} (${run.maturity.label})`],
    ['Checks', `${count('passed')} passed, ${count('failed')} failed, ${count('not-assessed')} not assessed${count('error') > 0 ? `, ${count('error')} errors` : ''}`],
    ['Findings', bySeverity],
    ['Keys', m.keys.total],
    ['Rotation compliance', pct(m.rotationCompliancePct)],
    ['Orphaned', pct(m.orphanedPct)],
    ['Unknown owner', pct(m.unknownOwnerPct)],
    ['Past cryptoperiod', pct(m.expiredPct)],
    ['Trend', run.trend.previousRunId === null ? 'first run' : `${run.trend.newFindings.length} new, ${run.trend.fixedFindings.length} fixed, ${run.trend.stillOpen.length} still open since ${run.trend.previousRunId}`],
  ]);
  const next = run.maturity.reasons.find((r) => r.includes('not reached'));
  const findings: Finding[] = run.results
    .flatMap((r) => r.findings)
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.checkId.localeCompare(b.checkId));
  const top =
    findings.length === 0
      ? '\nNo findings above info.\n'
      : `\nTop findings:\n${formatTable(
          [
            { header: 'severity', cell: (f) => f.severity },
            { header: 'check', cell: (f) => f.checkId },
            { header: 'finding', cell: (f) => f.message },
          ],
          findings.slice(0, TOP_FINDINGS),
        )}${findings.length > TOP_FINDINGS ? `… and ${findings.length - TOP_FINDINGS} more (--json for all)\n` : ''}`;
  const fix =
    run.remediation.length === 0
      ? ''
      : `\nFix first:\n${formatTable(
          [
            { header: 'rank', cell: (r) => r.rank },
            { header: 'check', cell: (r) => r.checkId },
            { header: 'title', cell: (r) => r.title },
            { header: 'findings', cell: (r) => r.findings },
            { header: 'effort', cell: (r) => r.effort },
          ],
          run.remediation.slice(0, 5),
        )}`;
  return `${head}${next ? `\n${next}\n` : ''}${top}${fix}`;
}

function pct(value: number | null): string {
  return value === null ? '-' : `${value} %`;
}
