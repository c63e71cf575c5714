import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.ts';
import { runDrill, type ScratchInstance } from '../../src/lifecycle/backup/drill.ts';
import type { BackupSample } from '../../src/lifecycle/backup/backup-records.ts';
import { secretsFromShares, wipeSecrets, type BackupSecrets } from '../../src/lifecycle/backup/unlock-backup.ts';
import { writeBackup } from '../../src/lifecycle/backup/write-backup.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { openDevEngine, root, type DevEngine } from '../engine/helpers.ts';

describe('DR drill samples', () => {
  let dev: DevEngine;
  let secrets: BackupSecrets;
  const dir = mkdtempSync(join(tmpdir(), 'keyward-drill-test-'));
  let good: BackupSample;

  before(async () => {
    dev = await openDevEngine();
    await dev.engine.keys.create(root, { name: 'ledger', spec: 'AES_256_GCM' });
    const plaintext = Buffer.from('sample plaintext');
    const context = { purpose: 'drill-test' };
    const r = await dev.engine.crypto.encrypt(root, { key: 'ledger', plaintext, context });
    good = { keyId: r.keyId, keyName: 'ledger', version: r.version, ciphertext: r.ciphertext, context, plaintextSha256: sha256(plaintext) };
    secrets = await secretsFromShares((await dev.engine.store.getSeal())!, [dev.share]);
  });
  after(async () => {
    if (secrets) wipeSecrets(secrets);
    await dev?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function backupWith(name: string, samples: BackupSample[]): Promise<string> {
    const path = join(dir, `${name}.kwbackup`);
    await writeBackup({
      store: dev.engine.store,
      path,
      secrets,
      seal: (await dev.engine.store.getSeal())!,
      instanceId: await dev.engine.store.instanceId(),
      backupId: `bk_${name}`,
      createdAt: new Date().toISOString(),
      createdBy: 'root:test',
      samples,
    });
    return path;
  }

  function scratch(name: string): ScratchInstance & { disposed: () => boolean } {
    const path = join(dir, `scratch-${name}`);
    let disposed = false;
    return {
      open: async () => {
        mkdirSync(path);
        return SqliteStore.open({ path: join(path, 'keyward.db') });
      },
      dispose: async () => {
        disposed = true;
        rmSync(path, { recursive: true, force: true });
      },
      disposed: () => disposed && !existsSync(path),
    };
  }

  it('passes when every sample decrypts to its recorded hash, unsealing the restored instance with the shares', async () => {
    const s = scratch('good');
    const report = await runDrill({ path: await backupWith('good', [good]), unlock: { shares: [dev.share] }, scratch: s, clock: systemClock });
    assert.equal(report.passed, true, JSON.stringify(report.steps));
    assert.equal(report.unsealedWith, 'shares');
    assert.deepEqual(report.samples.map((r) => r.ok), [true]);
    assert.ok(s.disposed());
  });

  it('fails, reported and not thrown, when a sample does not decrypt to what was encrypted — and still cleans up', async () => {
    const wrongHash: BackupSample = { ...good, plaintextSha256: sha256(Buffer.from('something else')) };
    const wrongContext: BackupSample = { ...good, context: { purpose: 'another' } };
    const missingKey: BackupSample = { ...good, keyId: 'key_000000000000000000000000', ciphertext: good.ciphertext.replace(good.keyId, 'key_000000000000000000000000') };
    const s = scratch('bad');
    const report = await runDrill({ path: await backupWith('bad', [good, wrongHash, wrongContext, missingKey]), unlock: { secrets }, scratch: s, clock: systemClock });
    assert.equal(report.passed, false);
    assert.deepEqual(
      report.steps.map((step) => [step.name, step.status]),
      [
        ['open', 'passed'],
        ['verify', 'passed'],
        ['restore', 'passed'],
        ['unseal', 'passed'],
        ['audit chain', 'passed'],
        ['samples', 'failed'],
        ['cleanup', 'passed'],
      ],
    );
    assert.match(report.steps[5]?.detail ?? '', /^decryption_failed: 1\/4 samples/);
    assert.deepEqual(report.samples.map((r) => r.ok), [true, false, false, false]);
    assert.match(report.samples[1]?.detail ?? '', /not to the plaintext recorded/);
    assert.match(report.samples[2]?.detail ?? '', /decryption_failed/);
    assert.match(report.samples[3]?.detail ?? '', /not in the restored instance/);
    assert.ok(s.disposed(), 'the scratch instance was disposed');
  });

  it('fails at verify for a backup of another instance than expected', async () => {
    const s = scratch('foreign');
    const report = await runDrill({ path: await backupWith('foreign', []), unlock: { secrets }, expected: { instanceId: 'kw_someone_else' }, scratch: s, clock: systemClock });
    assert.equal(report.passed, false);
    assert.equal(report.steps[1]?.status, 'failed');
    assert.match(report.steps[1]?.detail ?? '', /not kw_someone_else/);
    assert.ok(s.disposed());
  });
});

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
