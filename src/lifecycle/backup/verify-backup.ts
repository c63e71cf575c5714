import { createPublicKey, verify } from 'node:crypto';
import { KeywardError } from '../../core/errors.ts';
import { genesisHash, leafHash, nextChainHash } from '../../audit/audit-chain.ts';
import { checkpointSignatureValid } from '../../audit/checkpoints.ts';
import type { CheckpointRecord } from '../../storage/records.ts';
import { deriveBackupKeys, signedText, wipeKeys, type BackupCounts, type BackupHeader } from './backup-format.ts';
import type { SnapshotRecord } from './backup-records.ts';
import { readBackupHeader, scanBackup, type ScanResult } from './read-backup.ts';
import { signingKeyMatches, type BackupSecrets } from './unlock-backup.ts';

export interface BackupCheck {
  /** 'format', 'structure', 'hashes', 'signature', 'pinned key', 'secrets', 'decryption', 'mac', 'records', 'audit chain'. */
  readonly name: string;
  readonly ok: boolean;
  /** What was found; never a secret. */
  readonly detail: string;
}

export interface BackupVerification {
  readonly ok: boolean;
  /** offline: structure, hashes and signature, no secret needed; full: also every frame decrypted, the MAC and the audit chain. */
  readonly level: 'offline' | 'full';
  /** Null when not even the header could be read. */
  readonly header: Omit<BackupHeader, 'seal' | 'salt'> | null;
  readonly counts: BackupCounts | null;
  readonly sizeBytes: number | null;
  /** hex SHA-256 of the whole file. */
  readonly sha256: string | null;
  readonly checks: readonly BackupCheck[];
}

export interface VerifyBackupOptions {
  readonly path: string;
  /** The instance's secrets (from unseal shares, or a running node): verify fully. */
  readonly secrets?: BackupSecrets | null;
  /** PEM public key the backup must be signed with (from a checkpoint file, or kept by the operator). */
  readonly pinnedPublicKey?: string | null;
  readonly onProgress?: (read: number, total: number) => void;
}

/**
 * Checks a backup file and says what holds, check by check. Offline (no secrets) it proves the file
 * is whole and unaltered since it was signed — by the key in its own header, so pin the key
 * (`pinnedPublicKey`) to also prove who signed it. With the secrets it decrypts every frame, checks
 * the HMAC, counts the records and recomputes the audit chain up to the recorded head.
 * A damaged file gives `ok: false`, not a throw; an unreadable path throws `validation_failed`.
 */
