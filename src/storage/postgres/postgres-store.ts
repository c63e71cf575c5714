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
import type { PostgresClient, PostgresPool, PostgresResult, PostgresValue } from './postgres-driver.ts';
import { translatePostgresError } from './postgres-errors.ts';
import { checkSchemaName } from './postgres-identifiers.ts';
import { advisoryLock, type AdvisoryLock } from './postgres-locks.ts';
import { PostgresLeaderLease } from './postgres-leader.ts';
import { migrate } from './postgres-migrate.ts';
import { createPool, poolOptions, type PostgresPoolOptions } from './postgres-pool.ts';
import { AUDIT_HEAD_SQL, headFromRows, listKeysStatement, Params, queryAuditStatement, type AuditHeadRow } from './postgres-queries.ts';
import {
  auditFromRow,
  checkpointFromRow,
  keyFromRow,
  keyVersionFromRow,
  sealFromRow,
  tokenFromRow,
  documentFromRow,
  type DocumentRow,
  type AuditRow,
  type CheckpointRow,
  type KeyRow,
  type KeyVersionRow,
  type SealRow,
  type TokenRow,
} from './postgres-rows.ts';
import { PostgresTx } from './postgres-tx.ts';
import { WriterSlots } from './postgres-writer-slots.ts';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database?sslmode=… — never echoed in errors or logs. */
  readonly connectionString: string;
  /**
   * PostgreSQL schema for Keyward's tables, created if missing and put on every connection's
   * search_path. Omitted: the connection's default (usually `public`).
   */
  readonly schema?: string;
  readonly pool?: PostgresPoolOptions;
  /** Told about errors of idle pooled connections (for the log); they never crash the process. */
  readonly onConnectionError?: (err: unknown) => void;
}

