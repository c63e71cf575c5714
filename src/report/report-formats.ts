/**
 * The formats a run renders to, the CSV tables, and the file extension that names each format. Kept apart from the
 * renderers so the CLI can list them without loading them.
 */
export const REPORT_FORMATS = ['html', 'md', 'json', 'sarif', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The tables a run can be exported as in CSV; one file holds one table (see csv-report.ts). */
export const CSV_TABLES = ['findings', 'checks', 'remediation', 'metrics'] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

const EXTENSIONS: Readonly<Record<string, ReportFormat>> = {
  '.html': 'html',
  '.htm': 'html',
  '.md': 'md',
  '.markdown': 'md',
  '.json': 'json',
  '.sarif': 'sarif',
  '.csv': 'csv',
};

/** The format a file name implies (`report.sarif` → sarif; `x.sarif.json` → sarif), or null. */
export function formatForFileName(name: string): ReportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.sarif.json')) return 'sarif';
  const dot = lower.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSIONS[lower.slice(dot)] ?? null);
}
