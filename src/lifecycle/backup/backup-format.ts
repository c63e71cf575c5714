import { createHash } from 'node:crypto';
import { KeywardError } from '../../core/errors.ts';
import { canonicalJson } from '../../audit/canonical-json.ts';
import { hkdfSha256 } from '../../crypto/hkdf.ts';
import type { SealRecord } from '../../storage/records.ts';
import type { StoreCounts } from '../../storage/copy-store.ts';

/**
 * The Keyward backup file, format 1 (docs/backup-and-recovery.md has the byte layout):
 *
 *   "KWBACKUP" ‖ u16 version ‖ u32 n ‖ header JSON (n bytes)          — the header block, in clear
 *   frames: u32 n ‖ u8 flags ‖ IV(12) ‖ AES-256-GCM ciphertext ‖ tag(16) — the body, encrypted
 *   "KWBTRAIL" ‖ u32 n ‖ trailer JSON (n bytes)                        — summary + Ed25519 signature
 *
 * The summary holds the hashes of the header block and the body, the record counts, and an
 * HMAC-SHA256 (key derived from the root key) over the header block, the body and the rest of the
 * summary; the Ed25519 signature covers the whole summary, MAC included. So every byte of the file
 * is covered by something that can be checked offline (hashes, signature), and — with the root
 * key — by the MAC and the AES-GCM tags too.
 *
 * The header carries the seal record as stored (the root key wrapped under the unseal key), so the
 * unseal shares alone open a backup. Frame keys and the MAC key are derived from the root key.
 */
export const MAGIC = Buffer.from('KWBACKUP', 'latin1');
export const TRAILER_MAGIC = Buffer.from('KWBTRAIL', 'latin1');
export const FORMAT_VERSION = 1;
/** Flag bit of the last frame; bound into its AAD so the body cannot be cut at a frame boundary. */
export const FINAL_FLAG = 0x01;

/** The header is a few KiB (a seal record with ≤ 16 share checks); anything larger is not a header. */
export const MAX_HEADER_BYTES = 1024 * 1024;
export const MAX_TRAILER_BYTES = 64 * 1024;
/** Plaintext gathered before a frame is sealed: big enough to compress well, small enough to stream. */
export const FRAME_TARGET_BYTES = 256 * 1024;
/** Refuses a frame length (sealed or inflated) beyond this before allocating for it. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export const BACKUP_FILE_SUFFIX = '.kwbackup';

/** What one backup holds; `samples` are the DR-drill ciphertexts. */
export interface BackupCounts extends StoreCounts {
  readonly samples: number;
}

export interface BackupHeader {
  readonly format: 'keyward-backup';
  readonly version: typeof FORMAT_VERSION;
  readonly backupId: string;
  /** The audit origin of the instance backed up; a restore adopts it. */
  readonly instanceId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** The storage backend it was taken from (informative). */
  readonly backend: string;
  /** The audit log in the backup is entries 1..seq, and seq's chain hash is this. */
  readonly auditHead: { readonly seq: number; readonly chainHash: string };
  /** As stored: the root key stays wrapped under the unseal key, the signing key under the root key. */
  readonly seal: SealRecord;
  /** Random per backup; HKDF salt of the frame and MAC keys. */
  readonly salt: Buffer;
  readonly cipher: 'AES-256-GCM';
  readonly compression: 'deflate-raw';
}

/** What the trailer says about the body; Ed25519-signed and covered by the MAC. */
export interface BackupSummary {
  readonly backupId: string;
  /** SHA-256 (hex) of the header block: magic, version, length and header JSON. */
  readonly headerSha256: string;
  /** SHA-256 (hex) of every frame byte. */
  readonly bodySha256: string;
  readonly frames: number;
  readonly counts: BackupCounts;
  /** hex HMAC-SHA256 over the header block, the body, then `macTail` of this summary. */
  readonly mac: string;
}

export interface BackupTrailer {
  readonly summary: BackupSummary;
  /** base64 Ed25519 signature of `signedText(summary)` by the audit checkpoint key. */
  readonly signature: string;
}

/** The keys a backup is encrypted and MACed with; zero-fill with `wipeKeys` when done. */
export interface BackupKeys {
  readonly frameKey: Buffer;
  readonly macKey: Buffer;
}

export function deriveBackupKeys(rootKey: Buffer, instanceId: string, salt: Buffer): BackupKeys {
  return {
    frameKey: hkdfSha256(rootKey, salt, Buffer.from(`keyward/backup/frames/v1\n${instanceId}`), 32),
    macKey: hkdfSha256(rootKey, salt, Buffer.from(`keyward/backup/mac/v1\n${instanceId}`), 32),
  };
}

export function wipeKeys(keys: BackupKeys): void {
  keys.frameKey.fill(0);
  keys.macKey.fill(0);
}

/** Frame AAD: binds the frame to this header, its position, and whether it is the last one. */
export function frameAad(headerSha256: Buffer, index: number, flags: number): Buffer {
  const aad = Buffer.alloc(24 + 32 + 4 + 1);
  aad.write('keyward/backup/frame/v1\n', 0, 'latin1');
  headerSha256.copy(aad, 24);
  aad.writeUInt32BE(index, 56);
  aad.writeUInt8(flags, 60);
  return aad;
}

/** What the MAC covers after the header block and the body: the summary without the MAC itself. */
export function macTail(summary: Omit<BackupSummary, 'mac'>): Buffer {
  const { backupId, headerSha256, bodySha256, frames, counts } = summary;
  return Buffer.from(`keyward-backup-mac/v1\n${canonicalJson({ backupId, headerSha256, bodySha256, frames, counts })}\n`, 'utf8');
}

