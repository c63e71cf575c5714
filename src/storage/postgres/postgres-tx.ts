import { KeywardError } from '../../core/errors.ts';
import { checkInstanceId, type StoreTx } from '../store.ts';
import type { AuditHead, AuditRecord, CheckpointRecord, DocumentRecord, DocumentWrite, KeyPatch, KeyRecord, KeyVersionRecord, SealRecord, TokenPatch, TokenRecord } from '../records.ts';
import type { PostgresClient, PostgresResult, PostgresValue } from './postgres-driver.ts';
import { translatePostgresError } from './postgres-errors.ts';
import type { AdvisoryLock } from './postgres-locks.ts';
import { AUDIT_HEAD_SQL, headFromRows, insertStatement, Params, STORE_IN_USE_SQL, type AuditHeadRow } from './postgres-queries.ts';
import {
  auditToParams,
  checkpointToParams,
  keyFromRow,
  keyToParams,
  keyVersionToParams,
  sealToParams,
  tokenFromRow,
  documentFromRow,
  type DocumentRow,
  tokenToParams,
  type KeyRow,
  type TokenRow,
} from './postgres-rows.ts';
import { nullableTimestampParam, timestampParam } from './postgres-values.ts';

type PatchValue = (value: unknown, field: string) => PostgresValue;
const plain: PatchValue = (value) => value as PostgresValue;
const timestamp: PatchValue = (value, field) => nullableTimestampParam(value as string | null, field);

const PATCH_COLUMNS: Readonly<Record<keyof KeyPatch, readonly [string, PatchValue]>> = {
  state: ['state', plain],
  owner: ['owner', plain],
  purpose: ['purpose', plain],
  environment: ['environment', plain],
  tier: ['tier', plain],
  tags: ['tags', (value) => JSON.stringify(value)],
  description: ['description', plain],
  updatedAt: ['updated_at', timestamp],
  stateChangedAt: ['state_changed_at', timestamp],
  currentVersion: ['current_version', plain],
  minDecryptionVersion: ['min_decryption_version', plain],
  rotationPeriodDays: ['rotation_period_days', plain],
  lastRotatedAt: ['last_rotated_at', timestamp],
  compromisedAt: ['compromised_at', timestamp],
  destroyedAt: ['destroyed_at', timestamp],
};

/**
 * Writes inside one PostgreSQL transaction on one pooled connection (opened and committed by
 * PostgresStore.transaction).
 *
 * PostgreSQL, unlike SQLite, aborts the whole transaction when a statement fails. So expected
 * refusals (a taken name, a duplicate version) use ON CONFLICT DO NOTHING and are reported without
 * a failed statement, and any statement that does fail is remembered: a savepoint that swallowed it
 * is rolled back, and a transaction that swallowed it is not committed (see `failure`).
 */
export class PostgresTx implements StoreTx {
  readonly #client: PostgresClient;
  readonly #auditLock: AdvisoryLock;
  #open = true;
  #depth = 0;
  #failure: unknown = undefined;

  constructor(client: PostgresClient, auditLock: AdvisoryLock) {
    this.#client = client;
    this.#auditLock = auditLock;
  }

  /** The first driver error not undone by a savepoint, if any: the transaction cannot commit. */
  get failure(): unknown {
    return this.#failure;
  }

