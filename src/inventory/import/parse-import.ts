import { KeywardError } from '../../core/errors.ts';
import type { ItemDraft } from '../inventory-item.ts';
import type { DateOrder } from './cell-values.ts';
import { csvTable, type TableError } from './csv-table.ts';
import { matchHeaders, type ImportField } from './header-match.ts';
import { jsonItems } from './json-items.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, type ImportFormat } from './import-limits.ts';
import { rowToDraft, type RowCells } from './row-draft.ts';

export interface RowRejection {
  readonly line: number;
  readonly reason: string;
}

/** What a rejected row still says about which item it is, so a full import does not call that item gone. */
export interface RejectedIdentity {
  readonly name: string | null;
  readonly externalId: string | null;
}

export interface ParsedImport {
  readonly drafts: readonly { readonly line: number; readonly draft: ItemDraft }[];
  readonly rejected: readonly RowRejection[];
  readonly rejectedIdentities: readonly RejectedIdentity[];
  /** Rows read (accepted + rejected), header excluded. */
  readonly rows: number;
  readonly ignoredColumns: readonly string[];
  /** Columns that look like they hold secret values; never read. */
  readonly secretColumns: readonly string[];
}

/**
 * Reads an inventory spreadsheet (CSV) or a JSON list. Rows that cannot be read are rejected with
 * their line and reason; the rest are drafts. A second row for the same item (same external id,
 * or same name without one) is rejected as a duplicate of the first. Throws `validation_failed`
 * only when nothing can be read at all (no header, not JSON, no name column).
 */
export function parseImport(text: string, format: ImportFormat, options: { dateOrder?: DateOrder } = {}): ParsedImport {
  if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES) {
    throw new KeywardError('payload_too_large', `an import may hold at most ${MAX_IMPORT_BYTES} bytes; split the file or use a connector`, { limit: MAX_IMPORT_BYTES });
  }
  const rows = format === 'csv' ? csvRows(text) : jsonRows(text);
  if (rows.cells.length > MAX_IMPORT_ROWS) {
    throw new KeywardError('payload_too_large', `an import may hold at most ${MAX_IMPORT_ROWS} rows`, { limit: MAX_IMPORT_ROWS });
  }
  const drafts: { line: number; draft: ItemDraft }[] = [];
  const rejected: RowRejection[] = [...rows.errors];
  const rejectedIdentities: RejectedIdentity[] = rows.errors.map(() => ({ name: null, externalId: null }));
  const seen = new Map<string, number>();
  for (const { line, cells, error } of rows.cells) {
    const identity = { name: cells.name?.trim() || null, externalId: cells.externalId?.trim() || null };
    const parsed = error === null ? rowToDraft(cells, options) : ({ ok: false, reason: error } as const);
    if (!parsed.ok) {
      rejected.push({ line, reason: parsed.reason });
      rejectedIdentities.push(identity);
      continue;
    }
    const draft = parsed.value;
    const key = draft.externalId ? `x\n${draft.externalId}` : `n\n${draft.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      rejected.push({ line, reason: `duplicate of line ${first} (same ${draft.externalId ? 'external id' : 'name'})` });
      rejectedIdentities.push(identity);
      continue;
    }
    seen.set(key, line);
    drafts.push({ line, draft });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { drafts, rejected, rejectedIdentities, rows: rows.cells.length + rows.errors.length, ignoredColumns: rows.ignored, secretColumns: rows.secretLooking };
}

interface Rows {
  readonly cells: readonly { readonly line: number; readonly cells: RowCells; readonly error: string | null }[];
  readonly errors: readonly TableError[];
  readonly ignored: readonly string[];
  readonly secretLooking: readonly string[];
}

function csvRows(text: string): Rows {
  const table = csvTable(text);
  if (table.headers.length === 0) throw new KeywardError('validation_failed', 'the CSV has no header line', { field: 'content' });
  const match = matchHeaders(table.headers);
  if (![...match.columns.values()].includes('name')) {
    throw new KeywardError('validation_failed', `the CSV has no name column (headers: ${table.headers.slice(0, 12).join(', ').slice(0, 300)})`, { field: 'content' });
  }
  const cells = table.records.map(({ line, values }) => {
    const row: Partial<Record<ImportField, string>> = {};
    for (const [index, field] of match.columns) row[field] = values[index] ?? '';
    const extra = values.slice(table.headers.length).filter((v) => v.trim() !== '');
    const error = extra.length > 0 ? `${values.length} cells but ${table.headers.length} headers (an unquoted "${table.delimiter === '\t' ? 'tab' : table.delimiter}" in a value?)` : null;
    return { line, cells: row, error };
  });
  return { cells, errors: table.errors, ignored: match.ignored, secretLooking: match.secretLooking };
}

function jsonRows(text: string): Rows {
  const items = jsonItems(text);
  if (items.fatal) throw new KeywardError('validation_failed', `line ${items.fatal.line}: ${items.fatal.reason}`, { field: 'content', line: items.fatal.line });
  const ignored = new Set<string>();
  const secretLooking = new Set<string>();
  const cells = items.records.map(({ line, value }) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, cells: {}, error: 'an item must be an object' };
    const entries = Object.entries(value as Record<string, unknown>);
    const match = matchHeaders(entries.map(([k]) => k));
    match.ignored.forEach((h) => ignored.add(h));
    match.secretLooking.forEach((h) => secretLooking.add(h));
    const row: Record<string, string | Record<string, string>> = {};
    let error: string | null = null;
    for (const [index, field] of match.columns) {
      const [key, v] = entries[index] as [string, unknown];
      const cell = jsonCell(field, v);
      if (cell.kind === 'error') error ??= `${key}: ${cell.reason}`;
      else if (cell.kind === 'rotation') Object.assign(row, cell.columns);
      else row[field] = cell.value;
    }
    return { line, cells: row, error };
  });
  return { cells, errors: [], ignored: [...ignored], secretLooking: [...secretLooking] };
}

type JsonCell =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'tags'; readonly value: Record<string, string> }
  | { readonly kind: 'rotation'; readonly columns: Partial<Record<'rotationEnabled' | 'rotationPeriod', string>> }
  | { readonly kind: 'error'; readonly reason: string };

/** A JSON value as the cell text the row reader takes; tags stay an object, a rotation object splits into its two columns. */
function jsonCell(field: ImportField, value: unknown): JsonCell {
  const text = (t: string): JsonCell => ({ kind: 'text', value: t });
  if (value === null || value === undefined) return text('');
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number') return Number.isFinite(value) ? text(String(value)) : { kind: 'error', reason: 'not a finite number' };
  if (typeof value === 'boolean') return text(value ? 'yes' : 'no');
  if (field === 'tags') {
    if (Array.isArray(value)) return { kind: 'tags', value: Object.fromEntries(value.map((t) => [scalarText(t), ''])) };
    return { kind: 'tags', value: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scalarText(v)])) };
  }
  if (field === 'rotation' && !Array.isArray(value)) {
    const r = value as Record<string, unknown>;
    const enabled = r['enabled'];
    const period = r['periodDays'] ?? r['period'];
    return {
      kind: 'rotation',
      columns: {
        ...(enabled !== undefined ? { rotationEnabled: scalarText(enabled) } : {}),
        ...(period !== undefined ? { rotationPeriod: scalarText(period) } : {}),
      },
    };
  }
  return { kind: 'error', reason: Array.isArray(value) ? 'a list is not allowed here' : 'an object is not allowed here' };
}

/** A JSON value inside a tag or rotation object as text (objects as JSON, null as empty). */
function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