export async function verifyBackupFile(options: VerifyBackupOptions): Promise<BackupVerification> {
  const checks: BackupCheck[] = [];
  const check = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const level = options.secrets ? 'full' : 'offline';
  const result = (header: BackupHeader | null, scan: ScanResult | null): BackupVerification => ({
    ok: checks.every((c) => c.ok),
    level,
    header: header ? publicHeader(header) : null,
    counts: scan?.trailer.summary.counts ?? null,
    sizeBytes: scan?.sizeBytes ?? null,
    sha256: scan?.fileSha256 ?? null,
    checks,
  });

  let header: BackupHeader;
  try {
    header = await readBackupHeader(options.path);
  } catch (err) {
    if (!isInvalid(err)) throw err;
    check('format', false, err.message);
    return result(null, null);
  }
  check('format', true, `Keyward backup format ${header.version}: backup ${header.backupId} of instance ${header.instanceId}, taken ${header.createdAt}`);

  const secrets = options.secrets ?? null;
  if (secrets) {
    const matches = signingKeyMatches(secrets.auditSigningKey, header.seal.auditPublicKey);
    if (!check('secrets', matches, matches ? "the root key's signing key is the one named in the header" : 'the secrets given are not those of the instance this backup was taken from')) {
      return result(header, null);
    }
  }

  const keys = secrets ? deriveBackupKeys(secrets.rootKey, header.instanceId, header.salt) : null;
  const contents = new ContentCheck(header);
  let scan: ScanResult;
  try {
    scan = await scanBackup(options.path, { keys, onRecord: (r) => contents.add(r), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  } catch (err) {
    if (!isInvalid(err)) throw err;
    check(err.details['check'] === 'decryption' ? 'decryption' : 'structure', false, err.message);
    return result(header, null);
  } finally {
    if (keys) wipeKeys(keys);
  }
  const summary = scan.trailer.summary;
  check('structure', scan.frames === summary.frames, `${scan.frames} frame${scan.frames === 1 ? '' : 's'} ending in the final frame, then the signed trailer (${scan.sizeBytes} bytes)${scan.frames === summary.frames ? '' : `; the trailer says ${summary.frames} frames`}`);
  const hashesOk = scan.headerSha256 === summary.headerSha256 && scan.bodySha256 === summary.bodySha256 && summary.backupId === header.backupId;
  check('hashes', hashesOk, hashesOk ? 'the header and body hash to what the trailer records' : `the ${scan.headerSha256 !== summary.headerSha256 ? 'header' : scan.bodySha256 !== summary.bodySha256 ? 'body' : 'backup id'} does not match the trailer`);
  const signed = signatureValid(signedText(summary), scan.trailer.signature, header.seal.auditPublicKey);
  check('signature', signed, signed ? "Ed25519 signature valid under the header's audit public key" : "the trailer's signature does not verify under the header's audit public key");
  if (options.pinnedPublicKey != null) {
    const same = samePublicKey(options.pinnedPublicKey, header.seal.auditPublicKey);
    check('pinned key', same, same ? 'signed by the pinned audit public key' : 'the backup is signed by a different key than the pinned one');
  }
  if (secrets) {
    check('mac', scan.macValid === true, scan.macValid ? 'HMAC-SHA256 over the header, the body and the summary matches' : 'the HMAC does not match: the file was altered, or not made with this root key');
    const counted = contents.counts;
    const countsOk = (Object.keys(counted) as (keyof BackupCounts)[]).every((k) => counted[k] === summary.counts[k]);
    check('records', countsOk, countsOk ? describeCounts(counted) : `the body holds ${describeCounts(counted)}; the trailer says ${describeCounts(summary.counts)}`);
    const chain = contents.chainProblem();
    check('audit chain', chain === null, chain ?? `entries 1..${header.auditHead.seq} recompute to the recorded head${contents.counts.checkpoints > 0 ? `, ${contents.counts.checkpoints} signed checkpoint${contents.counts.checkpoints === 1 ? '' : 's'} match` : ''}`);
  }
  return result(header, scan);
}

export function describeCounts(c: BackupCounts): string {
  return `${c.keys} keys (${c.keyVersions} versions), ${c.tokens} tokens, ${c.documents} documents, ${c.auditEntries} audit entries, ${c.checkpoints} checkpoints, ${c.samples} samples`;
}

/** The header without the seal record's wrapped blobs and the salt (nothing secret is in them, but nobody needs them). */
export function publicHeader(header: BackupHeader): Omit<BackupHeader, 'seal' | 'salt'> {
  const { seal: _seal, salt: _salt, ...rest } = header;
  return rest;
}

/** Counts records and recomputes the audit chain while the body streams past. */
class ContentCheck {
  readonly counts = { keys: 0, keyVersions: 0, tokens: 0, documents: 0, auditEntries: 0, checkpoints: 0, samples: 0 };
  readonly #header: BackupHeader;
  readonly #checkpoints = new Map<number, CheckpointRecord[]>();
  #prev: string;
  #problem: string | null = null;

  constructor(header: BackupHeader) {
    this.#header = header;
    this.#prev = genesisHash(header.instanceId);
  }

  add(record: SnapshotRecord): void {
    switch (record.type) {
      case 'key':
        this.counts.keys++;
        this.counts.keyVersions += record.versions.length;
        return;
      case 'token':
        this.counts.tokens++;
        return;
      case 'document':
        this.counts.documents++;
        return;
      case 'sample':
        this.counts.samples++;
        return;
      case 'checkpoint': {
        const c = record.checkpoint;
        this.counts.checkpoints++;
        if (c.origin !== this.#header.instanceId || !checkpointSignatureValid(c, this.#header.seal.auditPublicKey)) {
          this.#note(`the checkpoint at size ${c.size} (${c.time}) has no valid signature from this instance's audit key`);
        } else if (c.size > this.#header.auditHead.seq) {
          this.#note(`the checkpoint at size ${c.size} lies beyond the recorded head ${this.#header.auditHead.seq}`);
        } else if (c.size === 0 && c.chainHash !== '') {
          this.#note('a checkpoint of the empty log names a chain hash');
        } else {
          this.#checkpoints.set(c.size, [...(this.#checkpoints.get(c.size) ?? []), c]);
        }
        return;
      }
      case 'audit': {
        const e = record.entry;
        const expected = this.counts.auditEntries + 1;
        this.counts.auditEntries++;
        if (e.seq !== expected) return this.#note(`audit entry ${expected} is missing (found ${e.seq})`);
        if (nextChainHash(this.#prev, leafHash(e)) !== e.chainHash) this.#note(`audit entry ${e.seq} does not match its chain hash`);
        this.#prev = e.chainHash;
        for (const c of this.#checkpoints.get(e.seq) ?? []) {
          if (c.chainHash !== e.chainHash) this.#note(`audit entry ${e.seq} differs from the checkpoint signed at ${c.time}`);
        }
        return;
      }
    }
  }

  chainProblem(): string | null {
    const head = this.#header.auditHead;
    if (this.#problem === null && this.counts.auditEntries !== head.seq) this.#note(`the body holds ${this.counts.auditEntries} audit entries; the header's head is ${head.seq}`);
    if (this.#problem === null && head.seq > 0 && this.#prev !== head.chainHash) this.#note(`entry ${head.seq}'s chain hash is not the header's head`);
    return this.#problem;
  }

  #note(problem: string): void {
    this.#problem ??= problem;
  }
}

function signatureValid(message: Buffer, signature: string, publicKeyPem: string): boolean {
  try {
    return verify(null, message, createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function samePublicKey(a: string, b: string): boolean {
  try {
    return createPublicKey(a).equals(createPublicKey(b));
  } catch {
    return false;
  }
}

function isInvalid(err: unknown): err is KeywardError {
  return err instanceof KeywardError && err.code === 'backup_invalid';
}
