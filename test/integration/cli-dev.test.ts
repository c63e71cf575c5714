import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/** Runs the CLI; `stdout()` and `stderr()` return everything printed so far. */
function runCli(args: readonly string[]): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('keyward server --dev', () => {
  it('prints a banner with the real address and a root token that works, and exits 0 on SIGTERM', async () => {
    const cli = runCli(['server', '--dev', '--port', '0']);
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
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('refuses a non-loopback host with exit code 2', async () => {
    const cli = runCli(['server', '--dev', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(await cli.exited, 2);
    assert.match(cli.stderr(), /refusing to listen on 0\.0\.0\.0/);
  });
});
