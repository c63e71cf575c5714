import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CheckpointFile } from '../../src/audit/checkpoints.ts';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import type { AuditRecord } from '../../src/storage/records.ts';
import { listeningUrl, spawnCli, waitFor, type CliProcess } from './server-harness.ts';
import { POSTGRES_REQUIRED, TEST_DATABASE_URL, postgresUnreachableReason } from '../test-backend.ts';

/**
 * Two real `keyward server` processes on one PostgreSQL schema. Skipped without a PostgreSQL
 * (same rule as test/storage/postgres-store.test.ts: in CI with KEYWARD_TEST_DATABASE_URL set, a
 * missing server fails instead).
 */
// PostgreSQL-only: KEYWARD_TEST_DATABASE_URL names the server (scripts/run-tests.mjs keeps this file out of its PostgreSQL pass).
const DATABASE_URL = TEST_DATABASE_URL;
const MUST_RUN = POSTGRES_REQUIRED;

const unreachable = await postgresUnreachableReason(DATABASE_URL);

/** How each node is configured: short scheduler and checkpoint intervals so a takeover shows quickly. */
function nodeConfig(dataDir: string, schema: string): string {
  return [
    `dataDir: ${dataDir}`,
    'listen: { host: 127.0.0.1, port: 0 }',
    'log: { level: warn }',
    'storage: postgres',
    `postgres: { schema: ${schema}, poolMax: 8, connectionTimeout: 3s, statementTimeout: 10s }`,
    'scheduler: { interval: 200ms }',
    'audit: { checkpointInterval: 1s }',
    '',
  ].join('\n');
}

interface Node {
  readonly cli: CliProcess;
  readonly url: string;
  /** How the node names itself in its sys.leadership entries. */
  readonly id: string;
  readonly dataDir: string;
}

interface Answer {
  readonly status: number | 'no answer';
  readonly requestId: string | null;
  readonly body: unknown;
}

