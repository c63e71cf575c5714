import type Database from 'better-sqlite3';
import type { AuditHead } from '../records.ts';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Prepared statements cached per connection; hot paths (audit append, key lookups) reuse them. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

export function readHead(db: Database.Database): AuditHead {
  const row = prepared(db, 'SELECT seq, chain_hash FROM audit_entries ORDER BY seq DESC LIMIT 1').get() as { seq: number; chain_hash: string } | undefined;
  return row ? { seq: row.seq, chainHash: row.chain_hash } : { seq: 0, chainHash: '' };
}
