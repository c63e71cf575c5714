import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { keyward, startKeyward } from './cli-harness.ts';
import { listeningUrl } from './server-harness.ts';

/**
 * `keyward storage migrate` as a person runs it: the built CLI, on the SQLite file a real
 * `keyward server` left behind, into a fresh PostgreSQL schema (skipped without a server, as
 * test/storage/postgres-store.test.ts is).
 */
const DATABASE_URL = process.env['KEYWARD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const MUST_RUN = Boolean(process.env['CI'] && process.env['KEYWARD_TEST_DATABASE_URL']);

/** The test URL with a password in it (trust auth never asks for it), to check it is never printed. */
const PASSWORD = new URL(DATABASE_URL).password || 'not-printed-s3cret';
const TARGET_URL = ((): string => {
  const url = new URL(DATABASE_URL);
  url.password = PASSWORD;
  return url.toString();
})();
const REDACTED = ((): string => {
  const url = new URL(TARGET_URL);
  url.password = '***';
  return url.toString();
})();

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await withAdmin((c) => c.query('SELECT 1')).then(
  () => null,
  (err: Error) => `no PostgreSQL answered at ${new URL(DATABASE_URL).host} within 2 s (${err.message}); set KEYWARD_TEST_DATABASE_URL to a server`,
);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function post(url: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

describe('keyward storage migrate', { skip: unreachable && !MUST_RUN ? unreachable : false }, () => {
  let dir = '';
  let db = '';
  const schemas: string[] = [];
  const freshSchema = (): string => {
    const schema = `kw_test_${process.pid}_migrate_${schemas.length + 1}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const migrate = (schema: string, ...extra: string[]): ReturnType<typeof keyward> =>
    keyward(['storage', 'migrate', '--from', `sqlite:${db}`, '--to', `postgres:${TARGET_URL}`, '--schema', schema, ...extra]);
  const rows = (schema: string, table: string): Promise<number> =>
    withAdmin(async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0]!.n);

  before(async () => {
    // A real server run: initialised, unsealed and used over HTTP, then stopped.
    dir = mkdtempSync(join(tmpdir(), 'keyward-migrate-it-'));
    db = join(dir, 'keyward.db');
    const server = startKeyward(['server', '--data-dir', dir, '--port', '0', '--log-level', 'silent']);
    try {
      const url = await listeningUrl(server);
      const init = await post(url, '/v1/sys/init', { shares: 1, threshold: 1 });
      await post(url, '/v1/sys/unseal', { share: (init['shares'] as string[])[0] });
      const token = init['rootToken'] as string;
      for (const [name, spec] of [['billing', 'AES_256_GCM'], ['signer', 'ED25519']]) await post(url, '/v1/keys', { name, spec }, token);
      await post(url, '/v1/keys/billing/rotate', {}, token);
      await post(url, '/v1/crypto/encrypt', { key: 'billing', plaintext: Buffer.from('hello').toString('base64') }, token);
      await post(url, '/v1/tokens', { permissions: ['crypto.*@billing'], ttlSeconds: 600 }, token);
      await post(url, '/v1/audit/checkpoint', {}, token);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
    } finally {
      server.kill();
    }
  });
  after(async () => {
    for (const schema of schemas) await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the database into an empty schema, verifies it and prints a summary (exit 0), never the password', async () => {
    const before = readFileSync(db);
    const schema = freshSchema();
    const run = await migrate(schema, '--yes');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'no progress bar without a terminal');
    assert.match(run.stdout, new RegExp(`^Migrated and verified: sqlite:${escape(db)} → ${escape(REDACTED)} \\(schema ${schema}\\)\\.$`, 'm'));
    assert.match(run.stdout, /^Keys:\s+2 \(3 versions\)$/m);
    assert.match(run.stdout, /^Tokens:\s+2$/m);
    assert.match(run.stdout, /^Checkpoints:\s+[1-9]\d*$/m);
    for (const check of ['instance id', 'seal record', 'keys', 'key versions', 'tokens', 'audit entries', 'audit head', 'checkpoints', 'audit chain']) {
      assert.match(run.stdout, new RegExp(`^ {2}ok {6}${check} `, 'm'));
    }
    assert.ok(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD), 'the password is never printed');
    assert.deepEqual(readFileSync(db), before, 'the source file is not modified');

    const instanceId = new Database(db, { readonly: true });
    try {
      const source = instanceId.prepare("SELECT value FROM meta WHERE name = 'instance_id'").get() as { value: string };
      const copied = await withAdmin(async (c) => (await c.query<{ value: string }>(`SELECT value FROM "${schema}".meta WHERE name = 'instance_id'`)).rows[0]!.value);
      assert.equal(copied, source.value, 'the target adopted the audit origin');
    } finally {
      instanceId.close();
    }
  });

  it('refuses to copy into the same schema again (exit 1), saying the target is not empty', async () => {
    const schema = freshSchema();
    assert.equal((await migrate(schema, '--yes', '--json')).code, 0);
    const entries = await rows(schema, 'audit_entries');
    const again = await migrate(schema, '--yes');
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      `keyward: the target ${REDACTED} (schema ${schema}) is not empty (it holds a seal record, keys, tokens, ${entries} audit entries, audit checkpoints): migrate only into a new, empty database or schema. Nothing was written.\n`,
    );
    assert.equal(again.stdout, '');
    assert.equal(await rows(schema, 'audit_entries'), entries, 'nothing was added');
  });

  it('prints JSON with --json: counts, every check and the redacted target', async () => {
    const schema = freshSchema();
    const run = await migrate(schema, '--yes', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { ok: boolean; to: string; schema: string; counts: Record<string, number>; checks: { name: string; ok: boolean }[]; auditHead: { seq: number } };
    assert.equal(result.ok, true);
    assert.equal(result.to, REDACTED);
    assert.equal(result.schema, schema);
    assert.deepEqual({ ...result.counts, auditEntries: 0 }, { keys: 2, keyVersions: 3, tokens: 2, documents: 0, auditEntries: 0, checkpoints: result.counts['checkpoints'] });
    assert.equal(result.counts['auditEntries'], result.auditHead.seq);
    assert.ok(result.checks.every((c) => c.ok));
    assert.equal(result.checks.length, 10, 'instance id, seal, keys, versions, tokens, documents, audit entries, audit head, checkpoints, chain');
  });

  it('refuses a source whose audit chain does not verify before writing anything (exit 1)', async () => {
    const tampered = join(dir, 'tampered.db');
    copyFileSync(db, tampered);
    const file = new Database(tampered);
    file.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2").run();
    file.close();
    const schema = freshSchema();
    const run = await keyward(['storage', 'migrate', '--from', `sqlite:${tampered}`, '--to', `postgres:${TARGET_URL}`, '--schema', schema, '--yes']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^keyward: the source's audit log does not verify \(first bad entry 2: modified\): nothing was copied\./);
    assert.equal(await rows(schema, 'audit_entries'), 0);
    assert.equal(await rows(schema, 'seal'), 0);
  });

  it('needs --yes without a terminal, and well-formed --from / --to (exit 2, the URL not repeated)', async () => {
    const schema = freshSchema();
    const noYes = await migrate(schema);
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /add --yes/);
    const created = await withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length);
    assert.equal(created, 0, 'nothing was created before the refusal');
    const badTo = await keyward(['storage', 'migrate', '--from', `sqlite:${db}`, '--to', `mysql://root:${PASSWORD}@db/x`, '--yes']);
    assert.equal(badTo.code, 2);
    assert.equal(badTo.stderr, 'keyward: --to must be postgres:<connection URL>, e.g. postgres:postgres://keyward@db:5432/keyward\n');
    const badFrom = await keyward(['storage', 'migrate', '--from', db, '--to', `postgres:${TARGET_URL}`, '--yes']);
    assert.equal(badFrom.code, 2);
    const missing = await keyward(['storage', 'migrate', '--from', `sqlite:${join(dir, 'nope.db')}`, '--to', `postgres:${TARGET_URL}`, '--yes']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.db: ENOENT/);
  });
});
