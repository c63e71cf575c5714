import { createHmac, timingSafeEqual } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { KeywardError } from '../../core/errors.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt } from '../../crypto/aes-gcm.ts';
import {
  decodeHeader,
  decodeTrailer,
  FINAL_FLAG,
  FORMAT_VERSION,
  frameAad,
  invalid,
  macTail,
  MAGIC,
  MAX_FRAME_BYTES,
  MAX_HEADER_BYTES,
  MAX_TRAILER_BYTES,
  sha256,
  TRAILER_MAGIC,
  type BackupHeader,
  type BackupKeys,
  type BackupTrailer,
} from './backup-format.ts';
import { decodeRecord, RECORD_ORDER, type SnapshotRecord } from './backup-records.ts';

/** Bytes read from the file at a time. */
const READ_CHUNK = 1024 * 1024;

export interface ScanOptions {
  /** With keys, every frame is decrypted and parsed and the MAC checked; without, only structure and hashes. */
  readonly keys?: BackupKeys | null;
  /** Told of each record, in file order (only with keys). A throw stops the scan. */
  readonly onRecord?: (record: SnapshotRecord) => Promise<void> | void;
  /** Told after each frame: bytes read so far, of the file's size. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface ScanResult {
  readonly header: BackupHeader;
  readonly trailer: BackupTrailer;
  /** What the file's bytes hash to, to compare with the (signed) trailer. */
  readonly headerSha256: string;
  readonly bodySha256: string;
  readonly frames: number;
  readonly fileSha256: string;
  readonly sizeBytes: number;
  /** Whether the HMAC matched; null when scanned without keys. */
  readonly macValid: boolean | null;
}

/** Reads just the header block (to learn the seal record and salt before any key exists). */
export async function readBackupHeader(path: string): Promise<BackupHeader> {
  const file = await openBackup(path);
  try {
    const input = new ChunkReader(file, (await file.stat()).size);
    return (await readHeaderBlock(input)).header;
  } finally {
    await file.close();
  }
}

/**
 * Walks a backup file once, front to back, holding one frame at a time. Throws `backup_invalid` at
 * the first structural problem: bad magic or version, a length out of range, a frame that does not
 * authenticate, records out of order, a missing final frame, a truncated file, trailing bytes.
 * Hash and MAC results are returned, not thrown, so a verifier can say which check failed. The
 * MAC covers the header block and the frames (observed as they are read), then the summary.
 */
export async function scanBackup(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const file = await openBackup(path);
  try {
    const size = (await file.stat()).size;
    const input = new ChunkReader(file, size);
    const mac = options.keys ? createHmac('sha256', options.keys.macKey) : null;
    input.observe((bytes) => mac?.update(bytes));
    const { header, block } = await readHeaderBlock(input);
    const headerHash = sha256().update(block).digest();
    const body = sha256();
    const order = { index: 0 };
    let frames = 0;
    for (let final = false; !final; frames++) {
      const prefix = await input.take(5, `frame ${frames}`);
      const length = prefix.readUInt32BE(0);
      const flags = prefix.readUInt8(4);
      if ((flags & ~FINAL_FLAG) !== 0) throw invalid(`frame ${frames} has unknown flags`);
      if (length < GCM_IV_BYTES + GCM_TAG_BYTES || length > MAX_FRAME_BYTES) throw invalid(`frame ${frames} has an impossible length (${length} bytes)`);
      const sealed = await input.take(length, `frame ${frames}`);
      body.update(prefix).update(sealed);
      final = (flags & FINAL_FLAG) !== 0;
      if (options.keys) await openFrame({ sealed, keys: options.keys, aad: frameAad(headerHash, frames, flags), index: frames, order, onRecord: options.onRecord });
      options.onProgress?.(input.position, size);
    }
    input.observe(() => undefined);
    const magic = await input.take(TRAILER_MAGIC.length, 'the trailer');
    if (!magic.equals(TRAILER_MAGIC)) throw invalid('no trailer after the final frame');
    const trailerLength = (await input.take(4, 'the trailer')).readUInt32BE(0);
    if (trailerLength > MAX_TRAILER_BYTES) throw invalid(`the trailer length (${trailerLength} bytes) is impossible`);
    const trailer = decodeTrailer(await input.take(trailerLength, 'the trailer'));
    if (input.position !== size) throw invalid(`${size - input.position} unexpected bytes after the trailer`);
    const computed = mac?.update(macTail(trailer.summary)).digest() ?? null;
    return {
      header,
      trailer,
      headerSha256: headerHash.toString('hex'),
      bodySha256: body.digest('hex'),
      frames,
      fileSha256: input.fileHash(),
      sizeBytes: size,
      macValid: computed === null ? null : timingSafeEqual(computed, Buffer.from(trailer.summary.mac, 'hex')),
    };
  } finally {
    await file.close();
  }
}

