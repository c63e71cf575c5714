import { KeywardError } from '../../core/errors.ts';
import { verifyChain, type VerifyReport } from '../../audit/verify-chain.ts';
import { storeContents } from '../../storage/copy-store.ts';
import type { AuditRecord } from '../../storage/records.ts';
import type { Store, StoreTx } from '../../storage/store.ts';
import { deriveBackupKeys, invalid, wipeKeys, type BackupCounts, type BackupHeader } from './backup-format.ts';
import type { BackupSample, SnapshotRecord } from './backup-records.ts';
import { readBackupHeader, scanBackup } from './read-backup.ts';
import type { BackupSecrets } from './unlock-backup.ts';
import { describeCounts, verifyBackupFile, type BackupVerification } from './verify-backup.ts';

export interface RestoreBackupOptions {
  readonly path: string;
  /** An empty store: a new SQLite file, or a new PostgreSQL database or schema. */
  readonly target: Store;
  /** The instance's secrets, rebuilt from its unseal shares (secretsFromShares). */
  readonly secrets: BackupSecrets;
  /** Audit entries inserted per batch; default 1000. */
  readonly batchSize?: number;
  /** Told as the file is read: `phase` 'verify' (the checking pass) or 'restore' (the writing pass). */
  readonly onProgress?: (phase: 'verify' | 'restore', read: number, total: number) => void;
}

export interface RestoreResult {
  readonly header: BackupHeader;
  readonly counts: BackupCounts;
  readonly verification: BackupVerification;
  /** The restored store's audit chain, walked after the commit. */
  readonly chain: VerifyReport;
  readonly samples: readonly BackupSample[];
}

/**
 * Restores a backup into an empty store. Refuses a store that holds anything (`conflict`), then
 * verifies the whole file with the secrets (`backup_invalid` at the first failed check) before
 * writing anything, then writes everything in one transaction — which the second pass's own checks
 * (every frame's tag, the MAC, the counts) can still roll back, should the file change between the
 * passes — and finally walks the restored audit chain. On any failure the target stays empty.
 * The restored instance is sealed; it unseals with the shares of the instance backed up.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreResult> {
  const held = await storeContents(options.target);
  if (held.length > 0) throw notEmpty(held);
  const verification = await verifyBackupFile({
    path: options.path,
    secrets: options.secrets,
    ...(options.onProgress ? { onProgress: (read: number, total: number) => options.onProgress?.('verify', read, total) } : {}),
  });
  const failed = verification.checks.find((c) => !c.ok);
  if (failed) throw invalid(`the backup does not verify (${failed.name}: ${failed.detail}); nothing was restored`);
  const written = await writeRestore({ ...options, expectedSha256: verification.sha256 });
  const chain = await verifyChain({ store: options.target, origin: written.header.instanceId, publicKey: written.header.seal.auditPublicKey, batchSize: options.batchSize ?? 1000 });
  return { ...written, verification, chain };
}

/**
 * The writing pass alone, for a caller that has just verified the file (restoreBackup, a DR drill):
 * every record into `target` in one transaction, instance id adopted first.
 */
export async function writeRestore(
  options: RestoreBackupOptions & { readonly expectedSha256?: string | null },
): Promise<{ header: BackupHeader; counts: BackupCounts; samples: BackupSample[] }> {
  const { target, secrets } = options;
  const header = await readBackupHeader(options.path);
  const keys = deriveBackupKeys(secrets.rootKey, header.instanceId, header.salt);
  const batchSize = options.batchSize ?? 1000;
  try {
    return await target.transaction(async (tx) => {
      // Under the target's write lock: it re-checks that the target is empty.
      await tx.adoptInstanceId(header.instanceId);
      await tx.putSeal(header.seal);
      const head = await tx.lockAuditHead();
      if (head.seq !== 0) throw notEmpty([`${head.seq} audit entries`]);
      const sink = new RestoreSink(tx, batchSize);
      const scan = await scanBackup(options.path, {
        keys,
        onRecord: (r) => sink.add(r),
        ...(options.onProgress ? { onProgress: (read: number, total: number) => options.onProgress?.('restore', read, total) } : {}),
      });
      await sink.flush();
      if (scan.macValid !== true) throw invalid('the backup changed while it was being restored (its MAC no longer matches); nothing was restored');
      if (options.expectedSha256 && scan.fileSha256 !== options.expectedSha256) throw invalid('the backup file changed between verifying and restoring it; nothing was restored');
      if (scan.headerSha256 !== scan.trailer.summary.headerSha256) throw invalid('the backup header changed while it was being restored; nothing was restored');
      const expected = scan.trailer.summary.counts;
      const got = sink.counts;
      if ((Object.keys(got) as (keyof BackupCounts)[]).some((k) => got[k] !== expected[k])) {
        throw invalid(`the backup holds ${describeCounts(got)}, its trailer says ${describeCounts(expected)}; nothing was restored`);
      }
      return { header, counts: got, samples: sink.samples };
    });
  } finally {
    wipeKeys(keys);
  }
}

/** Writes records into the transaction as they stream past; audit entries in batches. */
class RestoreSink {
  readonly counts = { keys: 0, keyVersions: 0, tokens: 0, documents: 0, auditEntries: 0, checkpoints: 0, samples: 0 };
  readonly samples: BackupSample[] = [];
  readonly #tx: StoreTx;
  readonly #batchSize: number;
  #audit: AuditRecord[] = [];

  constructor(tx: StoreTx, batchSize: number) {
    this.#tx = tx;
    this.#batchSize = batchSize;
  }

  async add(record: SnapshotRecord): Promise<void> {
    const tx = this.#tx;
    switch (record.type) {
      case 'key': {
        const [first, ...later] = record.versions;
        if (!first) throw invalid(`key "${record.key.name}" has no versions in the backup`);
        await tx.insertKey(record.key, first);
        for (const v of later) await tx.insertKeyVersion(v);
        this.counts.keys++;
        this.counts.keyVersions += record.versions.length;
        return;
      }
      case 'token':
        await tx.insertToken(record.token);
        this.counts.tokens++;
        return;
      case 'document':
        await tx.restoreDocument(record.document);
        this.counts.documents++;
        return;
      case 'checkpoint':
        await tx.insertCheckpoint(record.checkpoint);
        this.counts.checkpoints++;
        return;
      case 'audit':
        this.#audit.push(record.entry);
        this.counts.auditEntries++;
        if (this.#audit.length >= this.#batchSize) await this.flush();
        return;
      case 'sample':
        this.samples.push(record.sample);
        this.counts.samples++;
        return;
    }
  }

  async flush(): Promise<void> {
    if (this.#audit.length === 0) return;
    const batch = this.#audit;
    this.#audit = [];
    try {
      await this.#tx.insertAuditEntries(batch);
    } catch (err) {
      if (!(err instanceof KeywardError)) throw err;
      throw new KeywardError(err.code, `restoring audit entries ${batch[0]?.seq ?? 0}..${batch[batch.length - 1]?.seq ?? 0}: ${err.message}`, err.details, { cause: err });
    }
  }
}

function notEmpty(held: readonly string[]): KeywardError {
  return new KeywardError('conflict', `the target is not empty (it holds ${held.join(', ')}): restore only into a new, empty data directory, database or schema; nothing was written`);
}
