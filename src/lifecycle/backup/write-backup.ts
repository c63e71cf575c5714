import { createHmac, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { KeywardError } from '../../core/errors.ts';
import { ed25519Signer } from '../../audit/checkpoints.ts';
import { gcmEncrypt } from '../../crypto/aes-gcm.ts';
import { allAudit, allDocuments, allKeys, allTokens } from '../../storage/copy-store.ts';
import type { SealRecord } from '../../storage/records.ts';
import type { Store } from '../../storage/store.ts';
import {
  deriveBackupKeys,
  encodeHeader,
  encodeTrailer,
  FINAL_FLAG,
  FORMAT_VERSION,
  FRAME_TARGET_BYTES,
  frameAad,
  macTail,
  MAX_FRAME_BYTES,
  sha256,
  signedText,
  wipeKeys,
  type BackupCounts,
  type BackupHeader,
  type BackupKeys,
  type BackupSummary,
} from './backup-format.ts';
import { encodeRecord, type BackupSample, type SnapshotRecord } from './backup-records.ts';

export interface WriteBackupOptions {
  readonly store: Store;
  /** Where the backup goes; it is written to `<path>.partial` and renamed once complete and fsynced. */
  readonly path: string;
  /** The unsealed node's secrets: frame and MAC keys come from the root key; the trailer is signed with the audit key. */
  readonly secrets: { readonly rootKey: Buffer; readonly auditSigningKey: Buffer };
  readonly seal: SealRecord;
  readonly instanceId: string;
  readonly backupId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly samples?: readonly BackupSample[];
  /** Records read per page; default 1000. */
  readonly batchSize?: number;
  /** Told after each page of audit entries: entries written so far, of `total`. */
  readonly onProgress?: (written: number, total: number) => void;
}

export interface WrittenBackup {
  readonly header: BackupHeader;
  readonly summary: BackupSummary;
  /** hex SHA-256 of the whole file, as a client that downloads it can check. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/**
 * Writes a snapshot of `store` as a backup file (format: backup-format.ts), streaming: at most one
 * frame of records is in memory. The audit log in it is exactly entries 1..head, where head is
 * read first; the other records are read after that, page by page, while the node keeps serving
 * (see docs/backup-and-recovery.md, "Consistency"). Checkpoints past the head are left out, so
 * the restored log verifies against every checkpoint it holds.
 */
export async function writeBackup(options: WriteBackupOptions): Promise<WrittenBackup> {
  const { store, secrets } = options;
  const batchSize = options.batchSize ?? 1000;
  const auditHead = await store.auditHead();
  const header: BackupHeader = {
    format: 'keyward-backup',
    version: FORMAT_VERSION,
    backupId: options.backupId,
    instanceId: options.instanceId,
    createdAt: options.createdAt,
    createdBy: options.createdBy,
    backend: store.backend,
    auditHead,
    seal: options.seal,
    salt: randomBytes(32),
    cipher: 'AES-256-GCM',
    compression: 'deflate-raw',
  };
  const keys = deriveBackupKeys(secrets.rootKey, options.instanceId, header.salt);
  const partial = `${options.path}.partial`;
  const file = await open(partial, 'wx', 0o600);
  let closed = false;
  try {
    const out = new BackupOutput(file, keys.macKey);
    const headerBlock = encodeHeader(header);
    await out.write(headerBlock);
    const frames = new FrameWriter(out, keys, sha256().update(headerBlock).digest());
    const counts = await writeRecords(frames, { store, auditHead, batchSize, samples: options.samples ?? [], onProgress: options.onProgress });
    await frames.finish();
    const core = {
      backupId: options.backupId,
      headerSha256: sha256().update(headerBlock).digest('hex'),
      bodySha256: frames.bodyHash(),
      frames: frames.count,
      counts,
    };
    const summary: BackupSummary = { ...core, mac: out.mac(macTail(core)) };
    const signature = ed25519Signer(secrets.auditSigningKey, options.seal.auditPublicKey).sign(signedText(summary)).toString('base64');
    await out.write(encodeTrailer({ summary, signature }));
    const written = out.digest();
    await file.sync();
    await file.close();
    closed = true;
    await rename(partial, options.path);
    return { header, summary, ...written };
  } catch (err) {
    if (!closed) await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  } finally {
    wipeKeys(keys);
  }
}

async function writeRecords(
  frames: FrameWriter,
  o: { store: Store; auditHead: { seq: number }; batchSize: number; samples: readonly BackupSample[]; onProgress: ((written: number, total: number) => void) | undefined },
): Promise<BackupCounts> {
  const { store, batchSize } = o;
  const counts = { keys: 0, keyVersions: 0, tokens: 0, documents: 0, auditEntries: 0, checkpoints: 0, samples: 0 };
  for await (const key of allKeys(store, batchSize)) {
    const versions = await store.listKeyVersions(key.id);
    if (versions.length === 0) throw new KeywardError('internal', `key "${key.name}" has no versions: the database is damaged, so no backup was written`, { keyId: key.id });
    await frames.add({ type: 'key', key, versions });
    counts.keys++;
    counts.keyVersions += versions.length;
  }
  for await (const token of allTokens(store, batchSize)) {
    await frames.add({ type: 'token', token });
    counts.tokens++;
  }
  for await (const document of allDocuments(store, batchSize)) {
    await frames.add({ type: 'document', document });
    counts.documents++;
  }
  for (const checkpoint of await store.listCheckpoints()) {
    if (checkpoint.size > o.auditHead.seq) continue;
    await frames.add({ type: 'checkpoint', checkpoint });
    counts.checkpoints++;
  }
  o.onProgress?.(0, o.auditHead.seq);
  for await (const entry of allAudit(store, batchSize)) {
    if (entry.seq > o.auditHead.seq) break;
    if (entry.seq !== counts.auditEntries + 1) {
      throw new KeywardError('internal', `the audit log has no entry ${counts.auditEntries + 1}: the database is damaged, so no backup was written`);
    }
    await frames.add({ type: 'audit', entry });
    counts.auditEntries++;
    if (counts.auditEntries % batchSize === 0) o.onProgress?.(counts.auditEntries, o.auditHead.seq);
  }
  if (counts.auditEntries !== o.auditHead.seq) {
    throw new KeywardError('internal', `the audit log ends at entry ${counts.auditEntries}, before its head ${o.auditHead.seq}: the database is damaged, so no backup was written`);
  }
  o.onProgress?.(counts.auditEntries, o.auditHead.seq);
  for (const sample of o.samples) {
    await frames.add({ type: 'sample', sample });
    counts.samples++;
  }
  return counts;
}

/** Writes bytes in order, keeping the file's SHA-256 and the HMAC (of the header block and body) as it goes. */
class BackupOutput {
  readonly #file: FileHandle;
  readonly #hash = sha256();
  #mac: ReturnType<typeof createHmac> | null;
  #size = 0;

  constructor(file: FileHandle, macKey: Buffer) {
    this.#file = file;
    this.#mac = createHmac('sha256', macKey);
  }

  async write(bytes: Buffer): Promise<void> {
    this.#hash.update(bytes);
    this.#mac?.update(bytes);
    this.#size += bytes.length;
    let done = 0;
    while (done < bytes.length) done += (await this.#file.write(bytes, done, bytes.length - done)).bytesWritten;
  }

  /** The MAC of everything written so far plus `tail`; later writes (the trailer) are not MACed. */
  mac(tail: Buffer): string {
    if (!this.#mac) throw new Error('the backup MAC was already taken');
    const mac = this.#mac.update(tail).digest('hex');
    this.#mac = null;
    return mac;
  }

  digest(): { sha256: string; sizeBytes: number } {
    return { sha256: this.#hash.digest('hex'), sizeBytes: this.#size };
  }
}

/** Gathers record lines and seals them into frames of about FRAME_TARGET_BYTES. */
class FrameWriter {
  count = 0;
  readonly #out: BackupOutput;
  readonly #keys: BackupKeys;
  readonly #headerHash: Buffer;
  readonly #body = sha256();
  #lines: string[] = [];
  #pending = 0;

  constructor(out: BackupOutput, keys: BackupKeys, headerHash: Buffer) {
    this.#out = out;
    this.#keys = keys;
    this.#headerHash = headerHash;
  }

  async add(record: SnapshotRecord): Promise<void> {
    const line = encodeRecord(record);
    this.#lines.push(line);
    this.#pending += line.length + 1;
    if (this.#pending >= FRAME_TARGET_BYTES) await this.#seal(0);
  }

  /** Seals what is left (possibly nothing) as the final frame. */
  finish(): Promise<void> {
    return this.#seal(FINAL_FLAG);
  }

  bodyHash(): string {
    return this.#body.digest('hex');
  }

  async #seal(flags: number): Promise<void> {
    const plaintext = Buffer.from(this.#lines.join('\n'), 'utf8');
    this.#lines = [];
    this.#pending = 0;
    if (plaintext.length > MAX_FRAME_BYTES) throw new KeywardError('internal', `a backup frame would hold ${plaintext.length} bytes, more than a reader accepts (${MAX_FRAME_BYTES}): one record is too large`);
    const sealed = gcmEncrypt(this.#keys.frameKey, deflateRawSync(plaintext), frameAad(this.#headerHash, this.count, flags));
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(sealed.iv.length + sealed.ciphertext.length + sealed.tag.length, 0);
    prefix.writeUInt8(flags, 4);
    const frame = Buffer.concat([prefix, sealed.iv, sealed.ciphertext, sealed.tag]);
    this.#body.update(frame);
    await this.#out.write(frame);
    this.count++;
  }
}
