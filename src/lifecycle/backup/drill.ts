import { createHash, timingSafeEqual } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '../../core/clock.ts';
import { KeywardError } from '../../core/errors.ts';
import { verifyChain } from '../../audit/verify-chain.ts';
import { CryptoFailure } from '../../crypto/crypto-failure.ts';
import { parseCiphertext } from '../../crypto/ciphertext-format.ts';
import { decryptBody } from '../../keys/key-crypto.ts';
import { KeyRing } from '../../keys/key-ring.ts';
import type { Store } from '../../storage/store.ts';
import type { BackupHeader } from './backup-format.ts';
import type { BackupSample } from './backup-records.ts';
import { readBackupHeader } from './read-backup.ts';
import { writeRestore } from './restore-backup.ts';
import { secretsFromShares, wipeSecrets, type BackupSecrets } from './unlock-backup.ts';
import { verifyBackupFile } from './verify-backup.ts';

export const DRILL_STEPS = ['open', 'verify', 'restore', 'unseal', 'audit chain', 'samples', 'cleanup'] as const;
export type DrillStepName = (typeof DRILL_STEPS)[number];

export interface DrillStep {
  readonly name: DrillStepName;
  /** 'skipped' when an earlier step failed. */
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly ms: number;
  /** What was checked, or why it failed; never a secret. */
  readonly detail: string;
}