async function openBackup(path: string): Promise<FileHandle> {
  try {
    const file = await open(path, 'r');
    if (!(await file.stat()).isFile()) {
      await file.close();
      throw new KeywardError('validation_failed', `${path} is not a file`);
    }
    return file;
  } catch (err) {
    if (err instanceof KeywardError) throw err;
    throw new KeywardError('validation_failed', `cannot read the backup file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function readHeaderBlock(input: ChunkReader): Promise<{ header: BackupHeader; block: Buffer }> {
  const prefix = await input.take(MAGIC.length + 6, 'the header');
  if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw invalid('not a Keyward backup (the file does not start with KWBACKUP)');
  const version = prefix.readUInt16BE(MAGIC.length);
  if (version !== FORMAT_VERSION) throw invalid(`unsupported backup format version ${version} (this Keyward reads version ${FORMAT_VERSION})`);
  const length = prefix.readUInt32BE(MAGIC.length + 2);
  if (length > MAX_HEADER_BYTES) throw invalid(`the header length (${length} bytes) is impossible`);
  const json = await input.take(length, 'the header');
  return { header: decodeHeader(json), block: Buffer.concat([prefix, json]) };
}

async function openFrame(f: {
  sealed: Buffer;
  keys: BackupKeys;
  aad: Buffer;
  index: number;
  order: { index: number };
  onRecord: ScanOptions['onRecord'];
}): Promise<void> {
  const { sealed } = f;
  let plaintext: Buffer;
  try {
    const compressed = gcmDecrypt(
      f.keys.frameKey,
      { iv: sealed.subarray(0, GCM_IV_BYTES), ciphertext: sealed.subarray(GCM_IV_BYTES, sealed.length - GCM_TAG_BYTES), tag: sealed.subarray(sealed.length - GCM_TAG_BYTES) },
      f.aad,
    );
    plaintext = inflateRawSync(compressed, { maxOutputLength: MAX_FRAME_BYTES });
  } catch {
    throw new KeywardError('backup_invalid', `frame ${f.index} does not decrypt: it was altered, moved, or the backup is of another instance`, { check: 'decryption' });
  }
  if (plaintext.length === 0) return;
  for (const line of plaintext.toString('utf8').split('\n')) {
    const record = decodeRecord(line);
    const position = RECORD_ORDER.indexOf(record.type);
    if (position < f.order.index) throw invalid(`a ${record.type} record comes after the ${RECORD_ORDER[f.order.index]} records`);
    f.order.index = position;
    await f.onRecord?.(record);
  }
}

/** Sequential reads in large chunks; every byte handed out is also hashed (and shown to an observer: the MAC). */
class ChunkReader {
  position = 0;
  readonly #file: FileHandle;
  readonly #size: number;
  readonly #hash = sha256();
  #observer: (bytes: Buffer) => void = () => undefined;
  #buffer = Buffer.alloc(0);

  constructor(file: FileHandle, size: number) {
    this.#file = file;
    this.#size = size;
  }

  observe(fn: (bytes: Buffer) => void): void {
    this.#observer = fn;
  }

  /** Exactly `n` bytes, or `backup_invalid` naming what was cut short. */
  async take(n: number, what: string): Promise<Buffer> {
    while (this.#buffer.length < n) {
      const want = Math.max(READ_CHUNK, n - this.#buffer.length);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.#file.read(chunk, 0, want, this.position + this.#buffer.length);
      if (bytesRead === 0) throw invalid(`the file ends inside ${what}: it is truncated (${this.#size} bytes)`);
      this.#buffer = Buffer.concat([this.#buffer, chunk.subarray(0, bytesRead)]);
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    this.position += n;
    this.#hash.update(out);
    this.#observer(out);
    return out;
  }

  fileHash(): string {
    return this.#hash.digest('hex');
  }
}
