import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import type { BackupList, DrillList, DrillRecord } from '../../src/server/schemas/backups.ts';
import { readBackupHeader } from '../../src/lifecycle/backup/read-backup.ts';
import { secretsFromShares, wipeSecrets } from '../../src/lifecycle/backup/unlock-backup.ts';
import { verifyBackupFile } from '../../src/lifecycle/backup/verify-backup.ts';
import { assertError, TestServer } from './server-harness.ts';
import { testBackend } from '../test-backend.ts';

describe(`backup and DR routes on ${testBackend.label}`, () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-http-'));
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    const key = await server.request('POST', '/v1/keys', { body: { name: 'ledger', spec: 'AES_256_GCM' } });
    assert.equal(key.status, 201, key.text);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams a snapshot that verifies offline and with the unseal shares, and keeps no copy', async () => {
    const response = await fetch(`${server.url}/v1/backups/snapshot`, { headers: { authorization: `Bearer ${server.rootToken}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const id = response.headers.get('x-keyward-backup-id') ?? '';
    assert.match(id, /^bk_[0-9a-f]{24}$/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(Number(response.headers.get('content-length')), bytes.length);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), response.headers.get('x-keyward-backup-sha256'));
    const file = join(dir, 'download.kwbackup');
    writeFileSync(file, bytes);

    assert.equal((await verifyBackupFile({ path: file })).ok, true);
    const secrets = await secretsFromShares((await readBackupHeader(file)).seal, server.shares.slice(0, 2));
    try {
      const full = await verifyBackupFile({ path: file, secrets });
      assert.equal(full.ok, true, JSON.stringify(full.checks));
      assert.equal(full.counts?.samples, 1);
    } finally {
      wipeSecrets(secrets);
    }
    // The temporary file is removed once the response is sent.
    const deadline = Date.now() + 5000;
    const leftover = (): boolean => readdirSync(tmpdir()).some((n) => n.startsWith('keyward-backup-') && existsSync(join(tmpdir(), n, `${id}.kwbackup`)));
    while (leftover() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(leftover(), false);
  });

  it('refuses to keep a backup when the server has no backup directory', async () => {
    assertError(await server.request('POST', '/v1/backups', { body: {} }), 400, 'validation_failed');
  });

  it('runs a drill that passes, and lists it with the backups', async () => {
    const drill = await server.request<Static<typeof DrillRecord>>('POST', '/v1/dr/drills', { body: {} });
    assert.equal(drill.status, 200, drill.text);
    assert.equal(drill.body.passed, true, drill.text);
    assert.equal(drill.body.source, 'fresh');
    assert.deepEqual(drill.body.samples.map((s) => s.ok), [true]);

    const withShares = await server.request<Static<typeof DrillRecord>>('POST', '/v1/dr/drills', { body: { shares: server.shares.slice(0, 2) } });
    assert.equal(withShares.body.passed, true, withShares.text);
    assert.equal(withShares.body.unsealedWith, 'shares');
    assert.equal(withShares.text.includes(server.shares[0] as string), false, 'shares are never echoed');

    const drills = await server.request<Static<typeof DrillList>>('GET', '/v1/dr/drills?limit=1');
    assert.equal(drills.status, 200);
    assert.deepEqual(drills.body.drills.map((d) => d.id), [withShares.body.id]);
    const list = await server.request<Static<typeof BackupList>>('GET', '/v1/backups');
    assert.equal(list.status, 200);
    assert.equal(list.body.backups.length, 1, 'the download; drill snapshots are not recorded as backups');
    assert.equal(list.body.lastDrill?.id, withShares.body.id);
  });

  it('reports a drill with shares of another instance as failed, not as an error', async () => {
    const foreign = 'A'.repeat(43) + '=';
    const drill = await server.request<Static<typeof DrillRecord>>('POST', '/v1/dr/drills', { body: { shares: [foreign, foreign] } });
    assert.equal(drill.status, 200, drill.text);
    assert.equal(drill.body.passed, false);
    assert.equal(drill.body.steps[0]?.status, 'failed');
  });

  it('validates input and needs a token', async () => {
    assertError(await server.request('POST', '/v1/dr/drills', { body: { backup: '../etc/passwd' } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/dr/drills', { body: { shares: [] } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/dr/drills', { body: { backup: 'bk_000000000000000000000000' } }), 404, 'not_found');
    assertError(await server.request('GET', '/v1/backups/snapshot', { token: null }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/backups?limit=0'), 400, 'validation_failed');
  });
});
