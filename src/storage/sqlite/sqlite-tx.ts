import type Database from 'better-sqlite3';
import { KeywardError } from '../../core/errors.ts';
import { checkInstanceId, type StoreTx } from '../store.ts';
import type { AuditHead, AuditRecord, CheckpointRecord, DocumentRecord, DocumentWrite, KeyPatch, KeyRecord, KeyVersionRecord, SealRecord, TokenPatch, TokenRecord } from '../records.ts';
import { auditToRow, documentFromRow, keyFromRow, keyToRow, tokenFromRow, tokenToRow, type DocumentRow, type KeyRow, type TokenRow } from './sqlite-rows.ts';
import { prepared, readHead } from './sqlite-statements.ts';

const PATCH_COLUMNS: Readonly<Record<keyof KeyPatch, string>> = {
  state: 'state',
  owner: 'owner',
  purpose: 'purpose',
  environment: 'environment',
  tier: 'tier',
  tags: 'tags',
  description: 'description',
  updatedAt: 'updated_at',
  stateChangedAt: 'state_changed_at',
  currentVersion: 'current_version',
  minDecryptionVersion: 'min_decryption_version',
  rotationPeriodDays: 'rotation_period_days',
  lastRotatedAt: 'last_rotated_at',
  compromisedAt: 'compromised_at',
  destroyedAt: 'destroyed_at',
};

const STORE_IN_USE_SQL = `SELECT EXISTS (SELECT 1 FROM seal) OR EXISTS (SELECT 1 FROM keys) OR EXISTS (SELECT 1 FROM tokens)
  OR EXISTS (SELECT 1 FROM documents) OR EXISTS (SELECT 1 FROM audit_entries) OR EXISTS (SELECT 1 FROM audit_checkpoints) AS used`;

