import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCiphertext } from '../../src/crypto/ciphertext-format.ts';
import { CliTestServer } from './cli-harness.ts';
import { b64 } from './server-harness.ts';

describe('keyward rewrap, rotation impact and scheduled deletion', () => {
  let cli: CliTestServer;
  let dir: string;
  before(async () => {
    cli = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'keyward-lifecycle-cli-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cli.close();
  });

  const encrypt = async (key: string, text: string, context?: Record<string, string>): Promise<string> => {
    const r = await cli.server.request<{ ciphertext: string }>('POST', '/v1/crypto/encrypt', { body: { key, plaintext: b64(text), ...(context ? { context } : {}) } });
    assert.equal(r.status, 200, r.text);
    return r.body.ciphertext;
  };
  const decrypt = async (ciphertext: string, context?: Record<string, string>): Promise<{ status: number; text: string }> => {
    const r = await cli.server.request<{ plaintext: string }>('POST', '/v1/crypto/decrypt', { body: { ciphertext, ...(context ? { context } : {}) } });
    return { status: r.status, text: r.status === 200 ? Buffer.from(r.body.plaintext, 'base64').toString() : r.text };
  };

  it('rewraps a file line for line in batches, keeps JSON lines and blank lines, and raises the minimum version', async () => {
    assert.equal((await cli.run(['key', 'create', 'cli-rw', '--spec', 'AES_256_GCM'])).code, 0);
    const plain: string[] = [];
    for (let i = 0; i < 5; i++) plain.push(await encrypt('cli-rw', `secret ${i}`));
    const withContext = await encrypt('cli-rw', 'tenant secret', { tenant: 'acme' });
    assert.equal((await cli.run(['key', 'rotate', 'cli-rw'])).code, 0);
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const jsonLine = JSON.stringify({ id: 'row-7', ciphertext: withContext, context: { tenant: 'acme' } });
    writeFileSync(input, [plain[0], plain[1], '', jsonLine, plain[2], plain[3], plain[4]].join('\n') + '\n');

    const r = await cli.run(['rewrap', '--key', 'cli-rw', '--input', input, '--output', output, '--batch-size', '2', '--raise-min-version', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { rewrapped: number; failed: number; version: number; jobId: string; minDecryptionVersion: { raised: boolean; from: number; to: number } };
    assert.deepEqual({ rewrapped: summary.rewrapped, failed: summary.failed, version: summary.version }, { rewrapped: 6, failed: 0, version: 2 });
    assert.deepEqual({ raised: summary.minDecryptionVersion.raised, from: summary.minDecryptionVersion.from, to: summary.minDecryptionVersion.to }, { raised: true, from: 1, to: 2 });
    assert.equal(statSync(output).mode & 0o777, 0o600, 'the output file is private');
    assert.equal(existsSync(`${output}.partial`), false);

    const lines = readFileSync(output, 'utf8').split('\n');
    assert.equal(lines.length, 8, 'seven lines and the final newline');
    assert.equal(lines[2], '', 'the blank line stays');
    const json = JSON.parse(lines[3]!) as { id: string; ciphertext: string; context: Record<string, string> };
    assert.equal(json.id, 'row-7', 'other fields of a JSON line are kept');
    assert.equal((await decrypt(json.ciphertext, { tenant: 'acme' })).text, 'tenant secret');
    for (const [i, line] of [lines[0], lines[1], lines[4], lines[5], lines[6]].entries()) {
      assert.equal(parseCiphertext(line!).version, 2);
      assert.equal((await decrypt(line!)).text, `secret ${i}`);
    }
    assert.equal((await decrypt(plain[0]!)).status, 409, 'old ciphertexts no longer decrypt');
    const job = await cli.server.request<{ batches: number }>('GET', `/v1/keys/cli-rw/rewrap-jobs/${summary.jobId}`);
    assert.equal(job.body.batches, 3, 'batches of at most 2 ciphertexts');
  });

  it('writes failed lines unchanged, names them, exits 1 and leaves the minimum version alone', async () => {
    assert.equal((await cli.run(['key', 'create', 'cli-rw-bad', '--spec', 'AES_256_GCM'])).code, 0);
    const good = await encrypt('cli-rw-bad', 'good');
    assert.equal((await cli.run(['key', 'rotate', 'cli-rw-bad'])).code, 0);
    const input = join(dir, 'bad.txt');
    const output = join(dir, 'bad.out');
    writeFileSync(input, `${good}\nkw:v1:garbage\n{"ciphertext": 1}\n`);
    const r = await cli.run(['rewrap', '--key', 'cli-rw-bad', '--input', input, '--output', output, '--raise-min-version']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^Rewrapped:\s+1$/m, r.stderr);
    assert.match(r.stdout, /^Failed:\s+2$/m);
    assert.match(r.stdout, /not raised: 2 line\(s\) failed/);
    assert.match(r.stderr, /line 2: ciphertext_invalid/);
    assert.match(r.stderr, /line 3: validation_failed/);
    const lines = readFileSync(output, 'utf8').split('\n');
    assert.equal(parseCiphertext(lines[0]!).version, 2);
    assert.deepEqual(lines.slice(1), ['kw:v1:garbage', '{"ciphertext": 1}', '']);
    const key = await cli.server.request<{ minDecryptionVersion: number }>('GET', '/v1/keys/cli-rw-bad');
    assert.equal(key.body.minDecryptionVersion, 1);
  });

  it('reads stdin and writes stdout with "-"', async () => {
    assert.equal((await cli.run(['key', 'create', 'cli-rw-pipe', '--spec', 'AES_256_GCM'])).code, 0);
    const old = await encrypt('cli-rw-pipe', 'piped');
    assert.equal((await cli.run(['key', 'rotate', 'cli-rw-pipe'])).code, 0);
    const r = await cli.run(['rewrap', '--key', 'cli-rw-pipe', '--input', '-', '--output', '-'], { input: `${old}\n` });
    assert.equal(r.code, 0, r.stderr);
    const [line] = r.stdout.split('\n');
    assert.equal(parseCiphertext(line!).version, 2);
    assert.equal((await decrypt(line!)).text, 'piped');
    const missing = await cli.run(['rewrap', '--key', 'cli-rw-pipe', '--input', join(dir, 'nope.txt'), '--output', join(dir, 'x')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*ENOENT/);
  });

  it('shows the rotation impact of a key', async () => {
    assert.equal((await cli.run(['key', 'create', 'cli-impact', '--spec', 'AES_256_GCM'])).code, 0);
    const ct = await encrypt('cli-impact', 'x');
    assert.equal((await cli.run(['key', 'rotate', 'cli-impact'])).code, 0);
    assert.equal((await decrypt(ct)).status, 200);
    const table = await cli.run(['rotation', 'impact', 'cli-impact', '--stale-after-days', '0']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Principals on old versions:\s+1 \(1 stale after 0 days\)$/m);
    assert.match(table.stdout, /^PRINCIPAL\s+STALE\s+LAST USE/m);
    assert.match(table.stdout, /^root:\S+\s+yes\s+/m);
    const json = await cli.run(['rotation', 'impact', 'cli-impact', '--json']);
    assert.equal(json.code, 0);
    const impact = JSON.parse(json.stdout) as { currentVersion: number; principals: { process: { versions: number[] } }[] };
    assert.equal(impact.currentVersion, 2);
    assert.deepEqual(impact.principals[0]?.process.versions, [1]);
  });

  it('schedules, lists and cancels a key deletion', async () => {
    assert.equal((await cli.run(['key', 'create', 'cli-del', '--spec', 'AES_256_GCM'])).code, 0);
    const scheduled = await cli.run(['key', 'schedule-deletion', 'cli-del', '--days', '7', '--reason', 'retired']);
    assert.equal(scheduled.code, 0, scheduled.stderr);
    assert.match(scheduled.stdout, /^Status:\s+scheduled$/m);
    assert.match(scheduled.stdout, /^Waiting period:\s+7 days$/m);
    assert.match(scheduled.stderr, /cancel-deletion cli-del/);
    assert.equal((await cli.run(['key', 'show', 'cli-del', '--json'])).stdout.includes('"state": "suspended"'), true);

    const listed = await cli.run(['key', 'deletions']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^cli-del\s+scheduled\s+/m);
    const tooShort = await cli.run(['key', 'schedule-deletion', 'cli-del', '--days', '3']);
    assert.equal(tooShort.code, 1);

    const cancelled = await cli.run(['key', 'cancel-deletion', 'cli-del', '--reason', 'still used']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /cancelled; the key is active again/);
    const history = await cli.run(['key', 'deletions', 'cli-del', '--json']);
    assert.deepEqual((JSON.parse(history.stdout) as { deletions: { status: string }[] }).deletions.map((d) => d.status), ['cancelled']);
  });
});
