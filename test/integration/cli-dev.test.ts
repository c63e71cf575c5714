import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { listeningUrl, spawnCli, waitFor } from './server-harness.ts';

describe('keyward server --dev', () => {
  it('prints a banner with the real address and a root token that works, and exits 0 on SIGTERM', async () => {
    const cli = spawnCli(['server', '--dev', '--port', '0']);
    try {
      await waitFor(() => cli.stdout().includes('dev mode: data is temporary'), 'the banner');
      const banner = cli.stdout();
      const address = /Address:\s+(http:\/\/127\.0\.0\.1:(\d+))/.exec(banner);
      const token = /Root token:\s+(kwr_\S+)/.exec(banner)?.[1];
      const dir = /dev mode: data is temporary and lives in (\S+)/.exec(banner)?.[1];
      assert.ok(address && Number(address[2]) > 0, `a real address in:\n${banner}`);
      assert.ok(token && dir);
      assert.match(banner, /Unseal share:\s+\S+/);
      const url = address[1] ?? '';
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

      const health = (await (await fetch(`${url}/v1/sys/health`)).json()) as { status: string; sealed: boolean };
      assert.deepEqual([health.status, health.sealed], ['ok', false]);
      const created = await fetch(`${url}/v1/keys`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'demo', spec: 'AES_256_GCM' }) });
      assert.equal(created.status, 201);
      const encrypted = await fetch(`${url}/v1/crypto/encrypt`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'demo', plaintext: 'aGk=' }) });
      assert.equal(encrypted.status, 200);
      assert.match(((await encrypted.json()) as { ciphertext: string }).ciphertext, /^kw:v1:/);

      const started = Date.now();
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
      assert.ok(Date.now() - started < 5000, 'stops within 5 s');
      assert.equal(existsSync(dir), false, 'dev data is removed on shutdown');
      assert.ok(!cli.stderr().includes(token), 'the token is not logged');
    } finally {
      cli.kill();
    }
  });

  it('refuses a non-loopback host without TLS with exit code 2', async () => {
    const cli = spawnCli(['server', '--dev', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(await cli.exited, 2);
    assert.match(cli.stderr(), /refusing to listen on 0\.0\.0\.0 \(listen\.host from flag --host\) without TLS/);
  });

  it('refuses --dev together with a data directory, naming where it was set', async () => {
    const cli = spawnCli(['server', '--dev', '--port', '0'], { KEYWARD_DATA_DIR: '/tmp/keyward-never-created' });
    assert.equal(await cli.exited, 2);
    assert.match(cli.stderr(), /cannot be combined with dataDir \(set by env KEYWARD_DATA_DIR\)/);
  });

  it('listens on a non-loopback address with --insecure, after a loud warning', async () => {
    const cli = spawnCli(['server', '--dev', '--host', '0.0.0.0', '--port', '0', '--insecure', '--log-level', 'warn']);
    try {
      const port = new URL(await listeningUrl(cli)).port;
      assert.match(cli.stderr(), /WARNING: listening on 0\.0\.0\.0 over plain HTTP \(insecure mode\)/);
      const health = await fetch(`http://127.0.0.1:${port}/v1/sys/health`);
      assert.equal(health.status, 200);
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
    } finally {
      cli.kill();
    }
  });
});
