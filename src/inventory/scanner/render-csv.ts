import type { ScanFinding, ScanReport, SuppressedFinding } from './scan-types.ts';

const COLUMNS = ['status', 'severity', 'check', 'rule', 'file', 'line', 'column', 'commit', 'author', 'date', 'fingerprint', 'preview', 'accepted_by', 'reason', 'expires'] as const;

/**
 * The findings as CSV (RFC 4180: a header row, CRLF line ends, fields quoted when needed), open
 * findings first, then those a baseline accepted. A field that a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'` (OWASP CSV injection).
 */
export function renderCsv(report: ScanReport): string {
  const rows: string[][] = [[...COLUMNS]];
  for (const f of report.findings) rows.push(row('open', f, null));
  for (const f of report.suppressed) rows.push(row('accepted', f, f));
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

function row(status: string, f: ScanFinding, accepted: SuppressedFinding | null): string[] {
  return [
    status,
    f.severity,
    f.check,
    f.ruleId,
    f.file,
    String(f.line),
    String(f.column),
    f.commit?.id ?? '',
    f.commit?.author ?? '',
    f.commit?.date ?? '',
    f.fingerprint,
    f.preview,
    accepted?.acceptedBy ?? '',
    accepted?.reason ?? '',
    accepted?.expires ?? '',
  ];
}

function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
