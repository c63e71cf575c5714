import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeywardError } from '../../core/errors.ts';
import type { LeaderLease, Store, StoreTx } from '../store.ts';
import type {
  AuditHead,
  AuditQuery,
  AuditRecord,
  CheckpointRecord,
  DocumentListFilter,
  DocumentRecord,
  JsonValue,
  KeyListFilter,
  KeyRecord,
  KeyVersionRecord,
  SealRecord,
  TokenListFilter,
  TokenRecord,
} from '../records.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import {
  auditFromRow,
  checkpointFromRow,
  keyFromRow,
  keyVersionFromRow,
  tokenFromRow,
  documentFromRow,
  type DocumentRow,
  type AuditRow,
  type CheckpointRow,
  type KeyRow,
  type KeyVersionRow,
  type TokenRow,
} from './sqlite-rows.ts';
import { SqliteTx } from './sqlite-tx.ts';
import { SqliteLeaderLease } from './sqlite-leader.ts';
import { translateSqliteError } from './sqlite-errors.ts';
import { prepared, readHead } from './sqlite-statements.ts';

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' (single connection; tests only). */
  readonly path: string;
}

/**
 * SQLite backend: one writer connection and one reader connection that sees committed data only.
 * Writers are serialised in process by a promise chain; SQLite's own lock (BEGIN IMMEDIATE) guards
 * against other processes.
 *
 * Durability: WAL with synchronous=NORMAL, and `transaction` resolves only after the WAL file has
 * been fsynced (on libuv's thread pool) — as durable as synchronous=FULL for everything a caller is
 * told succeeded, but the fsync no longer blocks the event loop, and the next transaction may
 * commit while the previous one's fsync is in flight (an fsync covers every earlier write). A
 * failed fsync leaves the store unusable (storage_unavailable): what is on disk is then unknown.
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #leases = new Set<SqliteLeaderLease>();
  /** Names the database for leases: its file, or this store for ':memory:'. */
  readonly #databaseId: string;
  /** The WAL file, opened at the first commit, for the fsync that makes commits durable. */
  #wal: Promise<FileHandle> | null = null;
  #syncFailure: unknown = null;

  private constructor(writer: Database.Database, reader: Database.Database) {
    this.#writer = writer;
    this.#reader = reader;
    this.#databaseId = writer.memory ? `memory:${randomBytes(8).toString('hex')}` : resolve(writer.name);
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    let writer: Database.Database | undefined;
    let reader: Database.Database | undefined;
    try {
      writer = new Database(options.path);
      writer.pragma('journal_mode = WAL');
      writer.pragma('synchronous = FULL');
      writer.pragma('foreign_keys = ON');
      writer.pragma('busy_timeout = 5000');
      migrate(writer);
      // From here on COMMIT writes the WAL frames without fsync; transaction() fsyncs before resolving.
      if (options.path !== ':memory:') writer.pragma('synchronous = NORMAL');
      reader = options.path === ':memory:' ? writer : new Database(options.path, { readonly: true });
      reader.pragma('busy_timeout = 5000');
      return new SqliteStore(writer, reader);
    } catch (err) {
      // Do not leak the connections of a failed open (e.g. a schema newer than this code).
      if (reader && reader !== writer) reader.close();
      writer?.close();
      throw translateSqliteError(err);
    }
  }

  async instanceId(): Promise<string> {
    return this.#read(() => (this.#reader.prepare("SELECT value FROM meta WHERE name = 'instance_id'").get() as { value: string }).value);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lease of this.#leases) await lease.release();
    await this.#tail.catch(() => undefined);
    const wal = await this.#wal?.catch(() => null);
    await wal?.close().catch(() => undefined);
    if (this.#reader !== this.#writer) this.#reader.close();
    this.#writer.close();
  }

  async getSeal(): Promise<SealRecord | null> {
    const row = this.#read(() => this.#reader.prepare('SELECT * FROM seal WHERE id = 1').get()) as SealRow | undefined;
    if (!row) return null;
    return {
      threshold: row.threshold,
      shares: row.shares,
      wrappedRootKey: row.wrapped_root_key,
      shareChecks: JSON.parse(row.share_checks) as string[],
      wrappedAuditSigningKey: row.wrapped_audit_signing_key,
      auditPublicKey: row.audit_public_key,
      initializedAt: row.initialized_at,
    };
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM keys WHERE id = ?').get(id)) as KeyRow | undefined;
    return row ? keyFromRow(row) : null;
  }

  async getKeyByName(name: string): Promise<KeyRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM keys WHERE name = ?').get(name)) as KeyRow | undefined;
    return row ? keyFromRow(row) : null;
  }

  async listKeys(filter: KeyListFilter): Promise<KeyRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, ...values: (string | number)[]): void => {
      where.push(sql);
      args.push(...values);
    };
    if (filter.state) add('state = ?', filter.state);
    if (filter.spec) add('spec = ?', filter.spec);
    if (filter.environment) add('environment = ?', filter.environment);
    if (filter.owner) add('owner = ?', filter.owner);
    if (filter.tier) add('tier = ?', filter.tier);
    if (filter.namePrefix) add("name LIKE ? ESCAPE '\\'", `${escapeLike(filter.namePrefix)}%`);
    if (filter.after) add('name > ?', filter.after);
    if (filter.tag) {
      if (filter.tag.value === undefined) add('json_extract(tags, ?) IS NOT NULL', jsonPath(filter.tag.key));
      else add('json_extract(tags, ?) = ?', jsonPath(filter.tag.key), filter.tag.value);
    }
    const sql = `SELECT * FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name LIMIT ?`;
    const rows = this.#read(() => prepared(this.#reader, sql).all(...args, filter.limit)) as KeyRow[];
    return rows.map(keyFromRow);
  }

  async getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM key_versions WHERE key_id = ? AND version = ?').get(keyId, version)) as KeyVersionRow | undefined;
    return row ? keyVersionFromRow(row) : null;
  }

  async listKeyVersions(keyId: string): Promise<KeyVersionRecord[]> {
    const rows = this.#read(() => prepared(this.#reader, 'SELECT * FROM key_versions WHERE key_id = ? ORDER BY version').all(keyId)) as KeyVersionRow[];
    return rows.map(keyVersionFromRow);
  }

  async getTokenByHash(hash: Buffer): Promise<TokenRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM tokens WHERE hash = ?').get(hash)) as TokenRow | undefined;
    return row ? tokenFromRow(row) : null;
  }

  async getToken(accessor: string): Promise<TokenRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM tokens WHERE accessor = ?').get(accessor)) as TokenRow | undefined;
    return row ? tokenFromRow(row) : null;
  }

  async listTokens(filter: TokenListFilter): Promise<TokenRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.after !== undefined) {
      where.push('accessor > ?');
      args.push(filter.after);
    }
    if (filter.identityId !== undefined) {
      where.push('identity_id = ?');
      args.push(filter.identityId);
    }
    const sql = `SELECT * FROM tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY accessor LIMIT ?`;
    const rows = this.#read(() => prepared(this.#reader, sql).all(...args, filter.limit)) as TokenRow[];
    return rows.map(tokenFromRow);
  }

  async getDocument<T = JsonValue>(kind: string, id: string): Promise<DocumentRecord<T> | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM documents WHERE kind = ? AND id = ?').get(kind, id)) as DocumentRow | undefined;
    return row ? documentFromRow<T>(row) : null;
  }

  async findDocument<T = JsonValue>(kind: string, lookup: string): Promise<DocumentRecord<T> | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM documents WHERE kind = ? AND lookup = ?').get(kind, lookup)) as DocumentRow | undefined;
    return row ? documentFromRow<T>(row) : null;
  }

  async documentKinds(): Promise<string[]> {
    const rows = this.#read(() => prepared(this.#reader, 'SELECT DISTINCT kind FROM documents ORDER BY kind').all()) as { kind: string }[];
    return rows.map((r) => r.kind);
  }

  async listDocuments<T = JsonValue>(kind: string, filter: DocumentListFilter): Promise<DocumentRecord<T>[]> {
    const where = ['kind = ?'];
    const args: (string | number)[] = [kind];
    if (filter.ref !== undefined) {
      where.push('ref = ?');
      args.push(filter.ref);
    }
    if (filter.after !== undefined) {
      where.push('id > ?');
      args.push(filter.after);
    }
    const sql = `SELECT * FROM documents WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    const rows = this.#read(() => prepared(this.#reader, sql).all(...args, filter.limit)) as DocumentRow[];
    return rows.map((r) => documentFromRow<T>(r));
  }

  async auditHead(): Promise<AuditHead> {
    return this.#read(() => readHead(this.#reader));
  }

  async getAuditEntry(seq: number): Promise<AuditRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM audit_entries WHERE seq = ?').get(seq)) as AuditRow | undefined;
    return row ? auditFromRow(row) : null;
  }

  async readAudit(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = this.#read(() => prepared(this.#reader, 'SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?').all(fromSeq, limit)) as AuditRow[];
    return rows.map(auditFromRow);
  }

  async queryAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, value: string | number): void => {
      where.push(sql);
      args.push(value);
    };
    if (q.keyId) add('key_id = ?', q.keyId);
    if (q.actor) add('actor = ?', q.actor);
    if (q.action) add('action = ?', q.action);
    if (q.outcome) add('outcome = ?', q.outcome);
    if (q.since) add('time >= ?', q.since);
    if (q.until) add('time < ?', q.until);
    if (q.afterSeq !== undefined) add('seq > ?', q.afterSeq);
    if (q.beforeSeq !== undefined) add('seq < ?', q.beforeSeq);
    const sql = `SELECT * FROM audit_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.descending ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.#read(() => prepared(this.#reader, sql).all(...args, q.limit)) as AuditRow[];
    return rows.map(auditFromRow);
  }

  async latestCheckpoint(): Promise<CheckpointRecord | null> {
    const row = this.#read(() => prepared(this.#reader, 'SELECT * FROM audit_checkpoints ORDER BY size DESC, time DESC LIMIT 1').get()) as CheckpointRow | undefined;
    return row ? checkpointFromRow(row) : null;
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    const rows = this.#read(() => prepared(this.#reader, 'SELECT * FROM audit_checkpoints ORDER BY size, time').all()) as CheckpointRow[];
    return rows.map(checkpointFromRow);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new KeywardError('storage_unavailable', 'store is closed');
      if (this.#syncFailure !== null) throw new KeywardError('storage_unavailable', 'an earlier fsync of the database failed; restart the node', {}, { cause: this.#syncFailure });
      const tx = new SqliteTx(this.#writer);
      try {
        this.#writer.exec('BEGIN IMMEDIATE');
      } catch (err) {
        throw translateSqliteError(err);
      }
      try {
        const result = await fn(tx);
        this.#writer.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.#writer.inTransaction) this.#writer.exec('ROLLBACK');
        throw translateSqliteError(err);
      } finally {
        tx.end();
      }
    };
    // The next transaction waits for this one's COMMIT only; this one's caller also waits for the fsync.
    const committed = this.#tail.then(run, run);
    this.#tail = committed.catch(() => undefined);
    return committed.then(async (result) => {
      await this.#sync();
      return result;
    });
  }

  /** Makes every commit so far durable: fsync of the WAL file (all frames written before it). */
  async #sync(): Promise<void> {
    if (this.#writer.memory) return;
    try {
      this.#wal ??= open(`${this.#writer.name}-wal`, 'r+');
      await (await this.#wal).sync();
    } catch (err) {
      this.#syncFailure ??= err;
      throw new KeywardError('storage_unavailable', 'could not make the commit durable (fsync failed)', {}, { cause: err });
    }
  }

  /** In-process: one node per database file, so the process is the whole cluster. */
  leadership(name: string): LeaderLease {
    const lease = new SqliteLeaderLease(this.#databaseId, name, () => !this.#closed);
    this.#leases.add(lease);
    return lease;
  }

  #read<T>(fn: () => T): T {
    if (this.#closed) throw new KeywardError('storage_unavailable', 'store is closed');
    try {
      return fn();
    } catch (err) {
      throw translateSqliteError(err);
    }
  }
}

interface SealRow {
  threshold: number;
  shares: number;
  wrapped_root_key: Buffer;
  share_checks: string;
  wrapped_audit_signing_key: Buffer;
  audit_public_key: string;
  initialized_at: string;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
  const applied = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  if (applied > SQLITE_MIGRATIONS.length) {
    throw new KeywardError('storage_unavailable', `database schema version ${applied} is newer than this Keyward (${SQLITE_MIGRATIONS.length}); upgrade Keyward`);
  }
  for (let v = applied + 1; v <= SQLITE_MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[v - 1] as string);
      if (v === 1) db.prepare("INSERT INTO meta (name, value) VALUES ('instance_id', ?)").run(`kw_${randomBytes(12).toString('hex')}`);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, new Date().toISOString());
    })();
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function jsonPath(key: string): string {
  return `$."${key.replace(/["\\]/g, '')}"`;
}