describe('two nodes on one PostgreSQL schema', { skip: !MUST_RUN && unreachable !== null ? unreachable : false }, () => {
  const schema = `kw_nodes_${process.pid}_${randomBytes(4).toString('hex')}`;
  let dir = '';
  let store: PostgresStore;
  const nodes: Node[] = [];
  let rootToken = '';
  let shares: string[] = [];

  async function call(node: Node, method: string, path: string, body?: unknown, token: string | null = rootToken): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    try {
      const response = await fetch(`${node.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(15_000) });
      const text = await response.text();
      return { status: response.status, requestId: response.headers.get('x-request-id'), body: text ? (JSON.parse(text) as unknown) : null };
    } catch {
      return { status: 'no answer', requestId: null, body: null };
    }
  }

  const encrypt = (node: Node): Promise<Answer> => call(node, 'POST', '/v1/crypto/encrypt', { key: 'shared', plaintext: 'aGVsbG8=' });
  const leadership = async (): Promise<AuditRecord[]> => store.queryAudit({ action: 'sys.leadership', limit: 1000 });
  const acquiredBy = (entries: readonly AuditRecord[], node: Node): AuditRecord[] => entries.filter((e) => e.details['event'] === 'acquired' && e.details['node'] === node.id);

  before(async () => {
    if (unreachable !== null) throw new Error(unreachable); // CI with a URL: a missing server fails
    dir = mkdtempSync(join(tmpdir(), 'keyward-nodes-'));
    store = await PostgresStore.open({ connectionString: DATABASE_URL, schema });
    const started = ['node1', 'node2'].map((name) => {
      const dataDir = join(dir, name);
      mkdirSync(dataDir);
      writeFileSync(join(dir, `${name}.yaml`), nodeConfig(dataDir, schema));
      return { cli: spawnCli(['server', '--config', join(dir, `${name}.yaml`)], { KEYWARD_DATABASE_URL: DATABASE_URL }), dataDir };
    });
    for (const { cli, dataDir } of started) nodes.push({ cli, url: await listeningUrl(cli), id: `${hostname()}:${cli.child.pid}`, dataDir });
  });

  after(async () => {
    for (const node of nodes) node.cli.kill();
    await Promise.all(nodes.map((n) => n.cli.exited));
    await store?.close();
    if (unreachable === null) {
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('initialises through one node and unseals each node with its own shares; the first unsealed leads', async () => {
    const [one, two] = nodes as [Node, Node];
    assert.match(one.cli.stdout(), /storage: postgres, schema kw_nodes_/);
    assert.ok(!one.cli.stdout().includes(DATABASE_URL) && !one.cli.stderr().includes(DATABASE_URL), 'the database URL is never printed');

    const init = await call(one, 'POST', '/v1/sys/init', { shares: 3, threshold: 2 }, null);
    assert.equal(init.status, 200);
    ({ rootToken, shares } = init.body as { rootToken: string; shares: string[] });
    for (const share of shares.slice(0, 2)) assert.equal((await call(one, 'POST', '/v1/sys/unseal', { share }, null)).status, 200);
    assert.deepEqual((await leadership()).map((e) => [e.details['event'], e.details['node']]), [['acquired', one.id]], 'node 1 took the lease as it was unsealed');

    // Node 2 started before the init; its heartbeat picks the seal record up from the database.
    let status: { initialized: boolean; sealed: boolean } = { initialized: false, sealed: true };
    const deadline = Date.now() + 5000;
    while (!status.initialized && Date.now() < deadline) {
      status = (await call(two, 'GET', '/v1/sys/seal-status', undefined, null)).body as typeof status;
      if (!status.initialized) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status.initialized, true, 'node 2 learned of the initialisation');
    assert.equal(status.sealed, true, 'each node is unsealed on its own');
    assert.equal((await call(two, 'GET', '/v1/keys')).status, 503, 'a sealed node 2 refuses key operations although node 1 is unsealed');
    for (const share of shares.slice(1, 3)) assert.equal((await call(two, 'POST', '/v1/sys/unseal', { share }, null)).status, 200);
    assert.equal((await leadership()).length, 1, 'node 2 did not take the lease from node 1');
  });

  it('serves the same keys from both nodes: concurrent encryptions and rotations, one verified chain, every acknowledgement audited once', async () => {
    const [one, two] = nodes as [Node, Node];
    assert.equal((await call(one, 'POST', '/v1/keys', { name: 'shared', spec: 'AES_256_GCM' })).status, 201);

    const answers = new Map<Node, Answer[]>([
      [one, []],
      [two, []],
    ]);
    const load = async (node: Node, total: number, workers: number): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next++ < total) answers.get(node)?.push(await encrypt(node));
        }),
      );
    };
    const rotations: Answer[] = [];
    const rotate = async (): Promise<void> => {
      // One after another, alternating nodes: each rotation reads the key fresh from the database.
      for (const node of [two, one, two, one]) {
        rotations.push(await call(node, 'POST', '/v1/keys/shared/rotate', {}));
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    await Promise.all([load(one, 300, 8), load(two, 300, 8), rotate()]);

    const all = [...(answers.get(one) ?? []), ...(answers.get(two) ?? [])];
    assert.equal(all.length, 600);
    assert.deepEqual(all.filter((a) => a.status !== 200).map((a) => a.status), [], 'every encryption succeeded');
    assert.deepEqual(rotations.map((r) => r.status), [200, 200, 200, 200]);
    assert.equal(((await call(two, 'GET', '/v1/keys/shared')).body as { currentVersion: number }).currentVersion, 5);

    // A ciphertext made on one node decrypts on the other.
    const made = (answers.get(one)?.[0]?.body ?? {}) as { ciphertext: string };
    const decrypted = await call(two, 'POST', '/v1/crypto/decrypt', { ciphertext: made.ciphertext });
    assert.equal((decrypted.body as { plaintext: string }).plaintext, 'aGVsbG8=');

    for (const node of [one, two]) {
      const report = (await call(node, 'POST', '/v1/audit/verify', {})).body as { ok: boolean; firstBad: unknown; entries: { checked: number } };
      assert.equal(report.ok, true, `verify on ${node.id}: ${JSON.stringify(report.firstBad)}`);
      assert.ok(report.entries.checked > 600);
    }
    assert.equal((await store.queryAudit({ action: 'crypto.encrypt', outcome: 'success', limit: 100_000 })).length, 600);
    assert.equal((await store.queryAudit({ action: 'key.rotate', outcome: 'success', limit: 100 })).length, 4);
  });

  it('when node 1 dies mid-load, node 2 keeps serving and takes the schedulers over', async () => {
    const [one, two] = nodes as [Node, Node];
    const fromOne: Answer[] = [];
    const fromTwo: { answer: Answer; at: number }[] = [];
    let running = true;
    const loop = async (node: Node, sink: (a: Answer) => void): Promise<void> => {
      while (running) sink(await encrypt(node));
    };
    const workers = [
      ...Array.from({ length: 4 }, () => loop(one, (a) => fromOne.push(a))),
      ...Array.from({ length: 4 }, () => loop(two, (a) => fromTwo.push({ answer: a, at: Date.now() }))),
    ];
    let killedAt = 0;
    let takeover: AuditRecord | undefined;
    try {
      await waitFor(() => fromOne.length >= 50 && fromTwo.length >= 50, 'load on both nodes');
      killedAt = Date.now();
      one.cli.child.kill('SIGKILL');
      assert.equal(await one.cli.exited, null, 'killed by the signal');

      // PostgreSQL ends the dead node's session, which frees its lease; node 2 takes it within a heartbeat.
      const deadline = Date.now() + 10_000;
      while (!takeover && Date.now() < deadline) {
        takeover = acquiredBy(await leadership(), two)[0];
        if (!takeover) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(takeover, 'node 2 recorded taking the scheduler lease');
      // …and runs the periodic checkpoint (every second) from then on.
      let checkpoint = false;
      while (!checkpoint && Date.now() < deadline + 5000) {
        checkpoint = (await store.listCheckpoints()).some((c) => Date.parse(c.time) > killedAt);
        if (!checkpoint) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(checkpoint, 'a checkpoint was signed after node 1 died');
      const seen = Date.now();
      await waitFor(() => fromTwo.filter((a) => a.at > seen).length >= 20, 'node 2 still serving after the takeover');
    } finally {
      running = false;
      await Promise.all(workers);
    }

    assert.deepEqual(fromTwo.filter((a) => a.answer.status !== 200).map((a) => a.answer.status), [], 'every request to node 2 succeeded, before, during and after the kill');
    assert.ok(fromTwo.some((a) => a.at > killedAt + 200), 'node 2 answered after the kill');
    for (const a of fromOne) assert.ok(a.status === 200 || a.status === 'no answer' || a.status === 503, `node 1 answered or went away, never broke: ${String(a.status)}`);

    // Each acknowledged encryption has exactly one success entry (node 1 may have committed some it never answered).
    const entries = await store.queryAudit({ action: 'crypto.encrypt', outcome: 'success', limit: 100_000 });
    const byRequest = new Map<string, number>();
    for (const e of entries) if (e.requestId) byRequest.set(e.requestId, (byRequest.get(e.requestId) ?? 0) + 1);
    const acknowledged = [...fromOne, ...fromTwo.map((a) => a.answer)].filter((a) => a.status === 200);
    for (const a of acknowledged) assert.equal(byRequest.get(a.requestId ?? ''), 1, `request ${a.requestId} has exactly one success entry`);

    const report = (await call(two, 'POST', '/v1/audit/verify', {})).body as { ok: boolean; firstBad: unknown };
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    const ownCheckpoints = new CheckpointFile(join(two.dataDir, 'audit-checkpoints.jsonl')).read().checkpoints;
    assert.ok(ownCheckpoints.some((c) => Date.parse(c.time) > killedAt), "node 2's checkpoint file holds the checkpoints it signed");

    two.cli.child.kill('SIGTERM');
    assert.equal(await two.cli.exited, 0, two.cli.stderr());
    const last = (await leadership()).at(-1);
    assert.deepEqual([last?.details['event'], last?.details['reason'], last?.details['node']], ['lost', 'shutdown', two.id], 'a clean shutdown hands the lease back, audited');
    assert.ok(!readFileSync(join(two.dataDir, 'audit-checkpoints.jsonl'), 'utf8').includes(DATABASE_URL));
  });
});
