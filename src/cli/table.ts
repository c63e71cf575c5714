/** A column of a table: its header and how to show a row's cell (null and empty show as "-"). */
export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => string | number | boolean | null | undefined;
}

/**
 * Rows as an aligned plain-text table: upper-case headers, columns two spaces apart, no trailing
 * spaces. Widths count UTF-16 units, which is right for the ASCII our values are made of.
 */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => show(c.cell(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]): string => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** Labelled values, one a line, values aligned: the human form of a single object. */
export function formatFields(fields: readonly (readonly [label: string, value: string | number | boolean | null | undefined])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${show(value)}`).join('\n') + '\n';
}

function show(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/[\r\n\t]+/g, ' ');
}
