import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine.ts';
import { systemPrincipal, type CallContext } from '../../src/auth/principal.ts';
import { restoreBackup } from '../../src/lifecycle/backup/restore-backup.ts';
import { readBackupHeader } from '../../src/lifecycle/backup/read-backup.ts';
import { secretsFromShares, wipeSecrets } from '../../src/lifecycle/backup/unlock-backup.ts';
import { storeContents } from '../../src/storage/copy-store.ts';
import { openTestStore, testBackend } from '../test-backend.ts';
import { allAuditEntries, lastAuditEntry, openDevEngine, rejectsWith, root, type DevEngine } from './helpers.ts';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-engine-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe(`backups on ${testBackend.label}`, () => {
  describe('backup → restore → unseal → decrypt', () => {
    let dev: DevEngine;
    const dir = tempDir();
    before(async () => {
      dev = await openDevEngine({ backups: { dir: join(dir, 'backups') } });
    });
    after(() => dev?.close());

    it('restores into an empty store of the same backend that unseals with the shares, decrypts what was encrypted before, and verifies its chain', async () => {
      const { engine } = dev;
      await engine.keys.create(root, { name: 'payroll', spec: 'AES_256_GCM' });
      await engine.keys.create(root, { name: 'rsa-wrap', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
      const before: { ciphertext: string; plaintext: string }[] = [];
      for (const key of ['payroll', 'rsa-wrap']) {
        const r = await engine.crypto.encrypt(root, { key, plaintext: Buffer.from(`secret under ${key}`) });
        before.push({ ciphertext: r.ciphertext, plaintext: `secret under ${key}` });
      }
      await engine.keys.rotate(root, 'payroll');
      const info = await engine.backups.create(root);
      assert.equal(info.location, 'server');
      const file = join(dir, 'backups', info.file as string);
      assert.ok(existsSync(file));

      const target = await openTestStore();
      try {
        const secrets = await secretsFromShares((await readBackupHeader(file)).seal, [dev.share]);
        try {
          const restored = await restoreBackup({ path: file, target: target.store, secrets });
          assert.equal(restored.chain.ok, true, JSON.stringify(restored.chain.problems));
          assert.equal(restored.counts.keys, 2);
          assert.equal(restored.counts.keyVersions, 3);
        } finally {
          wipeSecrets(secrets);
        }
        const copy = await Engine.open({ store: target.store, checkpointFile: null });
        try {
          assert.equal(copy.sys.status().sealed, true);
          const ctx: CallContext = { principal: systemPrincipal('test') };
          await rejectsWith(copy.crypto.decrypt(root, { ciphertext: before[0]!.ciphertext }), 'sealed');
          await copy.sys.unseal(ctx, dev.share);
          for (const b of before) assert.equal((await copy.crypto.decrypt(root, { ciphertext: b.ciphertext })).plaintext.toString(), b.plaintext);
          // The restored key keeps working: new ciphertexts under the rotated version round-trip.
          const fresh = await copy.crypto.encrypt(root, { key: 'payroll', plaintext: Buffer.from('after restore') });
          assert.equal(fresh.version, 2);
          assert.equal((await copy.crypto.decrypt(root, { ciphertext: fresh.ciphertext })).plaintext.toString(), 'after restore');
          assert.equal((await copy.audit.verify(root)).ok, true);
        } finally {
          await copy.close();
        }
      } finally {
        await target.cleanup();
      }
    });

    it('holds exactly the audit log up to the head it records; its own backup.create entry comes after', async () => {
      const { engine } = dev;
      const info = await engine.backups.create(root);
      const entry = await lastAuditEntry(engine);
      assert.equal(entry.action, 'backup.create');
      assert.equal(entry.outcome, 'success');
      assert.equal(entry.details['backupId'], info.id);
      assert.equal(entry.details['sha256'], info.sha256);
      assert.equal(entry.seq, info.auditHead.seq + 1);
      const recorded = await engine.store.getAuditEntry(info.auditHead.seq);
      assert.equal(recorded?.chainHash, info.auditHead.chainHash);
      assert.equal(info.counts.auditEntries, info.auditHead.seq);
    });
  });

  describe('taking and listing backups', () => {
    let dev: DevEngine;
    const dir = tempDir();
    before(async () => {
      dev = await openDevEngine({ backups: { dir: join(dir, 'backups'), retain: 2 } });
      await dev.engine.keys.create(root, { name: 'k1', spec: 'AES_256_GCM' });
    });
    after(() => dev?.close());

    it('streams a snapshot from a temporary file that dispose removes, and records it as a client backup', async () => {
      const snap = await dev.engine.backups.snapshot(root);
      assert.equal(snap.info.location, 'client');
      assert.equal(snap.info.file, null);
      assert.equal(readFileSync(snap.path).length, snap.info.sizeBytes);
      await snap.dispose();
      assert.equal(existsSync(snap.path), false);
      const { backups } = await dev.engine.backups.list(root);
      assert.equal(backups[0]?.id, snap.info.id);
    });

    it('takes scheduled backups and keeps only the newest `retain` files; pruned ones stay listed', async () => {
      const { engine } = dev;
      for (let i = 0; i < 3; i++) await engine.backups.runScheduled();
      const { backups } = await engine.backups.list(root);
      const scheduled = backups.filter((b) => b.trigger === 'schedule');
      assert.equal(scheduled.length, 3);
      assert.equal(scheduled.filter((b) => b.file !== null).length, 2);
      assert.ok(scheduled[2]?.prunedAt, 'the oldest was pruned');
      assert.deepEqual(readdirSync(join(dir, 'backups')).sort(), scheduled.filter((b) => b.file).map((b) => b.file as string).sort());
      const entries = await allAuditEntries(engine);
      const prune = entries.filter((e) => e.action === 'backup.prune').at(-1);
      assert.deepEqual(prune?.details['pruned'], [scheduled[2].id]);
      assert.equal(entries.filter((e) => e.action === 'backup.create' && e.actor === 'system:scheduler').length, 3);
    });

    it('lists newest first, with the latest drill', async () => {
      const { engine } = dev;
      const drill = await engine.backups.drill(root);
      const list = await engine.backups.list(root, { limit: 2 });
      assert.equal(list.backups.length, 2);
      assert.ok((list.backups[0]?.createdAt ?? '') >= (list.backups[1]?.createdAt ?? ''));
      assert.equal(list.lastDrill?.id, drill.id);
    });

    it('refuses callers without the permission, and audits the refusal', async () => {
      const ctx: CallContext = { principal: { type: 'token', actor: 'token:narrow', permissions: ['crypto.*'] } };
      await rejectsWith(dev.engine.backups.create(ctx), 'permission_denied');
      assert.equal((await lastAuditEntry(dev.engine)).outcome, 'denied');
      await rejectsWith(dev.engine.backups.drill(ctx), 'permission_denied');
      await rejectsWith(dev.engine.backups.list(ctx), 'permission_denied');
    });
  });

  it('takes backups on schedule on the node that runs the schedulers', async () => {
    const dir = tempDir();
    const dev = await openDevEngine({ backups: { dir, intervalMs: 50, retain: 3 } });
    try {
      const deadline = Date.now() + 10_000;
      let scheduled = 0;
      while (scheduled < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        scheduled = (await dev.engine.store.listDocuments<{ trigger: string }>('backup', { limit: 100 })).filter((d) => d.data.trigger === 'schedule').length;
      }
      assert.ok(scheduled >= 2, `scheduled backups taken: ${scheduled}`);
      assert.ok(readdirSync(dir).length >= 2);
    } finally {
      await dev.close();
    }
    assert.ok(readdirSync(dir).every((n) => n.endsWith('.kwbackup')), 'no half-written backup left by closing');
  });

  it('refuses to keep a backup on a server without a backup directory', async () => {
    const dev = await openDevEngine();
    try {
      await rejectsWith(dev.engine.backups.create(root), 'validation_failed');
    } finally {
      await dev.close();
    }
  });

  describe('DR drills', () => {
    let dev: DevEngine;
    const dir = tempDir();
    before(async () => {
      dev = await openDevEngine({ backups: { dir: join(dir, 'backups') } });
      await dev.engine.keys.create(root, { name: 'a', spec: 'AES_256_GCM' });
      await dev.engine.keys.create(root, { name: 'b', spec: 'AES_256_GCM' });
      await dev.engine.keys.create(root, { name: 'mac', spec: 'HMAC_SHA256' });
    });
    after(() => dev?.close());

    it('passes on a healthy instance with no kept backup: a fresh snapshot, restored, chain verified, samples decrypted', async () => {
      const { engine } = dev;
      const drill = await engine.backups.drill(root);
      assert.equal(drill.passed, true, JSON.stringify(drill.steps));
      assert.equal(drill.source, 'fresh');
      assert.equal(drill.unsealedWith, 'node-root-key');
      assert.deepEqual(drill.steps.map((s) => [s.name, s.status]), ['open', 'verify', 'restore', 'unseal', 'audit chain', 'samples', 'cleanup'].map((n) => [n, 'passed']));
      assert.deepEqual(drill.samples.map((s) => [s.keyName, s.ok]), [['a', true], ['b', true]]);
      assert.ok(drill.totalMs > 0 && drill.steps.every((s) => s.ms >= 0));
      const entry = await lastAuditEntry(engine);
      assert.equal(entry.action, 'dr.drill');
      assert.equal(entry.details['passed'], true);
      assert.equal(entry.details['samples'], '2/2');
      const stored = await engine.store.getDocument('dr-drill', drill.id);
      assert.equal((stored?.data as { passed: boolean }).passed, true);
      assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('keyward-drill-') && existsSync(join(tmpdir(), n, 'restore'))), [], 'the scratch instance was deleted');
    });

    it('drills on the latest kept backup, unsealing the restored instance with the shares', async () => {
      const { engine } = dev;
      const info = await engine.backups.create(root);
      const drill = await engine.backups.drill(root, { backup: 'latest', shares: [dev.share] });
      assert.equal(drill.passed, true, JSON.stringify(drill.steps));
      assert.equal(drill.source, 'recorded');
      assert.equal(drill.backupId, info.id);
      assert.equal(drill.unsealedWith, 'shares');
    });

    it('reports (does not throw) a drill on a damaged backup file, failing at verify', async () => {
      const { engine } = dev;
      const info = await engine.backups.create(root);
      const file = join(dir, 'backups', info.file as string);
      const bytes = readFileSync(file);
      bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 0x01;
      writeFileSync(file, bytes);
      const drill = await engine.backups.drill(root, { backup: info.id });
      assert.equal(drill.passed, false);
      assert.deepEqual(
        drill.steps.map((s) => s.status),
        ['passed', 'failed', 'skipped', 'skipped', 'skipped', 'skipped', 'passed'],
      );
      const entry = await lastAuditEntry(engine);
      assert.equal(entry.details['passed'], false);
      assert.equal(entry.details['failedStep'], 'verify');
    });

    it('reports wrong shares as a failed open step', async () => {
      const other = await Engine.openDev();
      try {
        const drill = await dev.engine.backups.drill(root, { shares: [other.share] });
        assert.equal(drill.passed, false);
        assert.equal(drill.steps[0]?.status, 'failed');
        assert.match(drill.steps[0]?.detail ?? '', /invalid_share/);
      } finally {
        await other.engine.close();
        rmSync(other.dir, { recursive: true, force: true });
      }
    });

    it('refuses an unknown backup id', async () => {
      await rejectsWith(dev.engine.backups.drill(root, { backup: 'bk_000000000000000000000000' }), 'not_found');
    });

    it('leaves a failed restore target empty', async () => {
      const info = await dev.engine.backups.create(root);
      const file = join(dir, 'backups', info.file as string);
      const bad = join(dir, 'truncated.kwbackup');
      writeFileSync(bad, readFileSync(file).subarray(0, 500));
      const target = await openTestStore();
      try {
        const secrets = await secretsFromShares((await readBackupHeader(file)).seal, [dev.share]);
        await rejectsWith(restoreBackup({ path: bad, target: target.store, secrets }), 'backup_invalid');
        wipeSecrets(secrets);
        assert.deepEqual(await storeContents(target.store), []);
      } finally {
        await target.cleanup();
      }
    });
  });
});