  end(): void {
    this.#open = false;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const name = `sp${++this.#depth}`;
    const failureBefore = this.#failure;
    try {
      await this.#query(`SAVEPOINT ${name}`);
      let result: T;
      try {
        result = await fn();
        // fn caught a failed statement and carried on: PostgreSQL has aborted the savepoint anyway.
        if (this.#failure !== failureBefore) throw translatePostgresError(this.#failure);
      } catch (err) {
        await this.#query(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.#query(`RELEASE SAVEPOINT ${name}`);
        this.#failure = failureBefore;
        throw err;
      }
      await this.#query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } finally {
      this.#depth--;
    }
  }

  async putSeal(seal: SealRecord): Promise<void> {
    this.#check();
    const insert = insertStatement('seal', sealToParams(seal), 'ON CONFLICT DO NOTHING');
    const { rowCount } = await this.#query(insert.text, insert.values);
    if (rowCount !== 1) throw new KeywardError('already_initialized', 'Keyward is already initialised');
  }

  async insertKey(key: KeyRecord, firstVersion: KeyVersionRecord): Promise<void> {
    this.#check();
    const insert = insertStatement('keys', keyToParams(key), 'ON CONFLICT DO NOTHING');
    const { rowCount } = await this.#query(insert.text, insert.values);
    if (rowCount !== 1) {
      const { rows } = await this.#query('SELECT 1 FROM keys WHERE name = $1', [key.name]);
      if (rows.length > 0) throw new KeywardError('key_exists', `a key named "${key.name}" already exists`, { name: key.name });
      throw new KeywardError('conflict', 'a key with that id already exists', { keyId: key.id });
    }
    await this.insertKeyVersion(firstVersion);
  }

  async updateKey(id: string, expectedRevision: number, patch: KeyPatch): Promise<KeyRecord> {
    this.#check();
    const p = new Params();
    const sets: string[] = ['revision = revision + 1'];
    for (const [field, value] of Object.entries(patch) as [keyof KeyPatch, unknown][]) {
      if (value === undefined) continue;
      const [column, toParam] = PATCH_COLUMNS[field];
      sets.push(`${column} = ${p.add(toParam(value, field))}`);
    }
    const { rows } = await this.#query<KeyRow>(`UPDATE keys SET ${sets.join(', ')} WHERE id = ${p.add(id)} AND revision = ${p.add(expectedRevision)} RETURNING *`, p.values);
    const row = rows[0];
    if (row) return keyFromRow(row);
    const exists = await this.#query('SELECT 1 FROM keys WHERE id = $1', [id]);
    if (exists.rows.length === 0) throw new KeywardError('key_not_found', 'key not found', { keyId: id });
    throw new KeywardError('conflict', 'the key was changed concurrently; retry', { keyId: id });
  }

  async insertKeyVersion(v: KeyVersionRecord): Promise<void> {
    this.#check();
    const insert = insertStatement('key_versions', keyVersionToParams(v), 'ON CONFLICT DO NOTHING');
    const { rowCount } = await this.#query(insert.text, insert.values);
    if (rowCount !== 1) throw new KeywardError('conflict', `version ${v.version} of that key already exists`, { keyId: v.keyId, version: v.version });
  }

  async shredKeyMaterial(keyId: string): Promise<void> {
    this.#check();
    // Zeros first, then NULL, as on SQLite. Under MVCC both updates write new row versions; the
    // old ones stay on disk until VACUUM reclaims them (docs/storage.md).
    await this.#query("UPDATE key_versions SET wrapped_material = decode(repeat('00', octet_length(wrapped_material)), 'hex') WHERE key_id = $1 AND wrapped_material IS NOT NULL", [keyId]);
    await this.#query('UPDATE key_versions SET wrapped_material = NULL WHERE key_id = $1', [keyId]);
  }

  async reserveEncryptions(keyId: string, version: number, count: number, limit: number): Promise<number | null> {
    this.#check();
    // One statement: the row lock makes check-and-add atomic against every other node.
    const { rows } = await this.#query<{ encryption_count: number }>(
      'UPDATE key_versions SET encryption_count = encryption_count + $1 WHERE key_id = $2 AND version = $3 AND encryption_count + $1 <= $4 RETURNING encryption_count',
      [count, keyId, version, limit],
    );
    return rows[0]?.encryption_count ?? null;
  }

  async insertToken(token: TokenRecord): Promise<void> {
    this.#check();
    const insert = insertStatement('tokens', tokenToParams(token), 'ON CONFLICT DO NOTHING');
    const { rowCount } = await this.#query(insert.text, insert.values);
    if (rowCount !== 1) throw new KeywardError('conflict', 'a token with that accessor already exists', { accessor: token.accessor });
  }

  async updateToken(accessor: string, patch: TokenPatch): Promise<TokenRecord> {
    this.#check();
    const p = new Params();
    const sets: string[] = [];
    if (patch.expiresAt !== undefined) sets.push(`expires_at = ${p.add(nullableTimestampParam(patch.expiresAt, 'expiresAt'))}`);
    if (patch.revokedAt !== undefined) sets.push(`revoked_at = ${p.add(nullableTimestampParam(patch.revokedAt, 'revokedAt'))}`);
    const { rows } =
      sets.length > 0
        ? await this.#query<TokenRow>(`UPDATE tokens SET ${sets.join(', ')} WHERE accessor = ${p.add(accessor)} RETURNING *`, p.values)
        : await this.#query<TokenRow>('SELECT * FROM tokens WHERE accessor = $1', [accessor]);
    const row = rows[0];
    if (!row) throw new KeywardError('token_not_found', 'no token with that accessor', { accessor });
    return tokenFromRow(row);
  }

  async revokeIdentityTokens(identityId: string, revokedAt: string): Promise<number> {
    this.#check();
    const { rowCount } = await this.#query('UPDATE tokens SET revoked_at = $1 WHERE identity_id = $2 AND revoked_at IS NULL', [timestampParam(revokedAt, 'revokedAt'), identityId]);
    return rowCount ?? 0;
  }

