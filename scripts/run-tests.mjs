#!/usr/bin/env node
// Runs the test suite once per storage backend: every test on SQLite, then the backend-sensitive
// ones again on PostgreSQL (KEYWARD_TEST_BACKEND=postgres, see test/test-backend.ts).
// Node 20's test runner does not expand globs, so list test files ourselves and hand them over.
// Usage: node scripts/run-tests.mjs [path-filter...]
//
// The PostgreSQL pass uses KEYWARD_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
// It runs when that server answers within 2 s. When it does not, the pass is skipped with one line
// saying why — unless CI and KEYWARD_TEST_DATABASE_URL are both set (CI promised a server) or
// KEYWARD_TEST_BACKEND=postgres asked for that pass: then it is a failure.
// KEYWARD_TEST_BACKEND=sqlite|postgres runs that backend's pass only.
// Each PostgreSQL test drops its schema (kw_test_<run>_…); any left after the pass is dropped and fails the run.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Folders (and files) whose tests take their store from test/test-backend.ts, so they mean something on either backend. */
const BACKEND_SENSITIVE = ['test/engine/', 'test/integration/', 'test/audit/audit-log.test.ts'];

/** Files of those folders that are SQLite-only (or open no store), so the PostgreSQL pass leaves them out. A new one goes here. */
const SQLITE_ONLY = {
  'test/integration/cli-dev.test.ts': '`keyward server --dev` always runs on SQLite in a temp dir',
  'test/integration/cli-docs.test.ts': 'checks docs/cli.md against the CLI; opens no store',
  'test/integration/server-config.test.ts': 'starts `keyward server --data-dir` (SQLite) and opens its file',
};

/** A file that reads KEYWARD_TEST_DATABASE_URL itself targets PostgreSQL on its own (multi-node, failure, migration tests): once is enough. */
const targetsPostgresItself = (file) => readFileSync(file, 'utf8').includes('KEYWARD_TEST_DATABASE_URL');

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = findTests('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const postgresFiles = files.filter((f) => BACKEND_SENSITIVE.some((p) => f.startsWith(p)) && !(f in SQLITE_ONLY) && !targetsPostgresItself(f));

const only = process.env.KEYWARD_TEST_BACKEND || null;
if (only !== null && only !== 'sqlite' && only !== 'postgres') {
  console.error(`KEYWARD_TEST_BACKEND must be sqlite or postgres (or unset for both passes), not ${JSON.stringify(only)}`);
  process.exit(2);
}

// CLI tests run the built command as a person would (bin/keyward.js imports dist/), so build first;
// a failed build stops here with the compiler's output instead of failing tests one by one.
const build = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  console.error(`the build (tsc -p tsconfig.build.json) failed${build.error ? `: ${build.error.message}` : ''}; no tests were run`);
  process.exit(1);
}

/** Runs `node --test` over `testFiles` with `env` added; resolves to whether every test passed. */
function runPass(testFiles, env) {
  const reporter = 'spec';
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=2', ...testFiles], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(!signal && code === 0)));
}

/** Host, port and database of a connection string: never the password. */
function where(url) {
  if (!URL.canParse(url)) return 'KEYWARD_TEST_DATABASE_URL (not a valid URL)';
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/** Opens a connection to `url` with `fn`, or returns why it could not (within ~2 s). */
async function withDatabase(url, fn) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { value: await fn(client) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Schemas of this run still there after its pass (a test that did not clean up, or crashed): reported and dropped. */
async function dropLeftoverSchemas(url, run) {
  const result = await withDatabase(url, async (client) => {
    const { rows } = await client.query('SELECT schema_name AS name FROM information_schema.schemata WHERE starts_with(schema_name, $1) ORDER BY 1', [`kw_test_${run}_`]);
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    return rows.map((r) => r.name);
  });
  return result.value ?? [];
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const fileCount = (n) => `${n} test file${n === 1 ? '' : 's'}`;
const header = (text) => console.log(`\n${'='.repeat(8)} ${text} ${'='.repeat(Math.max(8, 90 - text.length))}\n`);
const summary = [];
let failed = false;

if (only !== 'postgres') {
  header(`SQLite pass: ${fileCount(files.length)} (KEYWARD_TEST_BACKEND=sqlite)`);
  const started = Date.now();
  const ok = await runPass(files, { KEYWARD_TEST_BACKEND: 'sqlite' });
  failed ||= !ok;
  summary.push(`SQLite:     ${ok ? 'passed' : 'FAILED'} in ${seconds(Date.now() - started)} (${fileCount(files.length)})`);
}

if (only !== 'sqlite') {
  const url = process.env.KEYWARD_TEST_DATABASE_URL || DEFAULT_DATABASE_URL;
  const required = only === 'postgres' || Boolean(process.env.CI && process.env.KEYWARD_TEST_DATABASE_URL);
  if (postgresFiles.length === 0) {
    summary.push('PostgreSQL: no backend-sensitive test file matches the filter; nothing to run');
  } else {
    const probe = await withDatabase(url, (client) => client.query('SELECT 1'));
    if (probe.error !== undefined) {
      const why = `no PostgreSQL answered at ${where(url)} within 2 s (${probe.error})`;
      if (required) {
        failed = true;
        const because = only === 'postgres' ? 'KEYWARD_TEST_BACKEND=postgres' : 'CI with KEYWARD_TEST_DATABASE_URL set';
        summary.push(`PostgreSQL: FAILED: ${why}; ${because} requires that pass`);
      } else {
        summary.push(`PostgreSQL: pass skipped: ${why}; start PostgreSQL there or point KEYWARD_TEST_DATABASE_URL at one to run it`);
      }
    } else {
      const run = randomBytes(3).toString('hex');
      header(`PostgreSQL pass: ${fileCount(postgresFiles.length)} on ${where(url)}, each test in its own schema (KEYWARD_TEST_BACKEND=postgres)`);
      const started = Date.now();
      const ok = await runPass(postgresFiles, { KEYWARD_TEST_BACKEND: 'postgres', KEYWARD_TEST_DATABASE_URL: url, KEYWARD_TEST_RUN: run });
      const elapsed = Date.now() - started;
      const leftover = await dropLeftoverSchemas(url, run);
      failed ||= !ok || leftover.length > 0;
      summary.push(`PostgreSQL: ${ok ? 'passed' : 'FAILED'} in ${seconds(elapsed)} (${fileCount(postgresFiles.length)})`);
      if (leftover.length > 0) summary.push(`PostgreSQL: FAILED: ${leftover.length} test schema(s) were not dropped by their tests (dropped now): ${leftover.join(', ')}`);
    }
  }
}

header('Summary');
for (const line of summary) console.log(line);
process.exit(failed ? 1 : 0);