/** Writes inside one SQLite transaction (opened and committed by SqliteStore.transaction). */
export class SqliteTx implements StoreTx {
  readonly #db: Database.Database;
  #open = true;
  #depth = 0;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  end(): void {
    this.#open = false;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const name = `sp${++this.#depth}`;
    this.#db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.#db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.#db.exec(`ROLLBACK TO ${name}`);
      this.#db.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      this.#depth--;
    }
  }

  async putSeal(seal: SealRecord): Promise<void> {
    this.#check();
    const existing = prepared(this.#db, 'SELECT 1 FROM seal WHERE id = 1').get();
    if (existing) throw new KeywardError('already_initialized', 'Keyward is already initialised');
    prepared(this.#db, 
        `INSERT INTO seal (id, threshold, shares, wrapped_root_key, share_checks, wrapped_audit_signing_key, audit_public_key, initialized_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(seal.threshold, seal.shares, seal.wrappedRootKey, JSON.stringify(seal.shareChecks), seal.wrappedAuditSigningKey, seal.auditPublicKey, seal.initializedAt);
  }

  async insertKey(key: KeyRecord, firstVersion: KeyVersionRecord): Promise<void> {
    this.#check();
    if (prepared(this.#db, 'SELECT 1 FROM keys WHERE name = ?').get(key.name)) {
      throw new KeywardError('key_exists', `a key named "${key.name}" already exists`, { name: key.name });
    }
    const row = keyToRow(key);
    const cols = Object.keys(row);
    prepared(this.#db, `INSERT INTO keys (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
    await this.insertKeyVersion(firstVersion);
  }

  async updateKey(id: string, expectedRevision: number, patch: KeyPatch): Promise<KeyRecord> {
    this.#check();
    const sets: string[] = ['revision = revision + 1'];
    const args: (string | number | null)[] = [];
    for (const [field, value] of Object.entries(patch) as [keyof KeyPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${PATCH_COLUMNS[field]} = ?`);
      args.push(field === 'tags' ? JSON.stringify(value) : (value as string | number | null));
    }
    const result = prepared(this.#db, `UPDATE keys SET ${sets.join(', ')} WHERE id = ? AND revision = ?`).run(...args, id, expectedRevision);
    if (result.changes !== 1) {
      const exists = prepared(this.#db, 'SELECT 1 FROM keys WHERE id = ?').get(id);
      if (!exists) throw new KeywardError('key_not_found', 'key not found', { keyId: id });
      throw new KeywardError('conflict', 'the key was changed concurrently; retry', { keyId: id });
    }
    return keyFromRow(prepared(this.#db, 'SELECT * FROM keys WHERE id = ?').get(id) as KeyRow);
  }

  async insertKeyVersion(v: KeyVersionRecord): Promise<void> {
    this.#check();
    prepared(this.#db, 'INSERT INTO key_versions (key_id, version, wrapped_material, public_key, origin, created_at, encryption_count) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(v.keyId, v.version, v.wrappedMaterial, v.publicKey, v.origin, v.createdAt, v.encryptionCount);
  }

  async shredKeyMaterial(keyId: string): Promise<void> {
    this.#check();
    // zeroblob first so the old bytes are overwritten in place, then NULL.
    prepared(this.#db, 'UPDATE key_versions SET wrapped_material = zeroblob(length(wrapped_material)) WHERE key_id = ? AND wrapped_material IS NOT NULL').run(keyId);
    prepared(this.#db, 'UPDATE key_versions SET wrapped_material = NULL WHERE key_id = ?').run(keyId);
  }

  async reserveEncryptions(keyId: string, version: number, count: number, limit: number): Promise<number | null> {
    this.#check();
    const row = prepared(this.#db, 'UPDATE key_versions SET encryption_count = encryption_count + ? WHERE key_id = ? AND version = ? AND encryption_count + ? <= ? RETURNING encryption_count')
      .get(count, keyId, version, count, limit) as { encryption_count: number } | undefined;
    return row ? row.encryption_count : null;
  }

  async insertToken(token: TokenRecord): Promise<void> {
    this.#check();
    if (prepared(this.#db, 'SELECT 1 FROM tokens WHERE accessor = ? OR hash = ?').get(token.accessor, token.hash)) {
      throw new KeywardError('conflict', 'a token with that accessor already exists', { accessor: token.accessor });
    }
    const row = tokenToRow(token);
    const cols = Object.keys(row);
    prepared(this.#db, `INSERT INTO tokens (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
  }

  async updateToken(accessor: string, patch: TokenPatch): Promise<TokenRecord> {
    this.#check();
    const sets: string[] = [];
    const args: (string | null)[] = [];
    if (patch.expiresAt !== undefined) {
      sets.push('expires_at = ?');
      args.push(patch.expiresAt);
    }
    if (patch.revokedAt !== undefined) {
      sets.push('revoked_at = ?');
      args.push(patch.revokedAt);
    }
    if (sets.length > 0) prepared(this.#db, `UPDATE tokens SET ${sets.join(', ')} WHERE accessor = ?`).run(...args, accessor);
    const row = prepared(this.#db, 'SELECT * FROM tokens WHERE accessor = ?').get(accessor) as TokenRow | undefined;
    if (!row) throw new KeywardError('token_not_found', 'no token with that accessor', { accessor });
    return tokenFromRow(row);
  }

  async revokeIdentityTokens(identityId: string, revokedAt: string): Promise<number> {
    this.#check();
    return prepared(this.#db, 'UPDATE tokens SET revoked_at = ? WHERE identity_id = ? AND revoked_at IS NULL').run(revokedAt, identityId).changes;
  }

  async putDocument<T>(doc: DocumentWrite<T>, expectedRevision: number | null): Promise<DocumentRecord<T>> {
    this.#check();
    const lookup = doc.lookup ?? null;
    const ref = doc.ref ?? null;
    if (lookup !== null) {
      const other = prepared(this.#db, 'SELECT id FROM documents WHERE kind = ? AND lookup = ? AND id != ?').get(doc.kind, lookup, doc.id);
      if (other) throw new KeywardError('conflict', `another ${doc.kind} already has that name`, { kind: doc.kind });
    }
    const data = JSON.stringify(doc.data);
    if (expectedRevision === null) {
      const result = prepared(this.#db, 'INSERT INTO documents (kind, id, lookup, ref, data, revision, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING')
        .run(doc.kind, doc.id, lookup, ref, data, doc.updatedAt);
      if (result.changes !== 1) throw new KeywardError('conflict', `a ${doc.kind} with that id already exists`, { kind: doc.kind });
    } else {
      const result = prepared(this.#db, 'UPDATE documents SET lookup = ?, ref = ?, data = ?, revision = revision + 1, updated_at = ? WHERE kind = ? AND id = ? AND revision = ?')
        .run(lookup, ref, data, doc.updatedAt, doc.kind, doc.id, expectedRevision);
      if (result.changes !== 1) throw new KeywardError('conflict', `the ${doc.kind} was changed or deleted meanwhile; retry`, { kind: doc.kind });
    }
    const row = prepared(this.#db, 'SELECT * FROM documents WHERE kind = ? AND id = ?').get(doc.kind, doc.id) as DocumentRow;
    return documentFromRow<T>(row);
  }

  async restoreDocument(doc: DocumentRecord): Promise<void> {
    this.#check();
    const result = prepared(this.#db, 'INSERT INTO documents (kind, id, lookup, ref, data, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(doc.kind, doc.id, doc.lookup, doc.ref, JSON.stringify(doc.data), doc.revision, doc.updatedAt);
    if (result.changes !== 1) throw new KeywardError('conflict', `a ${doc.kind} with that id already exists`, { kind: doc.kind });
  }

  async deleteDocument(kind: string, id: string): Promise<boolean> {
    this.#check();
    return prepared(this.#db, 'DELETE FROM documents WHERE kind = ? AND id = ?').run(kind, id).changes === 1;
  }

  async lockAuditHead(): Promise<AuditHead> {
    this.#check();
    // BEGIN IMMEDIATE already holds SQLite's write lock for the whole transaction.
    return readHead(this.#db);
  }

  async insertAuditEntries(entries: readonly AuditRecord[]): Promise<void> {
    this.#check();
    const stmt = prepared(this.#db, 
      `INSERT INTO audit_entries (seq, time, actor, action, key_id, key_version, outcome, error_code, request_id, correlation_id, source, details, chain_hash)
       VALUES (@seq, @time, @actor, @action, @key_id, @key_version, @outcome, @error_code, @request_id, @correlation_id, @source, @details, @chain_hash)`,
    );
    for (const e of entries) stmt.run(auditToRow(e));
  }

  async insertCheckpoint(c: CheckpointRecord): Promise<void> {
    this.#check();
    prepared(this.#db, 'INSERT OR IGNORE INTO audit_checkpoints (size, time, origin, chain_hash, signature, public_key) VALUES (?, ?, ?, ?, ?, ?)')
      .run(c.size, c.time, c.origin, c.chainHash, c.signature, c.publicKey);
  }

  async adoptInstanceId(id: string): Promise<void> {
    this.#check();
    checkInstanceId(id);
    // BEGIN IMMEDIATE holds the write lock, so nothing is written between this check and the update.
    const { used } = prepared(this.#db, STORE_IN_USE_SQL).get() as { used: number };
    if (used) throw new KeywardError('conflict', 'the instance id can only be replaced in an empty store (no seal, keys, tokens or audit entries)');
    prepared(this.#db, "UPDATE meta SET value = ? WHERE name = 'instance_id'").run(id);
  }

  #check(): void {
    if (!this.#open) throw new Error('store transaction used after it ended');
  }
}
