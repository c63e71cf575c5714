import type { AuditHead, AuditQuery, KeyListFilter } from '../records.ts';
import type { PostgresValue } from './postgres-driver.ts';

/** SQL shared by the store's reads and the transaction's writes. */

export interface Statement {
  readonly text: string;
  readonly values: readonly PostgresValue[];
}

/** Collects `$n` parameters while a statement is built. */
export class Params {
  readonly values: PostgresValue[] = [];

  add(value: PostgresValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** INSERT of one row from a column → value record (column names are ours, never input). */
export function insertStatement(table: string, row: Readonly<Record<string, PostgresValue>>, suffix = ''): Statement {
  const columns = Object.keys(row);
  const placeholders = columns.map((_, i) => `$${i + 1}`);
  return { text: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) ${suffix}`.trim(), values: Object.values(row) };
}

export const AUDIT_HEAD_SQL = 'SELECT seq, chain_hash FROM audit_entries ORDER BY seq DESC LIMIT 1';

export interface AuditHeadRow {
  seq: number;
  chain_hash: string;
}

export function headFromRows(rows: readonly AuditHeadRow[]): AuditHead {
  const row = rows[0];
  return row ? { seq: row.seq, chainHash: row.chain_hash } : { seq: 0, chainHash: '' };
}

/** True once the store holds anything an instance id is bound to (see StoreTx.adoptInstanceId). */
export const STORE_IN_USE_SQL = `SELECT EXISTS (SELECT 1 FROM seal) OR EXISTS (SELECT 1 FROM keys) OR EXISTS (SELECT 1 FROM tokens)
  OR EXISTS (SELECT 1 FROM documents) OR EXISTS (SELECT 1 FROM audit_entries) OR EXISTS (SELECT 1 FROM audit_checkpoints) AS used`;

export function listKeysStatement(filter: KeyListFilter): Statement {
  const p = new Params();
  const where: string[] = [];
  if (filter.state) where.push(`state = ${p.add(filter.state)}`);
  if (filter.spec) where.push(`spec = ${p.add(filter.spec)}`);
  if (filter.environment) where.push(`environment = ${p.add(filter.environment)}`);
  if (filter.owner) where.push(`owner = ${p.add(filter.owner)}`);
  if (filter.tier) where.push(`tier = ${p.add(filter.tier)}`);
  // name is COLLATE "C", so a LIKE prefix is a range scan on its unique index.
  if (filter.namePrefix) where.push(`name LIKE ${p.add(`${escapeLike(filter.namePrefix)}%`)} ESCAPE '\\'`);
  if (filter.after) where.push(`name > ${p.add(filter.after)}`);
  if (filter.tag) {
    // Both forms are answered by the GIN index on tags.
    if (filter.tag.value === undefined) where.push(`tags ? ${p.add(filter.tag.key)}`);
    else where.push(`tags @> jsonb_build_object(${p.add(filter.tag.key)}::text, ${p.add(filter.tag.value)}::text)`);
  }
  const text = `SELECT * FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name LIMIT ${p.add(filter.limit)}`;
  return { text, values: p.values };
}

export function queryAuditStatement(q: AuditQuery): Statement {
  const p = new Params();
  const where: string[] = [];
  if (q.keyId) where.push(`key_id = ${p.add(q.keyId)}`);
  if (q.actor) where.push(`actor = ${p.add(q.actor)}`);
  if (q.action) where.push(`action = ${p.add(q.action)}`);
  if (q.outcome) where.push(`outcome = ${p.add(q.outcome)}`);
  // Compared as times, not strings, so any ISO 8601 form (offset, no milliseconds) means what it says.
  if (q.since) where.push(`time >= ${p.add(q.since)}::timestamptz`);
  if (q.until) where.push(`time < ${p.add(q.until)}::timestamptz`);
  if (q.afterSeq !== undefined) where.push(`seq > ${p.add(q.afterSeq)}`);
  if (q.beforeSeq !== undefined) where.push(`seq < ${p.add(q.beforeSeq)}`);
  const text = `SELECT * FROM audit_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.descending ? 'DESC' : 'ASC'} LIMIT ${p.add(q.limit)}`;
  return { text, values: p.values };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
