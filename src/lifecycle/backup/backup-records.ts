import { AUDIT_OUTCOMES, KEY_STATES, type AuditRecord, type CheckpointRecord, type DocumentRecord, type KeyRecord, type KeyVersionRecord, type TokenRecord } from '../../storage/records.ts';
import { KEY_SPECS, KEY_USAGES } from '../../crypto/key-specs.ts';
import { invalid } from './backup-format.ts';

/**
 * A ciphertext made at backup time under an active AES key, with the SHA-256 of its (random,
 * discarded) plaintext: a DR drill decrypts it in the restored instance and compares.
 */
export interface BackupSample {
  readonly keyId: string;
  readonly keyName: string;
  readonly version: number;
  /** kw:v1 text. */
  readonly ciphertext: string;
  readonly context: Readonly<Record<string, string>>;
  /** hex SHA-256 of the plaintext. */
  readonly plaintextSha256: string;
}

/** One record of the body, in the order the writer emits them (the reader checks it). */
export type SnapshotRecord =
  | { readonly type: 'key'; readonly key: KeyRecord; readonly versions: readonly KeyVersionRecord[] }
  | { readonly type: 'token'; readonly token: TokenRecord }
  | { readonly type: 'document'; readonly document: DocumentRecord }
  | { readonly type: 'checkpoint'; readonly checkpoint: CheckpointRecord }
  | { readonly type: 'audit'; readonly entry: AuditRecord }
  | { readonly type: 'sample'; readonly sample: BackupSample };

export type SnapshotRecordType = SnapshotRecord['type'];

/** Sections in body order: checkpoints come before the entries so a reader can match them in one pass. */
export const RECORD_ORDER: readonly SnapshotRecordType[] = ['key', 'token', 'document', 'checkpoint', 'audit', 'sample'];

/** One JSON line; binary fields as base64. */
export function encodeRecord(record: SnapshotRecord): string {
  switch (record.type) {
    case 'key':
      return JSON.stringify({ t: 'key', v: record.key, versions: record.versions.map((v) => ({ ...v, wrappedMaterial: v.wrappedMaterial?.toString('base64') ?? null })) });
    case 'token':
      return JSON.stringify({ t: 'token', v: { ...record.token, hash: record.token.hash.toString('base64') } });
    case 'document':
      return JSON.stringify({ t: 'document', v: record.document });
    case 'checkpoint':
      return JSON.stringify({ t: 'checkpoint', v: record.checkpoint });
    case 'audit':
      return JSON.stringify({ t: 'audit', v: record.entry });
    case 'sample':
      return JSON.stringify({ t: 'sample', v: record.sample });
  }
}

/**
 * Parses one line. The body is authenticated (AES-GCM, then the MAC) before this runs, so a
 * failure here means a writer bug or a foreign file, not tampering; it is still refused cleanly,
 * field by field, rather than handed to the store.
 */
export function decodeRecord(line: string): SnapshotRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw invalid('a record in the backup is not valid JSON');
  }
  const r = obj(raw, 'record');
  const v = obj(r['v'], `${String(r['t'])} record`);
  switch (r['t']) {
    case 'key': {
      const versions = r['versions'];
      if (!Array.isArray(versions) || versions.length === 0) throw invalid('a key record has no versions');
      return { type: 'key', key: keyRecord(v), versions: versions.map((x) => keyVersion(obj(x, 'key version'))) };
    }
    case 'token':
      return { type: 'token', token: tokenRecord(v) };
    case 'document':
      return { type: 'document', document: documentRecord(v) };
    case 'checkpoint':
      return { type: 'checkpoint', checkpoint: checkpointRecord(v) };
    case 'audit':
      return { type: 'audit', entry: auditRecord(v) };
    case 'sample':
      return { type: 'sample', sample: sampleRecord(v) };
    default:
      throw invalid(`unknown record type ${JSON.stringify(r['t'])} in the backup`);
  }
}

function keyRecord(v: Record<string, unknown>): KeyRecord {
  str(v, 'id', 'name', 'origin', 'createdAt', 'createdBy', 'updatedAt', 'stateChangedAt');
  int(v, 'currentVersion', 'minDecryptionVersion', 'revision');
  oneOf(v, 'spec', KEY_SPECS);
  oneOf(v, 'usage', KEY_USAGES);
  oneOf(v, 'state', KEY_STATES);
  obj(v['tags'], 'key tags');
  return v as unknown as KeyRecord;
}

function keyVersion(v: Record<string, unknown>): KeyVersionRecord {
  str(v, 'keyId', 'origin', 'createdAt');
  int(v, 'version', 'encryptionCount');
  const wrapped = v['wrappedMaterial'];
  if (wrapped !== null && typeof wrapped !== 'string') throw invalid('a key version has malformed wrapped material');
  return { ...(v as unknown as KeyVersionRecord), wrappedMaterial: wrapped === null ? null : Buffer.from(wrapped, 'base64') };
}

function tokenRecord(v: Record<string, unknown>): TokenRecord {
  str(v, 'accessor', 'hash', 'type', 'createdAt', 'createdBy');
  if (!Array.isArray(v['permissions'])) throw invalid('a token record has no permissions list');
  return { ...(v as unknown as TokenRecord), hash: Buffer.from(v['hash'] as string, 'base64') };
}

function documentRecord(v: Record<string, unknown>): DocumentRecord {
  str(v, 'kind', 'id', 'updatedAt');
  int(v, 'revision');
  if (!('data' in v)) throw invalid('a document record has no data');
  return v as unknown as DocumentRecord;
}

function checkpointRecord(v: Record<string, unknown>): CheckpointRecord {
  str(v, 'origin', 'chainHash', 'time', 'signature', 'publicKey');
  int(v, 'size');
  return v as unknown as CheckpointRecord;
}

function auditRecord(v: Record<string, unknown>): AuditRecord {
  str(v, 'time', 'actor', 'action', 'chainHash');
  int(v, 'seq');
  oneOf(v, 'outcome', AUDIT_OUTCOMES);
  obj(v['details'], 'audit details');
  return v as unknown as AuditRecord;
}

function sampleRecord(v: Record<string, unknown>): BackupSample {
  str(v, 'keyId', 'keyName', 'ciphertext', 'plaintextSha256');
  int(v, 'version');
  const context = obj(v['context'], 'sample context');
  if (!Object.values(context).every((x) => typeof x === 'string')) throw invalid('a sample has a malformed encryption context');
  return v as unknown as BackupSample;
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`a ${what} in the backup is not an object`);
  return value as Record<string, unknown>;
}

function str(v: Record<string, unknown>, ...names: string[]): void {
  for (const n of names) if (typeof v[n] !== 'string') throw invalid(`a backup record lacks the text field ${n}`);
}

function int(v: Record<string, unknown>, ...names: string[]): void {
  for (const n of names) if (!Number.isSafeInteger(v[n])) throw invalid(`a backup record lacks the integer field ${n}`);
}

function oneOf(v: Record<string, unknown>, name: string, values: readonly string[]): void {
  if (typeof v[name] !== 'string' || !values.includes(v[name])) throw invalid(`a backup record has an unknown ${name}`);
}
