import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine.ts';
import { buildServer } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { spawnCli } from './server-harness.ts';
import { POSTGRES_REQUIRED, TEST_DATABASE_URL, postgresUnreachableReason, withAdmin } from '../test-backend.ts';

/**
 * A node whose PostgreSQL goes away and comes back. Its connections go through a TCP proxy the
 * test controls, so cutting them disturbs no other test using the same server. Skipped without a
 * PostgreSQL (same rule as test/storage/postgres-store.test.ts).
 */
// PostgreSQL-only: KEYWARD_TEST_DATABASE_URL names the server (scripts/run-tests.mjs keeps this file out of its PostgreSQL pass).
const DATABASE_URL = TEST_DATABASE_URL;
const MUST_RUN = POSTGRES_REQUIRED;

/** Timeouts of the node under test: short, so an outage answers fast and the test stays quick. */
const POOL = { max: 4, connectionTimeoutMillis: 1000, statementTimeoutMillis: 2000, idleInTransactionTimeoutMillis: 5000 } as const;
/** The longest any request may take, outage or not: a connection wait plus a statement, with room. */
const MAX_REQUEST_MS = POOL.connectionTimeoutMillis + POOL.statementTimeoutMillis + 2000;

const unreachable = await postgresUnreachableReason(DATABASE_URL);

/** A TCP proxy in front of PostgreSQL: `cut` destroys every connection and refuses new ones until `restore`. */
class CuttableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<CuttableProxy> {
    const server = createServer();
    const proxy = new CuttableProxy(server);
    server.on('connection', (client) => proxy.#accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy not listening');
    return address.port;
  }

  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, target: { host: string; port: number }): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}

interface Outcome {
  readonly phase: 'before' | 'cut' | 'restored';
  readonly status: number | 'no answer';
  readonly code: string | null;
  readonly requestId: string | null;
  readonly ms: number;
  readonly endedAt: number;
}

