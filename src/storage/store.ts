import { KeywardError } from '../core/errors.ts';
import type {
  AuditHead,
  AuditQuery,
  AuditRecord,
  CheckpointRecord,
  DocumentListFilter,
  DocumentRecord,
  DocumentWrite,
  JsonValue,
  KeyListFilter,
  KeyPatch,
  KeyRecord,
  KeyVersionRecord,
  SealRecord,
  TokenListFilter,
  TokenPatch,
  TokenRecord,
} from './records.ts';

/**
 * The storage contract. Every backend (storage/sqlite, storage/postgres) implements it and passes
 * the same contract suite (test/storage/store-contract.ts). Reads see committed data only. All
 * writes go through `transaction`, which the backend serialises so the audit chain has one head.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Stable random id of this store, fixed when its schema was first created (the audit origin). */
  instanceId(): Promise<string>;
  close(): Promise<void>;

  getSeal(): Promise<SealRecord | null>;

  getKey(id: string): Promise<KeyRecord | null>;
  getKeyByName(name: string): Promise<KeyRecord | null>;
  listKeys(filter: KeyListFilter): Promise<KeyRecord[]>;
  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | null>;
  listKeyVersions(keyId: string): Promise<KeyVersionRecord[]>;

  getTokenByHash(hash: Buffer): Promise<TokenRecord | null>;
  getToken(accessor: string): Promise<TokenRecord | null>;
  /** Tokens in accessor order (keyset pagination). */
  listTokens(filter: TokenListFilter): Promise<TokenRecord[]>;

  getDocument<T = JsonValue>(kind: string, id: string): Promise<DocumentRecord<T> | null>;
  /** The document of `kind` whose `lookup` is `lookup`. */
  findDocument<T = JsonValue>(kind: string, lookup: string): Promise<DocumentRecord<T> | null>;
  /** Every kind that has at least one document, sorted (for copies and backups). */
  documentKinds(): Promise<string[]>;
  /** Documents of `kind` in id order (keyset pagination). */
  listDocuments<T = JsonValue>(kind: string, filter: DocumentListFilter): Promise<DocumentRecord<T>[]>;

  auditHead(): Promise<AuditHead>;
  getAuditEntry(seq: number): Promise<AuditRecord | null>;
  /** Entries in seq order from `fromSeq` (inclusive), at most `limit`. For verify and export. */
  readAudit(fromSeq: number, limit: number): Promise<AuditRecord[]>;
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  latestCheckpoint(): Promise<CheckpointRecord | null>;
  listCheckpoints(): Promise<CheckpointRecord[]>;

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  /**
   * The lease called `name`: at most one holder at a time among every node sharing this store.
   * Creating it does no I/O; call `tryAcquire` to take it. Closing the store releases its leases.
   */
  leadership(name: string): LeaderLease;
}

/**
 * A named lease for work that must run on exactly one node (schedulers). PostgreSQL: a session
 * advisory lock on a dedicated connection, so a node that dies loses it with its connection.
 * SQLite (one node per database file): granted within the process, one holder at a time.
 * There is no fencing: a holder cut off from the database notices on its next `tryAcquire`, so
 * the work done under a lease must tolerate a short overlap (running twice, briefly).
 */
export interface LeaderLease {
  readonly name: string;
  /** Where the lease is exclusive: among the nodes of a cluster, or only within this process. */
  readonly scope: 'cluster' | 'process';
  /** Whether this holder had the lease at its last `tryAcquire` (no I/O). */
  isLeader(): boolean;
  /**
   * Takes the lease if it is free, without waiting; when already held, checks it still is (the
   * connection behind it is alive). Resolves to whether it is held now; rejects with
   * `storage_unavailable` (the lease then not held) when the store cannot be reached.
   */
  tryAcquire(): Promise<boolean>;
  /** Gives the lease up; a no-op when not held. */
  release(): Promise<void>;
}

/** Writes, valid only inside `Store.transaction`. */
export interface StoreTx {
  /** Runs `fn` under a savepoint: if it throws, its writes are undone and the error rethrown. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;

  putSeal(seal: SealRecord): Promise<void>;

  /** Throws KeywardError `key_exists` when the name is taken. */
  insertKey(key: KeyRecord, firstVersion: KeyVersionRecord): Promise<void>;
  /** Applies a patch if the key still has `expectedRevision`; throws `conflict` otherwise. Returns the new record. */
  updateKey(id: string, expectedRevision: number, patch: KeyPatch): Promise<KeyRecord>;
  insertKeyVersion(version: KeyVersionRecord): Promise<void>;
  /** Erases wrapped material of every version of a key (crypto-shredding). */
  shredKeyMaterial(keyId: string): Promise<void>;
  /**
   * Adds `count` to a version's encryption counter if the result stays ≤ `limit`, returning the
   * new total; returns null (and changes nothing) if it would pass the limit.
   */
  reserveEncryptions(keyId: string, version: number, count: number, limit: number): Promise<number | null>;

  /** Throws `conflict` if the accessor or hash is taken. */
  insertToken(token: TokenRecord): Promise<void>;
  /** Applies the patch and returns the new record; throws `token_not_found` for an unknown accessor. */
  updateToken(accessor: string, patch: TokenPatch): Promise<TokenRecord>;

  /** Sets `revokedAt` on every unrevoked token of an identity; returns how many it revoked. */
  revokeIdentityTokens(identityId: string, revokedAt: string): Promise<number>;

  /**
   * Inserts (`expectedRevision` null) or replaces a document. Throws `conflict` when inserting an
   * id that exists, when the stored revision is not `expectedRevision` (or the document is gone),
   * or when another document of the kind has the same `lookup`. Returns the stored record.
   */
  putDocument<T>(doc: DocumentWrite<T>, expectedRevision: number | null): Promise<DocumentRecord<T>>;
  /** Inserts a document exactly as given (revision included), for copies and restores; `conflict` if the id is taken. */
  restoreDocument(doc: DocumentRecord): Promise<void>;
  /** Deletes a document; returns whether it existed. */
  deleteDocument(kind: string, id: string): Promise<boolean>;

  /** The chain head, locked against other writers until the transaction ends. */
  lockAuditHead(): Promise<AuditHead>;
  insertAuditEntries(entries: readonly AuditRecord[]): Promise<void>;
  insertCheckpoint(checkpoint: CheckpointRecord): Promise<void>;

  /**
   * Replaces this store's instance id (the audit origin) with `id`, for a copy that must carry on
   * another store's audit log (`keyward storage migrate`). Allowed only while the store is empty —
   * no seal, keys, tokens, audit entries or checkpoints — else `conflict`; `validation_failed` for
   * an id that is not one (see `checkInstanceId`). Takes effect for `instanceId()` once committed.
   */
  adoptInstanceId(id: string): Promise<void>;
}

/**
 * Instance ids are signed into every checkpoint's text (`origin <id>` on its own line), so one is
 * 1–128 printable ASCII characters without spaces. Stores make `kw_` + 24 hex digits.
 */
const INSTANCE_ID = /^[\x21-\x7e]{1,128}$/;

export function checkInstanceId(id: string): string {
  if (!INSTANCE_ID.test(id)) throw new KeywardError('validation_failed', 'an instance id is 1 to 128 printable ASCII characters without spaces', { field: 'instanceId' });
  return id;
}
