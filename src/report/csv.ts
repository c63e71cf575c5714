/**
 * CSV per RFC 4180: fields separated by commas, records by CRLF, a field quoted when it holds a
 * comma, a quote, CR or LF, and quotes inside doubled.
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or CR) as a
 * formula, which can fetch URLs or run commands (CSV injection). A text field starting so is
 * prefixed with `'`, which shows the text as text. Numbers are written as numbers: a negative
 * number is data, not a formula.
 */
export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a CSV number must be finite');
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, each ending in CRLF. */
export function csvTable(headers: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [headers, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