export interface SampleResult {
  readonly keyId: string;
  readonly keyName: string;
  readonly version: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillReport {
  readonly passed: boolean;
  readonly backupId: string | null;
  readonly instanceId: string | null;
  readonly backupCreatedAt: string | null;
  /** How the restored instance was unsealed. */
  readonly unsealedWith: 'shares' | 'node-root-key';
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Wall time of the whole drill: what a recovery from this backup takes, minus the people. */
  readonly totalMs: number;
  readonly steps: readonly DrillStep[];
  readonly samples: readonly SampleResult[];
}

/** A scratch store for the restore, and how to get rid of it afterwards. */
export interface ScratchInstance {
  open(): Promise<Store>;
  /** Closes what `open` opened and deletes its data; runs whether or not the drill passed. */
  dispose(): Promise<void>;
}

export interface DrillOptions {
  readonly path: string;
  /**
   * How the drill gets the root key: the unseal shares (a recovery exactly as operators would do
   * it: the shares open the backup, then unseal the restored instance), or the running node's
   * secrets (unattended drills; the restored seal record is then only compared with the backup's).
   */
  readonly unlock: { readonly shares: readonly string[] } | { readonly secrets: BackupSecrets };
  /** What the backup must be: this instance's, and (for a recorded backup) the file that was recorded. */
  readonly expected?: { readonly instanceId?: string; readonly sha256?: string };
  readonly scratch: ScratchInstance;
  readonly clock: Clock;
}

/**
 * A disaster-recovery drill: restores a backup into a scratch instance and proves it usable — the
 * backup verifies, it restores, the restored instance unseals, its audit chain verifies, and the
 * ciphertexts recorded at backup time decrypt to what was encrypted. Each step is timed. A failed
 * step is reported (the later ones skipped), never thrown; the scratch instance is always disposed.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const startedAt = options.clock.now().toISOString();
  const started = performance.now();
  const steps: DrillStep[] = [];
  const state: { header: BackupHeader | null; secrets: BackupSecrets | null; ownSecrets: boolean; store: Store | null; samples: readonly BackupSample[]; root: Buffer | null } = {
    header: null,
    secrets: null,
    ownSecrets: false,
    store: null,
    samples: [],
    root: null,
  };
  let results: SampleResult[] = [];
  const step = async (name: DrillStepName, body: () => Promise<string>): Promise<void> => {
    if (steps.some((s) => s.status !== 'passed')) {
      steps.push({ name, status: 'skipped', ms: 0, detail: 'an earlier step failed' });
      return;
    }
    const t = performance.now();
    try {
      const detail = await body();
      steps.push({ name, status: 'passed', ms: elapsed(t), detail });
    } catch (err) {
      steps.push({ name, status: 'failed', ms: elapsed(t), detail: failureText(err) });
    }
  };

  try {
    await step('open', async () => {
      const header = await readBackupHeader(options.path);
      state.header = header;
      if ('shares' in options.unlock) {
        state.secrets = await secretsFromShares(header.seal, options.unlock.shares);
        state.ownSecrets = true;
        return `backup ${header.backupId} of ${header.createdAt}; root key rebuilt from ${header.seal.threshold} unseal share${header.seal.threshold === 1 ? '' : 's'}`;
      }
      state.secrets = options.unlock.secrets;
      return `backup ${header.backupId} of ${header.createdAt}; root key of the running node`;
    });
    await step('verify', async () => {
      const { header, secrets } = need(state);
      if (options.expected?.instanceId !== undefined && header.instanceId !== options.expected.instanceId) {
        throw new KeywardError('backup_invalid', `the backup is of instance ${header.instanceId}, not ${options.expected.instanceId}`);
      }
      const report = await verifyBackupFile({ path: options.path, secrets });
      const failed = report.checks.find((c) => !c.ok);
      if (failed) throw new KeywardError('backup_invalid', `${failed.name}: ${failed.detail}`);
      if (options.expected?.sha256 !== undefined && report.sha256 !== options.expected.sha256) {
        throw new KeywardError('backup_invalid', 'the file is not the one recorded when the backup was taken (its SHA-256 differs)');
      }
      return `${report.checks.length} checks passed (structure, hashes, signature, MAC, records, audit chain); ${report.sizeBytes ?? 0} bytes`;
    });
    await step('restore', async () => {
      const { secrets } = need(state);
      state.store = await options.scratch.open();
      const written = await writeRestore({ path: options.path, target: state.store, secrets });
      state.samples = written.samples;
      const c = written.counts;
      return `restored into a scratch instance: ${c.keys} keys, ${c.keyVersions} versions, ${c.tokens} tokens, ${c.documents} documents, ${c.auditEntries} audit entries`;
    });
    await step('unseal', async () => {
      const { header, secrets } = need(state);
      const store = state.store as Store;
      const restored = await store.getSeal();
      if (!restored || !isDeepStrictEqual(restored, header.seal)) throw new KeywardError('backup_invalid', "the restored seal record is not the backup's");
      if ('shares' in options.unlock) {
        const unsealed = await secretsFromShares(restored, options.unlock.shares);
        const same = timingSafeEqual(unsealed.rootKey, secrets.rootKey);
        state.root = unsealed.rootKey;
        unsealed.auditSigningKey.fill(0);
        if (!same) throw new KeywardError('unseal_failed', 'the restored instance unsealed to a different root key');
        return `unsealed the restored instance with ${restored.threshold} share${restored.threshold === 1 ? '' : 's'}`;
      }
      state.root = Buffer.from(secrets.rootKey);
      return "the running node's root key (it authenticated the backup's MAC); the restored seal record is the backup's";
    });
    await step('audit chain', async () => {
      const { header } = need(state);
      const store = state.store as Store;
      const origin = await store.instanceId();
      if (origin !== header.instanceId) throw new KeywardError('backup_invalid', `the restored instance id is ${origin}, not ${header.instanceId}`);
      const report = await verifyChain({ store, origin, publicKey: header.seal.auditPublicKey, batchSize: 1000 });
      if (!report.ok) throw new KeywardError('backup_invalid', `the restored audit chain does not verify: ${report.firstBad?.message ?? 'see the problems'}`);
      return `${report.entries.valid}/${report.entries.checked} entries valid, ${report.checkpoints.valid}/${report.checkpoints.checked} checkpoints valid`;
    });
    await step('samples', async () => {
      results = await checkSamples(state.store as Store, state.root as Buffer, state.samples);
      const passed = results.filter((r) => r.ok).length;
      if (passed < results.length) {
        const bad = results.find((r) => !r.ok);
        throw new KeywardError('decryption_failed', `${passed}/${results.length} samples decrypted to what was encrypted; key "${bad?.keyName ?? '?'}": ${bad?.detail ?? ''}`);
      }
      return results.length === 0 ? 'no samples: the backup was taken when no active AES key existed' : `${passed}/${results.length} samples decrypted to the recorded plaintext hashes`;
    });
  } finally {
    const t = performance.now();
    let cleanup: DrillStep;
    try {
      await state.store?.close().catch(() => undefined);
      await options.scratch.dispose();
      cleanup = { name: 'cleanup', status: 'passed', ms: elapsed(t), detail: 'the scratch instance was closed and deleted' };
    } catch (err) {
      cleanup = { name: 'cleanup', status: 'failed', ms: elapsed(t), detail: failureText(err) };
    }
    steps.push(cleanup);
    state.root?.fill(0);
    if (state.ownSecrets && state.secrets) wipeSecrets(state.secrets);
  }
  const header = state.header;
  return {
    passed: steps.every((s) => s.status === 'passed'),
    backupId: header?.backupId ?? null,
    instanceId: header?.instanceId ?? null,
    backupCreatedAt: header?.createdAt ?? null,
    unsealedWith: 'shares' in options.unlock ? 'shares' : 'node-root-key',
    startedAt,
    finishedAt: options.clock.now().toISOString(),
    totalMs: elapsed(started),
    steps,
    samples: results,
  };
}

/** Decrypts each sample with the restored instance's key versions, as its CryptoService would. */
async function checkSamples(store: Store, rootKey: Buffer, samples: readonly BackupSample[]): Promise<SampleResult[]> {
  const ring = new KeyRing();
  const results: SampleResult[] = [];
  try {
    for (const s of samples) {
      const result = (ok: boolean, detail: string): SampleResult => ({ keyId: s.keyId, keyName: s.keyName, version: s.version, ok, detail });
      try {
        const parts = parseCiphertext(s.ciphertext);
        const key = await store.getKey(parts.keyId);
        const version = key ? await store.getKeyVersion(key.id, parts.version) : null;
        if (!key || !version || parts.keyId !== s.keyId || parts.version !== s.version) {
          results.push(result(false, 'the key version it names is not in the restored instance'));
          continue;
        }
        const plaintext = decryptBody(ring.load(rootKey, key.spec, key.usage, version), parts.body, s.context);
        const digest = createHash('sha256').update(plaintext).digest();
        plaintext.fill(0);
        const ok = digest.toString('hex') === s.plaintextSha256;
        results.push(result(ok, ok ? 'decrypted; plaintext hash matches' : 'decrypted, but not to the plaintext recorded at backup time'));
      } catch (err) {
        results.push(result(false, err instanceof CryptoFailure ? 'malformed ciphertext' : failureText(err)));
      }
    }
  } finally {
    ring.clear();
  }
  return results;
}

function need(state: { header: BackupHeader | null; secrets: BackupSecrets | null }): { header: BackupHeader; secrets: BackupSecrets } {
  if (!state.header || !state.secrets) throw new KeywardError('internal', 'drill step out of order');
  return { header: state.header, secrets: state.secrets };
}

function failureText(err: unknown): string {
  return err instanceof KeywardError ? `${err.code}: ${err.message}` : 'internal error';
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}