/**
 * PostgreSQL backend, for several Keyward nodes sharing one database. Reads go through the pool
 * (each on its own connection, so they see committed data only); a transaction holds one pooled
 * connection from BEGIN to COMMIT. Audit appenders on every node are serialised by a transaction
 * advisory lock taken in `lockAuditHead`, so the chain stays one gap-free sequence.
 */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly #pool: PostgresPool;
  readonly #auditLock: AdvisoryLock;
  readonly #writers: WriterSlots;
  #closed = false;
  /** Set by `open`: how to give each leader lease a connection of its own. */
  #leaseSettings: { readonly schema: string; readonly openPool: () => PostgresPool; readonly answerTimeoutMillis: number } | null = null;
  readonly #leases = new Set<PostgresLeaderLease>();

  private constructor(pool: PostgresPool, auditLock: AdvisoryLock, maxConnections: number) {
    this.#pool = pool;
    this.#auditLock = auditLock;
    this.#writers = new WriterSlots(maxConnections - 1);
  }

  /** Connects, migrates (under an advisory lock) and returns the store; fails with `storage_unavailable`. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    if (/^postgres(ql)?:\/\//.test(options.connectionString) && !URL.canParse(options.connectionString)) {
      throw new KeywardError('validation_failed', 'the PostgreSQL connection string is not a valid URL', { field: 'connectionString' });
    }
    const schema = options.schema === undefined ? null : checkSchemaName(options.schema);
    const pool = poolOptions(options.pool);
    const settings = { connectionString: options.connectionString, schema, pool, onConnectionError: options.onConnectionError ?? (() => undefined) };
    const db = createPool(settings);
    try {
      const migrated = await migrate(db, schema);
      const store = new PostgresStore(db, advisoryLock('auditHead', migrated.schema), pool.max);
      store.#leaseSettings = {
        schema: migrated.schema,
        openPool: () => createPool({ ...settings, pool: { ...pool, max: 1 } }),
        answerTimeoutMillis: pool.connectionTimeoutMillis,
      };
      return store;
    } catch (err) {
      await db.end().catch(() => undefined);
      throw translatePostgresError(err);
    }
  }

  /** Read from the database each time, not cached: `adoptInstanceId` may replace it after open, on any node. */
  async instanceId(): Promise<string> {
    const [row] = await this.#rows<{ value: string }>("SELECT value FROM meta WHERE name = 'instance_id'");
    if (!row) throw new KeywardError('storage_unavailable', 'the database has no instance id (meta table damaged)');
    return row.value;
  }

  /** Waits for running reads and transactions to finish, then closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lease of this.#leases) await lease.close();
    await this.#pool.end().catch(() => undefined);
  }

  async getSeal(): Promise<SealRecord | null> {
    const [row] = await this.#rows<SealRow>('SELECT * FROM seal WHERE id = 1');
    return row ? sealFromRow(row) : null;
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const [row] = await this.#rows<KeyRow>('SELECT * FROM keys WHERE id = $1', [id]);
    return row ? keyFromRow(row) : null;
  }

  async getKeyByName(name: string): Promise<KeyRecord | null> {
    const [row] = await this.#rows<KeyRow>('SELECT * FROM keys WHERE name = $1', [name]);
    return row ? keyFromRow(row) : null;
  }

  async listKeys(filter: KeyListFilter): Promise<KeyRecord[]> {
    const { text, values } = listKeysStatement(filter);
    return (await this.#rows<KeyRow>(text, values)).map(keyFromRow);
  }

  async getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | null> {
    const [row] = await this.#rows<KeyVersionRow>('SELECT * FROM key_versions WHERE key_id = $1 AND version = $2', [keyId, version]);
    return row ? keyVersionFromRow(row) : null;
  }

  async listKeyVersions(keyId: string): Promise<KeyVersionRecord[]> {
    return (await this.#rows<KeyVersionRow>('SELECT * FROM key_versions WHERE key_id = $1 ORDER BY version', [keyId])).map(keyVersionFromRow);
  }

  async getTokenByHash(hash: Buffer): Promise<TokenRecord | null> {
    const [row] = await this.#rows<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row ? tokenFromRow(row) : null;
  }

  async getToken(accessor: string): Promise<TokenRecord | null> {
    const [row] = await this.#rows<TokenRow>('SELECT * FROM tokens WHERE accessor = $1', [accessor]);
    return row ? tokenFromRow(row) : null;
  }

  async listTokens(filter: TokenListFilter): Promise<TokenRecord[]> {
    const p = new Params();
    const where: string[] = [];
    if (filter.after !== undefined) where.push(`accessor > ${p.add(filter.after)}`);
    if (filter.identityId !== undefined) where.push(`identity_id = ${p.add(filter.identityId)}`);
    const sql = `SELECT * FROM tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY accessor LIMIT ${p.add(filter.limit)}`;
    return (await this.#rows<TokenRow>(sql, p.values)).map(tokenFromRow);
  }

  async getDocument<T = JsonValue>(kind: string, id: string): Promise<DocumentRecord<T> | null> {
    const [row] = await this.#rows<DocumentRow>('SELECT * FROM documents WHERE kind = $1 AND id = $2', [kind, id]);
    return row ? documentFromRow<T>(row) : null;
  }

  async findDocument<T = JsonValue>(kind: string, lookup: string): Promise<DocumentRecord<T> | null> {
    const [row] = await this.#rows<DocumentRow>('SELECT * FROM documents WHERE kind = $1 AND lookup = $2', [kind, lookup]);
    return row ? documentFromRow<T>(row) : null;
  }

  async documentKinds(): Promise<string[]> {
    return (await this.#rows<{ kind: string }>('SELECT DISTINCT kind FROM documents ORDER BY kind')).map((r) => r.kind);
  }

  async listDocuments<T = JsonValue>(kind: string, filter: DocumentListFilter): Promise<DocumentRecord<T>[]> {
    const p = new Params();
    const where = [`kind = ${p.add(kind)}`];
    if (filter.ref !== undefined) where.push(`ref = ${p.add(filter.ref)}`);
    if (filter.after !== undefined) where.push(`id > ${p.add(filter.after)}`);
    const sql = `SELECT * FROM documents WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p.add(filter.limit)}`;
    return (await this.#rows<DocumentRow>(sql, p.values)).map((r) => documentFromRow<T>(r));
  }

  async auditHead(): Promise<AuditHead> {
    return headFromRows(await this.#rows<AuditHeadRow>(AUDIT_HEAD_SQL));
  }

  async getAuditEntry(seq: number): Promise<AuditRecord | null> {
    const [row] = await this.#rows<AuditRow>('SELECT * FROM audit_entries WHERE seq = $1', [seq]);
    return row ? auditFromRow(row) : null;
  }

  async readAudit(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    return (await this.#rows<AuditRow>('SELECT * FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2', [fromSeq, limit])).map(auditFromRow);
  }

  async queryAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const { text, values } = queryAuditStatement(q);
    return (await this.#rows<AuditRow>(text, values)).map(auditFromRow);
  }

  async latestCheckpoint(): Promise<CheckpointRecord | null> {
    const [row] = await this.#rows<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY size DESC, time DESC LIMIT 1');
    return row ? checkpointFromRow(row) : null;
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    return (await this.#rows<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY size, time')).map(checkpointFromRow);
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.#assertOpen();
    await this.#writers.acquire();
    try {
      this.#assertOpen();
      const client = await this.#connect();
      // False while BEGIN, COMMIT or ROLLBACK is unanswered: a connection that failed one of those
      // is destroyed rather than handed to the next caller in an unknown state.
      let reusable = false;
      try {
        // Explicit READ COMMITTED whatever the server default: lockAuditHead relies on each
        // statement seeing what was committed before it, including entries appended while it waited.
        await query(client, 'BEGIN ISOLATION LEVEL READ COMMITTED');
        reusable = true;
        const tx = new PostgresTx(client, this.#auditLock);
        let result: T;
        try {
          result = await fn(tx);
          // fn caught a failed statement and carried on; PostgreSQL would turn COMMIT into ROLLBACK.
          if (tx.failure !== undefined) throw translatePostgresError(tx.failure);
        } catch (err) {
          tx.end();
          // The caller gets fn's error; a failed ROLLBACK only costs the connection.
          reusable = await client.query('ROLLBACK').then(
            () => true,
            () => false,
          );
          throw err;
        }
        tx.end();
        reusable = false;
        const commit = await query(client, 'COMMIT');
        reusable = true;
        if (commit.command !== 'COMMIT') throw new KeywardError('storage_unavailable', 'PostgreSQL rolled the transaction back instead of committing it');
        return result;
      } finally {
        client.release(!reusable);
      }
    } finally {
      this.#writers.release();
    }
  }

  /**
   * A session advisory lock on a connection of the lease's own (postgres-leader.ts), outside the
   * store's pool so a held lease never takes a connection reads and transactions count on.
   */
  leadership(name: string): LeaderLease {
    this.#assertOpen();
    const settings = this.#leaseSettings;
    if (!settings) throw new KeywardError('internal', 'the store was not opened with PostgresStore.open');
    const lease = new PostgresLeaderLease({ name, pool: settings.openPool(), schema: settings.schema, answerTimeoutMillis: settings.answerTimeoutMillis });
    this.#leases.add(lease);
    return lease;
  }

  async #connect(): Promise<PostgresClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw translatePostgresError(err);
    }
  }

  async #rows<R>(text: string, values?: readonly PostgresValue[]): Promise<R[]> {
    this.#assertOpen();
    try {
      return (await this.#pool.query<R>(text, values)).rows;
    } catch (err) {
      throw translatePostgresError(err);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new KeywardError('storage_unavailable', 'store is closed');
  }
}

async function query(client: PostgresClient, text: string): Promise<PostgresResult<unknown>> {
  try {
    return await client.query(text);
  } catch (err) {
    throw translatePostgresError(err);
  }
}