describe('a node whose PostgreSQL connection is cut and restored', { skip: !MUST_RUN && unreachable !== null ? unreachable : false }, () => {
  const schema = `kw_failure_${process.pid}_${randomBytes(4).toString('hex')}`;
  let dir = '';
  let proxy: CuttableProxy;
  let engine: Engine;
  let app: FastifyInstance;
  let url = '';
  let rootToken = '';

  before(async () => {
    if (unreachable !== null) throw new Error(unreachable); // CI with a URL: a missing server fails
    dir = mkdtempSync(join(tmpdir(), 'keyward-pg-failure-'));
    const target = new URL(DATABASE_URL);
    proxy = await CuttableProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const store = await PostgresStore.open({ connectionString: viaProxy.toString(), schema, pool: POOL });
    engine = await Engine.open({ store, checkpointFile: join(dir, 'audit-checkpoints.jsonl'), schedulerIntervalMs: 100, checkpointIntervalMs: 300 });
    app = await buildServer({ engine, logger: createLogger({ level: 'silent' }) });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const init = await call('POST', '/v1/sys/init', { shares: 1, threshold: 1 }, null);
    const body = (await init.json()) as { rootToken: string; shares: string[] };
    rootToken = body.rootToken;
    assert.equal((await call('POST', '/v1/sys/unseal', { share: body.shares[0] }, null)).status, 200);
    assert.equal((await call('POST', '/v1/keys', { name: 'trickle', spec: 'AES_256_GCM' })).status, 201);
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await engine?.close().catch(() => undefined);
    await proxy?.close();
    if (unreachable === null) await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function call(method: string, path: string, body?: unknown, token: string | null = rootToken): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    return fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(MAX_REQUEST_MS * 2) });
  }

  async function encrypt(phase: Outcome['phase'], token = rootToken): Promise<Outcome> {
    const started = Date.now();
    try {
      const response = await call('POST', '/v1/crypto/encrypt', { key: 'trickle', plaintext: 'aGk=' }, token);
      const body = (await response.json()) as { error?: { code: string } };
      const endedAt = Date.now();
      return { phase, status: response.status, code: body.error?.code ?? null, requestId: response.headers.get('x-request-id'), ms: endedAt - started, endedAt };
    } catch {
      return { phase, status: 'no answer', code: null, requestId: null, ms: Date.now() - started, endedAt: Date.now() };
    }
  }

  it('answers 503 storage_unavailable while cut, recovers by itself, and loses no acknowledged operation', async () => {
    // A token created now and never used: its first lookup must reach the database.
    const created = await call('POST', '/v1/tokens', { permissions: ['crypto.encrypt'] });
    assert.equal(created.status, 201);
    const freshToken = ((await created.json()) as { token: string }).token;

    const outcomes: Outcome[] = [];
    let phase: Outcome['phase'] = 'before';
    let running = true;
    const trickle = async (): Promise<void> => {
      while (running) {
        outcomes.push(await encrypt(phase));
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    const workers = [trickle(), trickle(), trickle()];
    let cutAt = Infinity;
    const until = async (predicate: () => boolean, what: string, ms = 10_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const count = (p: Outcome['phase'], status?: number): number => outcomes.filter((o) => o.phase === p && (status === undefined || o.status === status)).length;

    try {
      await until(() => count('before', 200) >= 20, '20 encryptions before the cut');
      assert.equal(engine.isSchedulerLeader(), true, 'the only node leads');

      phase = 'cut';
      cutAt = Date.now();
      proxy.cut();
      await until(() => count('cut', 503) >= 20, '20 refusals while cut');
      assert.equal((await encrypt('cut', freshToken)).code, 'storage_unavailable', 'authentication needing the database answers 503, not 401');
      await until(() => !engine.isSchedulerLeader(), 'the node to notice it lost the scheduler lease', 2000);

      phase = 'restored';
      proxy.restore();
      await until(() => count('restored', 200) >= 20, '20 encryptions after the restore');
      await until(() => engine.isSchedulerLeader(), 'the node to lead again');
    } finally {
      running = false;
      await Promise.all(workers);
    }

    const broken = outcomes.filter((o) => o.status !== 200 && !(o.status === 503 && o.code === 'storage_unavailable'));
    assert.deepEqual(broken, [], 'every request either succeeded or answered 503 storage_unavailable (no 500, no hang)');
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < MAX_REQUEST_MS, `no request waited past the timeouts (slowest ${slowest} ms)`);
    const beforeCut = outcomes.filter((o) => o.endedAt < cutAt);
    assert.ok(beforeCut.length >= 20 && beforeCut.every((o) => o.status === 200), 'all answered before the cut succeeded');
    const afterRecovery = outcomes.filter((o) => o.phase === 'restored').slice(-10);
    assert.ok(afterRecovery.every((o) => o.status === 200), 'the last requests succeeded without restarting anything');
    assert.equal((await encrypt('restored', freshToken)).status, 200, 'the fresh token works again');

    // Nothing acknowledged was lost: every 2xx has exactly one success entry, and the chain holds.
    await engine.flushAudit();
    const verify = await call('POST', '/v1/audit/verify', {});
    const report = (await verify.json()) as { ok: boolean; firstBad: unknown };
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    const entries = await engine.store.queryAudit({ action: 'crypto.encrypt', outcome: 'success', limit: 100_000 });
    const byRequest = new Map<string, number>();
    for (const e of entries) if (e.requestId) byRequest.set(e.requestId, (byRequest.get(e.requestId) ?? 0) + 1);
    const acknowledged = outcomes.filter((o) => o.status === 200);
    for (const o of acknowledged) assert.equal(byRequest.get(o.requestId ?? ''), 1, `request ${o.requestId} has exactly one success entry`);

    // The lease change was audited: lost while cut (recorded once the database was back), then taken again.
    const leadership = await engine.store.queryAudit({ action: 'sys.leadership', limit: 100 });
    assert.deepEqual(
      leadership.map((e) => [e.details['event'], e.details['reason'] ?? null]),
      [
        ['acquired', null],
        ['lost', 'unreachable'],
        ['acquired', null],
      ],
    );
    assert.ok(leadership.every((e) => e.actor === 'system:scheduler'));
  });
});

describe('keyward server --storage postgres: starting without a database', () => {
  it('exits 1 naming the failure when the database cannot be reached, never printing the URL', async () => {
    const url = 'postgres://keyward:hunter2-s3cret@127.0.0.1:1/keyward';
    const dir = mkdtempSync(join(tmpdir(), 'keyward-pg-down-'));
    const cli = spawnCli(['server', '--data-dir', dir, '--port', '0', '--storage', 'postgres', '--log-level', 'silent'], { KEYWARD_DATABASE_URL: url });
    try {
      assert.equal(await cli.exited, 1);
      assert.match(cli.stderr(), /^keyward: cannot open the postgres storage: PostgreSQL is unreachable \(ECONNREFUSED\)\n$/);
      assert.ok(!`${cli.stdout()}${cli.stderr()}`.includes('hunter2'));
    } finally {
      cli.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --dev with PostgreSQL storage, and postgres without a URL (exit 2)', async () => {
    const dev = spawnCli(['server', '--dev', '--storage', 'postgres', '--database-url', 'postgres://db/keyward']);
    const noUrl = spawnCli(['server', '--storage', 'postgres']);
    try {
      assert.equal(await dev.exited, 2);
      assert.match(dev.stderr(), /--dev uses a temporary SQLite database; it cannot be combined with storage postgres \(set by flag --storage\)/);
      assert.equal(await noUrl.exited, 2);
      assert.match(noUrl.stderr(), /flag --storage: storage is postgres but databaseUrl is not set/);
    } finally {
      dev.kill();
      noUrl.kill();
    }
  });
});
