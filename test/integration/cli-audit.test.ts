import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { testBackend } from '../test-backend.ts';
import { waitFor } from './server-harness.ts';
import { CliTestServer, keyward, startKeyward } from './cli-harness.ts';

interface EntryJson {
  seq: number;
  action: string;
  correlationId: string | null;
  details: Record<string, unknown>;
}

describe('keyward audit', () => {
  let cli: CliTestServer;
  let dir: string;
  before(async () => {
    cli = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'keyward-cli-audit-'));
    for (const name of ['alpha', 'beta']) assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name, spec: 'AES_256_GCM' } })).status, 201);
    assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name: 'x', spec: 'NOPE' } })).status, 400);
  });
  after(async () => {
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queries entries as a table and as JSON, with filters', async () => {
    const table = await cli.run(['audit', 'query', '--action', 'key.create']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^SEQ\s+TIME\s+ACTOR\s+ACTION\s+KEY\s+OUTCOME\s+ERROR$/);
    assert.equal(lines.length, 4, table.stdout);
    assert.match(lines[3] ?? '', /key\.create\s+-\s+failure\s+key_spec_invalid$/);

    const json = await cli.run(['audit', 'query', '--key', 'alpha', '--json']);
    const page = JSON.parse(json.stdout) as { entries: EntryJson[]; next: number | null };
    // The server resolves the name with a (audited) key.describe, so that read is in the answer too.
    assert.deepEqual(page.entries.map((e) => e.action).slice(0, 1), ['key.create']);
    assert.ok(page.entries.every((e) => e.action.startsWith('key.')));

    const limited = await cli.run(['audit', 'query', '--limit', '2']);
    assert.match(limited.stderr, /^More entries: add --after 2\.\n$/);
    const failures = JSON.parse((await cli.run(['audit', 'query', '--outcome', 'failure', '--json'])).stdout) as { entries: EntryJson[] };
    assert.ok(failures.entries.length >= 1);
  });

  it('tails the newest entries without its own reads, also past one page, and follows new ones', async () => {
    // More than one page (1000) of entries, so the head has to be searched for.
    const ctx = { principal: { type: 'root', actor: 'root:test', permissions: ['*'] } } as const;
    await Promise.all(Array.from({ length: 1100 }, () => cli.server.engine.crypto.random(ctx, 1)));
    assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name: 'marker', spec: 'AES_256_GCM' } })).status, 201);

    const tail = await cli.run(['audit', 'tail', '-n', '3', '--json', '--correlation-id', 'tail-test']);
    assert.equal(tail.code, 0, tail.stderr);
    const entries = tail.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as EntryJson);
    assert.deepEqual(entries.map((e) => e.action), ['crypto.random', 'crypto.random', 'key.create']);
    assert.deepEqual(entries.map((e) => e.seq - (entries[0]?.seq ?? 0)), [0, 1, 2], 'consecutive');
    // The previous tail's reads are another command's, so they show (one line each); this one's own do not.
    const human = await cli.run(['audit', 'tail', '-n', '1']);
    assert.match(human.stdout, /^\s+\d+ {2}\S+ {2}success {2}root:\S+ {2}audit\.query\n$/);

    const follow = startKeyward(['audit', 'tail', '-n', '1', '--follow', '--interval', '1'], { env: cli.env() });
    try {
      // The newest entry is printed once the tail knows where the log ends; what comes after is new.
      await waitFor(() => follow.stdout().endsWith('\n'), 'the newest entry');
      assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name: 'followed', spec: 'AES_256_GCM' } })).status, 201);
      await waitFor(() => follow.stdout().includes('key.create'), 'the new entry to be printed');
      const lines = follow.stdout().split('\n');
      assert.match(lines[1] ?? '', /^\s+\d+ {2}\S+ {2}success {2}root:\S+ {2}key\.create {2}key=key_[0-9a-f]{24}:1$/);
      assert.equal(lines.length, 3, 'the first entry, the new one, and nothing of its own polling');
      follow.child.kill('SIGTERM');
      assert.equal(await follow.exited, 0, follow.stderr());
    } finally {
      follow.kill();
    }
  });

  it('verifies the chain on the server (exit 0) and signs a checkpoint', async () => {
    const checkpoint = await cli.run(['audit', 'checkpoint']);
    assert.equal(checkpoint.code, 0, checkpoint.stderr);
    assert.match(checkpoint.stdout, /^Size:\s+\d+$/m);
    const verified = await cli.run(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^Audit log OK/);
    assert.match(verified.stdout, /^Entries:\s+(\d+)\/\1 entries valid$/m);
    assert.match(verified.stdout, /^Checkpoints:\s+(\d+)\/\1 valid$/m);
    const json = JSON.parse((await cli.run(['audit', 'verify', '--json'])).stdout) as { ok: boolean; firstBad: unknown };
    assert.deepEqual([json.ok, json.firstBad], [true, null]);
  });

  // `audit verify --db` reads a SQLite file (copied from the server's data dir), so it has no PostgreSQL counterpart.
  const offline = { skip: testBackend.name === 'sqlite' ? false : `audit verify --db checks a SQLite file; the server runs on ${testBackend.label}` };
  it('verifies a database file offline, and names the first tampered entry (exit 1)', offline, async () => {
    assert.equal((await cli.run(['audit', 'checkpoint'])).code, 0);
    const copy = join(dir, 'keyward.db');
    const live = new Database(join(cli.server.dir, 'keyward.db'), { readonly: true });
    try {
      await live.backup(copy);
    } finally {
      live.close();
    }
    copyFileSync(join(cli.server.dir, 'audit-checkpoints.jsonl'), join(dir, 'audit-checkpoints.jsonl'));
    const before = readFileSync(copy);

    const ok = await keyward(['audit', 'verify', '--db', copy]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Audit log OK: .*offline, .*keyward\.db with .*audit-checkpoints\.jsonl\)\.$/m);
    assert.match(ok.stdout, /^Checkpoints:\s+([1-9]\d*)\/\1 valid$/m);
    assert.deepEqual(readFileSync(copy), before, 'the file checked is not modified');
    assert.ok(!existsSync(`${copy}-wal`), 'nor given a WAL');

    const tampered = new Database(copy);
    tampered.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3").run();
    tampered.close();
    const bad = await keyward(['audit', 'verify', '--db', copy]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^Audit log NOT OK/);
    assert.match(bad.stdout, /^First bad:\s+entry 3: modified: /m);
    assert.equal(bad.stderr, 'keyward: audit log verification failed: first bad entry 3 (modified)\n');
    const json = JSON.parse((await keyward(['audit', 'verify', '--db', copy, '--json'])).stdout) as { ok: boolean; firstBad: { seq: number; reason: string } };
    assert.deepEqual([json.ok, json.firstBad.seq, json.firstBad.reason], [false, 3, 'modified']);

    const missing = await keyward(['audit', 'verify', '--db', join(dir, 'nope.db')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.db: ENOENT/);
  });

  it('exports the log as JSON Lines to stdout and to a file', async () => {
    const out = await cli.run(['audit', 'export']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    const seqs = lines.map((line) => (JSON.parse(line) as EntryJson).seq);
    assert.ok(seqs.length > 1100);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'every entry, in order');

    const file = join(dir, 'audit.jsonl');
    const toFile = await cli.run(['audit', 'export', '--from', '10', '--out', file]);
    assert.equal(toFile.code, 0, toFile.stderr);
    const written = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(toFile.stdout, `Exported ${written.length} entries to ${file}.\n`);
    assert.equal((JSON.parse(written[0] ?? '') as EntryJson).seq, 10);
    assert.ok(written.length >= lines.length - 9);
  });
});