/** The exact bytes the trailer signature covers. */
export function signedText(summary: BackupSummary): Buffer {
  return Buffer.from(`keyward-backup-signature/v1\n${canonicalJson(summary)}\n`, 'utf8');
}

export function sha256(): ReturnType<typeof createHash> {
  return createHash('sha256');
}

/** The header block: magic, version, length-prefixed header JSON. */
export function encodeHeader(header: BackupHeader): Buffer {
  const { seal, salt, ...rest } = header;
  const json = Buffer.from(
    JSON.stringify({
      ...rest,
      salt: salt.toString('base64'),
      seal: { ...seal, wrappedRootKey: seal.wrappedRootKey.toString('base64'), wrappedAuditSigningKey: seal.wrappedAuditSigningKey.toString('base64') },
    }),
    'utf8',
  );
  const prefix = Buffer.alloc(MAGIC.length + 6);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt16BE(FORMAT_VERSION, MAGIC.length);
  prefix.writeUInt32BE(json.length, MAGIC.length + 2);
  return Buffer.concat([prefix, json]);
}

/** Parses and checks header JSON; anything unexpected is `backup_invalid`. */
export function decodeHeader(json: Buffer): BackupHeader {
  const h = parseJson(json, 'header');
  const seal = object(h['seal'], 'header.seal');
  const head = object(h['auditHead'], 'header.auditHead');
  if (h['format'] !== 'keyward-backup') throw invalid('the header does not name the keyward-backup format');
  if (h['version'] !== FORMAT_VERSION) throw invalid(`unsupported backup format version ${String(h['version'])} (this Keyward reads version ${FORMAT_VERSION})`);
  if (h['cipher'] !== 'AES-256-GCM' || h['compression'] !== 'deflate-raw') throw invalid('the header names an unknown cipher or compression');
  const shareChecks = seal['shareChecks'];
  if (!Array.isArray(shareChecks) || !shareChecks.every((c) => typeof c === 'string' && /^[0-9a-f]{64}$/.test(c))) throw invalid('header.seal.shareChecks is malformed');
  const salt = base64(h['salt'], 'header.salt');
  if (salt.length !== 32) throw invalid('header.salt is not 32 bytes');
  return {
    format: 'keyward-backup',
    version: FORMAT_VERSION,
    backupId: text(h['backupId'], 'header.backupId', /^[\x21-\x7e]{1,128}$/),
    instanceId: text(h['instanceId'], 'header.instanceId', /^[\x21-\x7e]{1,128}$/),
    createdAt: text(h['createdAt'], 'header.createdAt'),
    createdBy: text(h['createdBy'], 'header.createdBy'),
    backend: text(h['backend'], 'header.backend'),
    auditHead: { seq: count(head['seq'], 'header.auditHead.seq'), chainHash: text(head['chainHash'], 'header.auditHead.chainHash', /^(?:[0-9a-f]{64})?$/) },
    seal: {
      threshold: count(seal['threshold'], 'header.seal.threshold'),
      shares: count(seal['shares'], 'header.seal.shares'),
      wrappedRootKey: base64(seal['wrappedRootKey'], 'header.seal.wrappedRootKey'),
      shareChecks: shareChecks as string[],
      wrappedAuditSigningKey: base64(seal['wrappedAuditSigningKey'], 'header.seal.wrappedAuditSigningKey'),
      auditPublicKey: text(seal['auditPublicKey'], 'header.seal.auditPublicKey'),
      initializedAt: text(seal['initializedAt'], 'header.seal.initializedAt'),
    },
    salt,
    cipher: 'AES-256-GCM',
    compression: 'deflate-raw',
  };
}

export function encodeTrailer(trailer: BackupTrailer): Buffer {
  const json = Buffer.from(JSON.stringify(trailer), 'utf8');
  const prefix = Buffer.alloc(TRAILER_MAGIC.length + 4);
  TRAILER_MAGIC.copy(prefix, 0);
  prefix.writeUInt32BE(json.length, TRAILER_MAGIC.length);
  return Buffer.concat([prefix, json]);
}

export function decodeTrailer(json: Buffer): BackupTrailer {
  const t = parseJson(json, 'trailer');
  const s = object(t['summary'], 'trailer.summary');
  const c = object(s['counts'], 'trailer.summary.counts');
  const names = ['keys', 'keyVersions', 'tokens', 'documents', 'auditEntries', 'checkpoints', 'samples'] as const;
  const counts = Object.fromEntries(names.map((n) => [n, count(c[n], `trailer.summary.counts.${n}`)])) as unknown as BackupCounts;
  return {
    summary: {
      backupId: text(s['backupId'], 'trailer.summary.backupId'),
      headerSha256: text(s['headerSha256'], 'trailer.summary.headerSha256', /^[0-9a-f]{64}$/),
      bodySha256: text(s['bodySha256'], 'trailer.summary.bodySha256', /^[0-9a-f]{64}$/),
      frames: count(s['frames'], 'trailer.summary.frames'),
      counts,
      mac: text(s['mac'], 'trailer.summary.mac', /^[0-9a-f]{64}$/),
    },
    signature: text(t['signature'], 'trailer.signature', /^[A-Za-z0-9+/]+={0,2}$/),
  };
}

/** A backup that is damaged, altered, truncated, or not a backup at all. */
export function invalid(message: string): KeywardError {
  return new KeywardError('backup_invalid', message);
}

function parseJson(json: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    throw invalid(`the ${what} is not valid JSON`);
  }
  return object(value, what);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) throw invalid(`${what} is missing or malformed`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(`${what} is not a count`);
  return value;
}

function base64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw invalid(`${what} is not base64`);
  return Buffer.from(value, 'base64');
}
