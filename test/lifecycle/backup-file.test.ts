import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine.ts';
import { systemPrincipal } from '../../src/auth/principal.ts';
import { MAGIC, TRAILER_MAGIC } from '../../src/lifecycle/backup/backup-format.ts';
import { readBackupHeader } from '../../src/lifecycle/backup/read-backup.ts';
import { restoreBackup } from '../../src/lifecycle/backup/restore-backup.ts';
import { secretsFromShares, wipeSecrets, type BackupSecrets } from '../../src/lifecycle/backup/unlock-backup.ts';
import { verifyBackupFile } from '../../src/lifecycle/backup/verify-backup.ts';
import { storeContents } from '../../src/storage/copy-store.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { openDevEngine, rejectsWith, root, type DevEngine } from '../engine/helpers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A file in a fresh temp dir, removed after the suite. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('backup file: round trip', () => {
  let dev: DevEngine;
  const dir = scratchDir();
  let file: string;
  let secrets: BackupSecrets;
  const ciphertexts: { ciphertext: string; plaintext: string; context?: Record<string, string> }[] = [];

  before(async () => {
    dev = await openDevEngine();
    const { engine } = dev;
    await engine.keys.create(root, { name: 'billing', spec: 'AES_256_GCM' });
    await engine.keys.create(root, { name: 'orders', spec: 'AES_256_GCM' });
    await engine.keys.create(root, { name: 'signer', spec: 'ED25519' });
    for (let i = 0; i < 5; i++) {
      const plaintext = `record ${i}`;
      const context = i % 2 === 0 ? { tenant: `t${i}` } : undefined;
      const r = await engine.crypto.encrypt(root, { key: i % 2 === 0 ? 'billing' : 'orders', plaintext: Buffer.from(plaintext), ...(context ? { context } : {}) });
      ciphertexts.push({ ciphertext: r.ciphertext, plaintext, ...(context ? { context } : {}) });
    }
    await engine.keys.rotate(root, 'billing');
    await engine.tokens.create(root, { permissions: ['crypto.*'], ttlSeconds: 600 });
    await engine.store.transaction(async (tx) => {
      const doc = await tx.putDocument({ kind: 'identity', id: 'id_alice', lookup: 'alice', ref: 'team-a', data: { name: 'alice', groups: ['ops'] }, updatedAt: new Date().toISOString() }, null);
      await tx.putDocument({ ...doc, data: { name: 'alice', groups: ['ops', 'sec'] } }, doc.revision);
    });
    await engine.audit.checkpoint(root);
    const snap = await engine.backups.snapshot(root);
    file = join(dir, 'good.kwbackup');
    copyFileSync(snap.path, file);
    await snap.dispose();
    secrets = await secretsFromShares((await engine.store.getSeal())!, [dev.share]);
  });
  after(async () => {
    if (secrets) wipeSecrets(secrets);
    await dev?.close();
  });

  it('verifies offline (no secrets) and fully (with the unseal shares)', async () => {
    const offline = await verifyBackupFile({ path: file });
    assert.equal(offline.ok, true, JSON.stringify(offline.checks));
    assert.equal(offline.level, 'offline');
    assert.deepEqual(offline.checks.map((c) => c.name), ['format', 'structure', 'hashes', 'signature']);
    const full = await verifyBackupFile({ path: file, secrets });
    assert.equal(full.ok, true, JSON.stringify(full.checks));
    assert.deepEqual(full.checks.map((c) => c.name), ['format', 'secrets', 'structure', 'hashes', 'signature', 'mac', 'records', 'audit chain']);
    assert.equal(full.counts?.keys, 3);
    assert.equal(full.counts?.keyVersions, 4);
    assert.equal(full.counts?.samples, 2, 'one sample per active AES key');
    assert.equal(full.sha256, (await import('node:crypto')).createHash('sha256').update(readFileSync(file)).digest('hex'));
  });

  it('pins the signing key: the instance key passes, another instance\'s is refused', async () => {
    const seal = (await dev.engine.store.getSeal())!;
    const pinned = await verifyBackupFile({ path: file, pinnedPublicKey: seal.auditPublicKey });
    assert.equal(pinned.ok, true);
    const other = await Engine.openDev();
    try {
      const foreign = (await other.engine.store.getSeal())!.auditPublicKey;
      const refused = await verifyBackupFile({ path: file, pinnedPublicKey: foreign });
      assert.equal(refused.ok, false);
      assert.equal(refused.checks.find((c) => !c.ok)?.name, 'pinned key');
    } finally {
      await other.engine.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('keeps key material wrapped: no plaintext record, token or root key in the file', async () => {
    const bytes = readFileSync(file);
    for (const secret of [secrets.rootKey, secrets.auditSigningKey, Buffer.from(dev.rootToken), Buffer.from('record 1')]) {
      assert.equal(bytes.indexOf(secret), -1);
    }
    const header = await readBackupHeader(file);
    assert.equal(header.instanceId, await dev.engine.store.instanceId());
    assert.equal(bytes.indexOf(Buffer.from('billing')), -1, 'key names are inside the encrypted body');
  });

  it('restores into an empty store that unseals with the same share and decrypts ciphertexts made before the backup', async () => {
    const target = join(dir, 'restored');
    (await import('node:fs')).mkdirSync(target);
    const store = SqliteStore.open({ path: join(target, 'keyward.db') });
    const restored = await restoreBackup({ path: file, target: store, secrets });
    assert.equal(restored.chain.ok, true, JSON.stringify(restored.chain.problems));
    assert.equal(restored.counts.auditEntries, restored.header.auditHead.seq);
    await store.close();

    const engine = await Engine.open({ store: SqliteStore.open({ path: join(target, 'keyward.db') }), checkpointFile: null });
    try {
      assert.equal(engine.sys.status().initialized, true);
      assert.equal(engine.sys.status().sealed, true, 'a restored instance starts sealed');
      await engine.sys.unseal({ principal: systemPrincipal('test') }, dev.share);
      for (const c of ciphertexts) {
        const r = await engine.crypto.decrypt(root, { ciphertext: c.ciphertext, ...(c.context ? { context: c.context } : {}) });
        assert.equal(r.plaintext.toString(), c.plaintext);
      }
      const verified = await engine.audit.verify(root);
      assert.equal(verified.ok, true, JSON.stringify(verified.problems));
      assert.equal(await engine.store.instanceId(), await dev.engine.store.instanceId());
      const doc = await engine.store.findDocument('identity', 'alice');
      assert.deepEqual(doc, await dev.engine.store.getDocument('identity', 'id_alice'));
      assert.equal(doc?.revision, 2);
      assert.deepEqual((await engine.store.listDocuments('identity', { ref: 'team-a', limit: 10 })).map((d) => d.id), ['id_alice']);
      const token = (await dev.engine.store.listTokens({ limit: 10 }))[1]!;
      assert.deepEqual(await engine.store.getToken(token.accessor), token);
    } finally {
      await engine.close();
    }
  });

  it('refuses a target that is not empty, writing nothing', async () => {
    const target = mkdtempSync(join(dir, 'busy-'));
    const store = SqliteStore.open({ path: join(target, 'keyward.db') });
    try {
      await store.transaction((tx) => tx.putDocument({ kind: 'note', id: 'n1', data: 'x', updatedAt: new Date().toISOString() }, null));
      await rejectsWith(restoreBackup({ path: file, target: store, secrets }), 'conflict');
      assert.deepEqual(await storeContents(store), ['documents']);
    } finally {
      await store.close();
    }
  });

  it('refuses shares of another instance', async () => {
    const other = await Engine.openDev();
    try {
      await rejectsWith(secretsFromShares((await readBackupHeader(file)).seal, [other.share]), 'invalid_share');
    } finally {
      await other.engine.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  describe('a corrupted backup is refused by verify (offline and full) and by restore, which writes nothing', () => {
    const corruptions: { name: string; corrupt: (b: Buffer) => Buffer }[] = [
      {
        name: 'one byte flipped in the header',
        corrupt: (b) => {
          const at = b.indexOf(Buffer.from('"createdAt":"')) + 15;
          return flip(b, at);
        },
      },
      { name: 'one byte flipped in the magic', corrupt: (b) => flip(b, 2) },
      { name: 'one byte flipped in a frame', corrupt: (b) => flip(b, headerEnd(b) + 40) },
      { name: 'a frame length changed', corrupt: (b) => flip(b, headerEnd(b) + 3) },
      {
        name: 'one hex digit of the MAC changed in the trailer',
        corrupt: (b) => {
          const at = b.indexOf(Buffer.from('"mac":"')) + 8;
          const copy = Buffer.from(b);
          copy[at] = copy[at] === 0x30 ? 0x31 : 0x30;
          return copy;
        },
      },
      { name: 'one byte flipped in the trailer signature', corrupt: (b) => flip(b, b.indexOf(Buffer.from('"signature":"')) + 20) },
      { name: 'the last byte cut off', corrupt: (b) => b.subarray(0, b.length - 1) },
      { name: 'truncated inside the body', corrupt: (b) => b.subarray(0, headerEnd(b) + 100) },
      { name: 'cut before the trailer', corrupt: (b) => b.subarray(0, b.lastIndexOf(TRAILER_MAGIC)) },
      { name: 'a byte appended', corrupt: (b) => Buffer.concat([b, Buffer.of(0)]) },
    ];
    for (const { name, corrupt } of corruptions) {
      it(name, async () => {
        const bad = join(dir, `bad-${name.replace(/\W+/g, '-')}.kwbackup`);
        writeFileSync(bad, corrupt(readFileSync(file)));
        const offline = await verifyBackupFile({ path: bad });
        assert.equal(offline.ok, false, `offline: ${JSON.stringify(offline.checks)}`);
        const full = await verifyBackupFile({ path: bad, secrets });
        assert.equal(full.ok, false, `full: ${JSON.stringify(full.checks)}`);
        const target = mkdtempSync(join(dir, 'target-'));
        const store = SqliteStore.open({ path: join(target, 'keyward.db') });
        try {
          await rejectsWith(restoreBackup({ path: bad, target: store, secrets }), 'backup_invalid');
          assert.deepEqual(await storeContents(store), [], 'the target is still empty');
        } finally {
          await store.close();
        }
      });
    }
  });

  it('says a file that is not a backup is not one', async () => {
    const notBackup = join(dir, 'not-a-backup');
    writeFileSync(notBackup, 'hello world, this is not a backup at all');
    const report = await verifyBackupFile({ path: notBackup });
    assert.equal(report.ok, false);
    assert.match(report.checks[0]?.detail ?? '', /not a Keyward backup/);
    await rejectsWith(verifyBackupFile({ path: join(dir, 'missing') }), 'validation_failed');
    assert.ok(statSync(file).size > 0);
  });
});

function flip(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

/** Offset of the first frame: magic, version, length, header JSON. */
function headerEnd(b: Buffer): number {
  assert.ok(b.subarray(0, MAGIC.length).equals(MAGIC));
  return MAGIC.length + 6 + b.readUInt32BE(MAGIC.length + 2);
}
