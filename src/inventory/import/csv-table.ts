import { parse } from 'csv-parse/sync';

export interface TableRecord {
  /** The line the record starts on (1-based; a quoted field may span lines). */
  readonly line: number;
  readonly values: readonly string[];
}

export interface TableError {
  readonly line: number;
  readonly reason: string;
}

export interface CsvTable {
  readonly headers: readonly string[];
  readonly records: readonly TableRecord[];
  readonly errors: readonly TableError[];
  readonly delimiter: string;
}

/**
 * A CSV text as header + records with their line numbers. Line ends are normalised first (Excel
 * writes CRLF); the delimiter is `,`, `;` (Excel in many European locales) or a tab, whichever the
 * header line has most of. A record the parser cannot read is reported with its line; a quote
 * that is never closed swallows the rest of the file, which the error says.
 */
export function csvTable(text: string): CsvTable {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const delimiter = detectDelimiter(normalized);
  const errors: TableError[] = [];
  const rows = parse(normalized, {
    delimiter,
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      if (!err) return undefined;
      const reason = err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed (the rest of the file was read as part of it)' : `unreadable CSV (${err.code})`;
      const end = typeof err.lines === 'number' ? err.lines : 0;
      errors.push({ line: raw === undefined ? end : Math.max(1, end - spannedLines(raw)), reason });
      return undefined;
    },
  }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
  const records: TableRecord[] = rows.map((row) => {
    // info.lines is the line the record ends on; the raw text (without the empty lines skipped
    // before it and its own line end) tells how many lines it spans.
    return { line: row.info.lines - spannedLines(row.raw), values: row.record };
  });
  const [header, ...body] = records;
  if (!header) return { headers: [], records: [], errors, delimiter };
  return { headers: header.values.map((h) => h.trim()), records: body, errors, delimiter };
}

/** How many line ends a record's raw text holds, past the empty lines skipped before it and its own end. */
function spannedLines(raw: string): number {
  return (raw.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g) ?? []).length;
}

/** The delimiter the first non-empty line uses most, outside quotes. */
function detectDelimiter(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of first) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return best;
}