  async putDocument<T>(doc: DocumentWrite<T>, expectedRevision: number | null): Promise<DocumentRecord<T>> {
    this.#check();
    const lookup = doc.lookup ?? null;
    const ref = doc.ref ?? null;
    const data = JSON.stringify(doc.data);
    const updatedAt = timestampParam(doc.updatedAt, 'updatedAt');
    if (lookup !== null) {
      // Checked first: a unique violation would abort the whole transaction (a concurrent insert
      // of the same name still ends in one, reported as a conflict).
      const { rows } = await this.#query('SELECT 1 FROM documents WHERE kind = $1 AND lookup = $2 AND id <> $3', [doc.kind, lookup, doc.id]);
      if (rows.length > 0) throw new KeywardError('conflict', `another ${doc.kind} already has that name`, { kind: doc.kind });
    }
    const { rows } =
        expectedRevision === null
          ? await this.#query<DocumentRow>(
              'INSERT INTO documents (kind, id, lookup, ref, data, revision, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (kind, id) DO NOTHING RETURNING *',
              [doc.kind, doc.id, lookup, ref, data, updatedAt],
            )
          : await this.#query<DocumentRow>(
              'UPDATE documents SET lookup = $1, ref = $2, data = $3, revision = revision + 1, updated_at = $4 WHERE kind = $5 AND id = $6 AND revision = $7 RETURNING *',
              [lookup, ref, data, updatedAt, doc.kind, doc.id, expectedRevision],
            );
    const row = rows[0];
    if (!row) {
      throw new KeywardError('conflict', expectedRevision === null ? `a ${doc.kind} with that id already exists` : `the ${doc.kind} was changed or deleted meanwhile; retry`, { kind: doc.kind });
    }
    return documentFromRow<T>(row);
  }

  async restoreDocument(doc: DocumentRecord): Promise<void> {
    this.#check();
    const { rowCount } = await this.#query(
      'INSERT INTO documents (kind, id, lookup, ref, data, revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, id) DO NOTHING',
      [doc.kind, doc.id, doc.lookup, doc.ref, JSON.stringify(doc.data), doc.revision, timestampParam(doc.updatedAt, 'updatedAt')],
    );
    if (rowCount !== 1) throw new KeywardError('conflict', `a ${doc.kind} with that id already exists`, { kind: doc.kind });
  }

  async deleteDocument(kind: string, id: string): Promise<boolean> {
    this.#check();
    const { rowCount } = await this.#query('DELETE FROM documents WHERE kind = $1 AND id = $2', [kind, id]);
    return rowCount === 1;
  }

  async lockAuditHead(): Promise<AuditHead> {
    this.#check();
    // Held until COMMIT/ROLLBACK by every appender on every node, so heads are read one at a time.
    // Under READ COMMITTED the next statement takes a fresh snapshot, so it sees the entries of
    // whoever held the lock before us.
    await this.#query('SELECT pg_advisory_xact_lock($1, $2)', [this.#auditLock.classId, this.#auditLock.objectId]);
    return headFromRows((await this.#query<AuditHeadRow>(AUDIT_HEAD_SQL)).rows);
  }

  async insertAuditEntries(entries: readonly AuditRecord[]): Promise<void> {
    this.#check();
    if (entries.length === 0) return;
    // One multi-row INSERT per chunk. A taken seq is not skipped (no ON CONFLICT): it means the
    // chain was extended without the lock, and the failed statement keeps the transaction from committing.
    for (let i = 0; i < entries.length; i += AUDIT_ROWS_PER_INSERT) {
      const p = new Params();
      const rows = entries.slice(i, i + AUDIT_ROWS_PER_INSERT).map(auditToParams);
      const columns = Object.keys(rows[0] ?? {});
      const tuples = rows.map((row) => `(${Object.values(row).map((v) => p.add(v)).join(', ')})`);
      await this.#query(`INSERT INTO audit_entries (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, p.values);
    }
  }

  async insertCheckpoint(c: CheckpointRecord): Promise<void> {
    this.#check();
    const insert = insertStatement('audit_checkpoints', checkpointToParams(c), 'ON CONFLICT DO NOTHING');
    await this.#query(insert.text, insert.values);
  }

  async adoptInstanceId(id: string): Promise<void> {
    this.#check();
    checkInstanceId(id);
    // Under the audit lock, which every audited writer on every node holds while it writes.
    await this.#query('SELECT pg_advisory_xact_lock($1, $2)', [this.#auditLock.classId, this.#auditLock.objectId]);
    const { rows } = await this.#query<{ used: boolean }>(STORE_IN_USE_SQL);
    if (rows[0]?.used !== false) throw new KeywardError('conflict', 'the instance id can only be replaced in an empty store (no seal, keys, tokens or audit entries)');
    await this.#query("UPDATE meta SET value = $1 WHERE name = 'instance_id'", [id]);
  }

  /** Every statement of the transaction goes through here, so a failure is recorded before it is translated. */
  async #query<R = Record<string, unknown>>(text: string, values?: readonly PostgresValue[]): Promise<PostgresResult<R>> {
    try {
      return await this.#client.query<R>(text, values);
    } catch (err) {
      this.#failure ??= err;
      throw translatePostgresError(err);
    }
  }

  #check(): void {
    if (!this.#open) throw new Error('store transaction used after it ended');
  }
}

/** 13 columns × 2000 rows stays well under PostgreSQL's 65535 bind parameters per statement. */
const AUDIT_ROWS_PER_INSERT = 2000;
