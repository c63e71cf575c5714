import type { Static } from '@sinclair/typebox';
import type { AuditEntry } from '../server/schemas/audit.ts';
import type { VerifyReport } from '../audit/verify-chain.ts';
import { formatFields, type Column } from './table.ts';

export type Entry = Static<typeof AuditEntry>;

/** The problems listed under a verify summary; the JSON report has them all. */
const SHOWN_PROBLEMS = 10;

export const ENTRY_COLUMNS: readonly Column<Entry>[] = [
  { header: 'seq', cell: (e) => e.seq },
  { header: 'time', cell: (e) => e.time },
  { header: 'actor', cell: (e) => e.actor },
  { header: 'action', cell: (e) => e.action },
  { header: 'key', cell: (e) => keyCell(e) },
  { header: 'outcome', cell: (e) => e.outcome },
  { header: 'error', cell: (e) => e.errorCode },
];

/** One entry on one line, for `audit tail` (whose rows arrive one by one, so cannot be aligned as a table). */
export function entryLine(e: Entry): string {
  const parts = [String(e.seq).padStart(6), e.time, e.outcome.padEnd(7), e.actor, e.action];
  const key = keyCell(e);
  if (key) parts.push(`key=${key}`);
  if (e.errorCode) parts.push(`error=${e.errorCode}`);
  return `${parts.join('  ')}\n`;
}

function keyCell(e: Entry): string | null {
  if (e.keyId === null) return null;
  return e.keyVersion === null ? e.keyId : `${e.keyId}:${e.keyVersion}`;
}

/** The human summary of a chain verification: verdict, range, counts, anchoring, first problems. */
export function verifyReportText(report: VerifyReport, source: string): string {
  const verdict = report.ok
    ? `Audit log OK: every entry links into the chain and every checkpoint matches (${source}).`
    : `Audit log NOT OK: ${report.problems.length}${report.problems.length >= 100 ? '+' : ''} problem${report.problems.length === 1 ? '' : 's'} found (${source}).`;
  const fields = formatFields([
    ['Range', report.range.to === 0 ? 'empty log' : `entries ${report.range.from}–${report.range.to}`],
    ['Entries', `${report.entries.valid}/${report.entries.checked} entries valid`],
    ['Checkpoints', `${report.checkpoints.valid}/${report.checkpoints.checked} valid`],
    [
      'Anchored',
      report.lastAnchored
        ? `up to entry ${report.lastAnchored.size} (checkpoint of ${report.lastAnchored.time}); ${report.unanchoredEntries} later entries rest on the database alone`
        : `no checkpoint anchors the log; ${report.unanchoredEntries} entries rest on the database alone`,
    ],
    ['First bad', report.firstBad ? `entry ${report.firstBad.seq}: ${report.firstBad.reason}: ${report.firstBad.message}` : null],
  ]);
  const problems = report.problems.slice(0, SHOWN_PROBLEMS).map((p) => `  entry ${p.seq}  ${p.reason}  ${p.message}`);
  const more = report.problems.length > SHOWN_PROBLEMS ? [`  … and ${report.problems.length - SHOWN_PROBLEMS} more (--json lists them)`] : [];
  return [verdict, '', fields.trimEnd(), ...(problems.length > 1 ? ['', 'Problems:', ...problems, ...more] : []), ''].join('\n');
}
