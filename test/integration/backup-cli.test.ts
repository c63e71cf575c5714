import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine.ts';
import { systemPrincipal } from '../../src/auth/principal.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { CliTestServer, keyward } from './cli-harness.ts';
import { root } from '../engine/helpers.ts';
import { testBackend } from '../test-backend.ts';

describe(`keyward backup and dr (CLI) on ${testBackend.label}`, () => {
  let cli: CliTestServer;
  const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-cli-'));
  const file = join(dir, 'instance.kwbackup');
  let ciphertext = '';
  let shares = '';

  before(async () => {
    cli = await CliTestServer.start();
    shares = cli.server.shares.slice(0, 2).join('\n');
    assert.equal((await cli.run(['key', 'create', 'billing', '--spec', 'AES_256_GCM'])).code, 0);
    const encrypted = await cli.run(['encrypt', 'billing', '--text', 'made before the backup']);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    ciphertext = encrypted.stdout.trim();
  });
  after(async () => {
    await cli?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backup create --output streams the backup into a 0600 file', async () => {
    const r = await cli.run(['backup', 'create', '--output', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { id: string; sizeBytes: number; sha256: string };
    assert.match(result.id, /^bk_/);
    assert.equal(statSync(file).size, result.sizeBytes);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(existsSync(`${file}.partial`), false);
    const again = await cli.run(['backup', 'create', '--output', file]);
    assert.equal(again.code, 2, 'an existing file is not replaced without --force');
  });

  it('backup verify checks offline, and fully with the shares piped in', async () => {
    const offline = await keyward(['backup', 'verify', file]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /backup verified \(offline\)/);
    assert.match(offline.stderr, /add --full/);
    const full = await keyward(['backup', 'verify', file, '--full', '--json'], { input: shares });
    assert.equal(full.code, 0, full.stderr);
    const report = JSON.parse(full.stdout) as { ok: boolean; level: string; checks: { name: string }[] };
    assert.equal(report.level, 'full');
    assert.ok(report.checks.some((c) => c.name === 'audit chain'));
  });

  it('backup verify pins the signing key from the checkpoint file, or a PEM file', async () => {
    assert.equal((await cli.run(['audit', 'checkpoint'])).code, 0);
    const pinned = await keyward(['backup', 'verify', file, '--checkpoint-file', join(cli.server.dir, 'audit-checkpoints.jsonl')]);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.match(pinned.stdout, /pinned key +signed by the pinned audit public key/);
    const { generateKeyPairSync } = await import('node:crypto');
    const foreign = join(dir, 'foreign.pem');
    writeFileSync(foreign, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const refused = await keyward(['backup', 'verify', file, '--public-key', foreign]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pinned key: the backup is signed by a different key/);
  });

  it('backup verify fails (exit 1) on a damaged file, offline and in full', async () => {
    const bad = join(dir, 'damaged.kwbackup');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x01;
    writeFileSync(bad, bytes);
    const offline = await keyward(['backup', 'verify', bad]);
    assert.equal(offline.code, 1);
    assert.match(offline.stdout, /does NOT verify/);
    const full = await keyward(['backup', 'verify', bad, '--full'], { input: shares });
    assert.equal(full.code, 1);
    const restoreDir = join(dir, 'from-damaged');
    const restore = await keyward(['backup', 'restore', bad, '--data-dir', restoreDir], { input: shares });
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /backup_invalid/);
    assert.deepEqual(readdirSync(restoreDir), [], 'no database left behind');
  });

  it('backup restore writes a sealed node that unseals with the same shares and decrypts what was encrypted before', async () => {
    const dataDir = join(dir, 'restored');
    const r = await keyward(['backup', 'restore', file, '--data-dir', dataDir], { input: shares });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restored backup bk_/);
    assert.match(r.stdout, /chain verified/);
    const engine = await Engine.open({ store: SqliteStore.open({ path: join(dataDir, 'keyward.db') }), checkpointFile: null });
    try {
      assert.equal(engine.sys.status().sealed, true);
      for (const share of cli.server.shares.slice(0, 2)) await engine.sys.unseal({ principal: systemPrincipal('test') }, share);
      assert.equal((await engine.crypto.decrypt(root, { ciphertext })).plaintext.toString(), 'made before the backup');
    } finally {
      await engine.close();
    }
    const again = await keyward(['backup', 'restore', file, '--data-dir', dataDir], { input: shares });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /conflict: the target is not empty/);
  });

  it('backup restore refuses shares of another instance and writes nothing', async () => {
    const dataDir = join(dir, 'wrong-shares');
    mkdirSync(dataDir);
    const r = await keyward(['backup', 'restore', file, '--data-dir', dataDir, '--share', 'A'.repeat(43) + '=']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid_share/);
    assert.deepEqual(readdirSync(dataDir), []);
  });

  it('dr drill passes, and backup list and dr list show it', async () => {
    const drill = await cli.run(['dr', 'drill']);
    assert.equal(drill.code, 0, drill.stderr);
    assert.match(drill.stdout, /DR drill PASSED/);
    assert.match(drill.stdout, /samples .*1\/1 samples decrypted/);
    const withShares = await cli.run(['dr', 'drill', '--with-shares', '--json'], { input: shares });
    assert.equal(withShares.code, 0, withShares.stderr);
    assert.equal((JSON.parse(withShares.stdout) as { unsealedWith: string }).unsealedWith, 'shares');
    const list = await cli.run(['backup', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /download/);
    assert.match(list.stdout, /Last DR drill: PASSED/);
    const drills = await cli.run(['dr', 'list']);
    assert.equal(drills.code, 0);
    assert.equal(drills.stdout.trim().split('\n').length, 3, drills.stdout);
  });

  it('dr drill exits 1 when the drill fails, and backup create --on-server without a backup directory fails', async () => {
    const failed = await cli.run(['dr', 'drill', '--with-shares'], { input: `${'A'.repeat(43)}=\n${'B'.repeat(43)}=\n` });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /DR drill FAILED/);
    assert.match(failed.stderr, /FAILED at open/);
    const onServer = await cli.run(['backup', 'create', '--on-server']);
    assert.equal(onServer.code, 1);
    assert.match(onServer.stderr, /no backup directory/);
    assert.equal((await cli.run(['backup', 'create'])).code, 2);
  });
});
