/**
 * Encrypt over HTTP against Keyward nodes on PostgreSQL: one node vs two nodes on the same
 * database (same total connections), and single-node PostgreSQL vs single-node SQLite, in one run.
 * Every node is a real `keyward server` process; every load runs in its own bench/load-client.ts.
 *
 *   npx tsx bench/multi-node.ts [--duration 8] [--warmup 2] [--connections 32]
 *
 * Needs PostgreSQL at KEYWARD_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
 * uses a throwaway schema and drops it. Exits 1 if any response is not 2xx, or if the audit log
 * holds fewer encrypt entries than the 2xx responses.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { LoadPlan, LoadResult } from './load-client.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
  },
});
const durationSeconds = Number(args.duration);
const warmupSeconds = Number(args.warmup);
const connections = Number(args.connections);
const databaseUrl = process.env['KEYWARD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = fileURLToPath(new URL('..', import.meta.url));
const schema = `kw_bench_${randomBytes(4).toString('hex')}`;
const dirs: string[] = [];
const nodes: ChildProcess[] = [];

interface Node {
  readonly url: string;
  readonly process: ChildProcess;
}

async function startNode(storage: 'postgres' | 'sqlite'): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-node-'));
  dirs.push(dir);
  const storageArgs = storage === 'postgres' ? ['--storage', 'postgres', '--database-url', databaseUrl] : [];
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYWARD_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', '--port', '0', '--data-dir', dir, '--log-level', 'warn', ...storageArgs, ...(storage === 'postgres' ? ['--config', await schemaConfig(dir)] : [])], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  nodes.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /Keyward listening on (\S+)/.exec(out);
    if (match?.[1]) return { url: match[1], process: child };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The PostgreSQL schema is a config-file setting (there is no flag for it). */
async function schemaConfig(dir: string): Promise<string> {
  const file = join(dir, 'keyward.yaml');
  writeFileSync(file, `postgres:\n  schema: ${schema}\n`);
  return file;
}

async function call<T>(url: string, path: string, body: unknown, token: string | null): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function waitInitialised(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = (await (await fetch(`${url}/v1/sys/seal-status`)).json()) as { initialized: boolean };
    if (status.initialized) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the second node never saw the initialisation');
}

/** Loads every URL at once, each from its own load client with its share of the connections. */
async function loadAll(urls: readonly string[], token: string): Promise<{ opsPerSec: number; ok: number; non2xx: number; p50: number; p99: number }> {
  const body = JSON.stringify({ key: 'bench', plaintext: randomBytes(100).toString('base64') });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const clients = urls.map((url) => {
    const client = fork(join(root, 'bench', 'load-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const plan: LoadPlan = { url: `${url}/v1/crypto/encrypt`, headers, body, connections: Math.max(1, Math.round(connections / urls.length)), warmupSeconds, durationSeconds };
    client.send({ plan });
    return client;
  });
  const ready = clients.map((c) => new Promise<void>((resolve) => c.on('message', (m: { type?: string }) => m.type === 'ready' && resolve())));
  const results = clients.map((c) => new Promise<LoadResult>((resolve) => c.on('message', (m: { type?: string; result?: LoadResult }) => m.type === 'result' && m.result && resolve(m.result))));
  await Promise.all(ready);
  for (const c of clients) c.send({ type: 'go' });
  const done = await Promise.all(results);
  const ok = done.reduce((n, r) => n + r.measured.ok, 0);
  const seconds = Math.max(...done.map((r) => r.measured.seconds));
  return {
    opsPerSec: ok / seconds,
    ok: done.reduce((n, r) => n + r.measured.ok + r.warmup.ok, 0),
    non2xx: done.reduce((n, r) => n + r.measured.non2xx + r.measured.errors + r.warmup.non2xx + r.warmup.errors, 0),
    p50: Math.max(...done.map((r) => r.measured.p50)),
    p99: Math.max(...done.map((r) => r.measured.p99)),
  };
}

async function encryptEntries(url: string, token: string): Promise<number> {
  let count = 0;
  for (let after = 0; ; ) {
    const page = (await (await fetch(`${url}/v1/audit?action=crypto.encrypt&outcome=success&limit=1000&after=${after}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { entries: { seq: number }[]; next: number | null };
    count += page.entries.length;
    if (page.next === null) return count;
    after = page.next;
  }
}

const rows: string[] = [];
let failed = false;
const record = (label: string, r: Awaited<ReturnType<typeof loadAll>>, base?: number): void => {
  if (r.non2xx > 0) failed = true;
  rows.push(`| ${label} | ${Math.round(r.opsPerSec).toLocaleString('en')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.non2xx} | ${base ? (r.opsPerSec / base).toFixed(2) : '1'} |`);
};

try {
  // PostgreSQL: two nodes on one schema.
  const a = await startNode('postgres');
  const b = await startNode('postgres');
  const init = await call<{ shares: string[]; rootToken: string }>(a.url, '/v1/sys/init', { shares: 1, threshold: 1 }, null);
  await waitInitialised(b.url);
  for (const node of [a, b]) await call(node.url, '/v1/sys/unseal', { share: init.shares[0] }, null);
  await call(a.url, '/v1/keys', { name: 'bench', spec: 'AES_256_GCM' }, init.rootToken);

  const one = await loadAll([a.url], init.rootToken);
  const two = await loadAll([a.url, b.url], init.rootToken);
  const acknowledged = one.ok + two.ok;
  const audited = await encryptEntries(a.url, init.rootToken);
  if (audited < acknowledged) failed = true;

  // SQLite: one node, same load.
  const s = await startNode('sqlite');
  const sInit = await call<{ shares: string[]; rootToken: string }>(s.url, '/v1/sys/init', { shares: 1, threshold: 1 }, null);
  await call(s.url, '/v1/sys/unseal', { share: sInit.shares[0] }, null);
  await call(s.url, '/v1/keys', { name: 'bench', spec: 'AES_256_GCM' }, sInit.rootToken);
  const lite = await loadAll([s.url], sInit.rootToken);

  record('PostgreSQL, 1 node', one);
  record('PostgreSQL, 2 nodes (same database)', two, one.opsPerSec);
  record('SQLite, 1 node', lite, one.opsPerSec);
  console.log(`\nencrypt of 100 B over HTTP, ${connections} connections in all, ${durationSeconds} s measured after ${warmupSeconds} s warm-up\n`);
  console.log('| case | ops/s | p50 ms | p99 ms | non-2xx | ratio to PostgreSQL 1 node |\n|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\naudit: ${audited} crypto.encrypt success entries for ${acknowledged} acknowledged encrypts on PostgreSQL${audited >= acknowledged ? '' : ' — MISSING ENTRIES'}`);
} finally {
  for (const node of nodes) if (node.exitCode === null) node.kill('SIGTERM');
  await Promise.all(nodes.map((n) => (n.exitCode === null ? new Promise((r) => n.once('exit', r)) : Promise.resolve())));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
process.exit(failed ? 1 : 0);
