import type {
  AuditHead,
  AuditQuery,
  AuditRecord,
  CheckpointRecord,
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

  auditHead(): Promise<AuditHead>;
  getAuditEntry(seq: number): Promise<AuditRecord | null>;
  /** Entries in seq order from `fromSeq` (inclusive), at most `limit`. For verify and export. */
  readAudit(fromSeq: number, limit: number): Promise<AuditRecord[]>;
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  latestCheckpoint(): Promise<CheckpointRecord | null>;
  listCheckpoints(): Promise<CheckpointRecord[]>;

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
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

  /** The chain head, locked against other writers until the transaction ends. */
  lockAuditHead(): Promise<AuditHead>;
  insertAuditEntries(entries: readonly AuditRecord[]): Promise<void>;
  insertCheckpoint(checkpoint: CheckpointRecord): Promise<void>;
}
