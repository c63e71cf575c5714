import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine.ts';
import { buildServer } from '../../src/server/app.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { openTestStore, settleScheduler } from '../test-backend.ts';

/** A key name no label may ever carry. */
const KEY_NAME = 'payroll-secret-7f3a';

/** An engine on the backend under test, wired to metrics the way the CLI does, driven with app.inject. */
async function startWithMetrics(): Promise<{ app: FastifyInstance; engine: Engine; metrics: ServerMetrics; close(): Promise<void> }> {
  const storage = await openTestStore();
  const metrics = new ServerMetrics();
  const engine = await Engine.open({ store: storage.store, checkpointFile: null, onOperation: metrics.onOperation, onAuditCommit: metrics.onAuditCommit });
  const app = await buildServer({ engine, metrics });
  return {
    app,
    engine,
    metrics,
    async close() {
      try {
        await app.close();
        await engine.close();
      } finally {
        await storage.cleanup();
      }
    },
  };
}

/** The value of one sample line, e.g. `keyward_sealed` or `keyward_http_requests_total{...}`; undefined if absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let s: Awaited<ReturnType<typeof startWithMetrics>>;
  let token = '';
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const r = await s.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: r.statusCode, json: String(r.headers['content-type'] ?? '').includes('json') ? r.json() : undefined };
  };
  const scrape = async (): Promise<string> => {
    const r = await s.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return r.body;
  };

  before(async () => {
    s = await startWithMetrics();
  });
  after(async () => {
    await s.close();
  });

  it('reports sealed before init, and is public', async () => {
    const text = await scrape();
    assert.equal(sample(text, 'keyward_sealed'), 1);
    const init = await call('POST', '/v1/sys/init', { shares: 1, threshold: 1 });
    assert.equal(init.status, 200);
    const { rootToken, shares } = init.json as { rootToken: string; shares: string[] };
    token = rootToken;
    assert.equal((await call('POST', '/v1/sys/unseal', { share: shares[0] })).status, 200);
    await settleScheduler(s.engine);
    assert.equal(sample(await scrape(), 'keyward_sealed'), 0);
  });

  it('counts requests by route pattern, method and status class, never by key name or raw URL', async () => {
    assert.equal((await call('POST', '/v1/keys', { name: KEY_NAME, spec: 'AES_256_GCM' })).status, 201);
    for (let i = 0; i < 2; i++) assert.equal((await call('POST', '/v1/crypto/encrypt', { key: KEY_NAME, plaintext: 'aGk=' })).status, 200);
    assert.equal((await call('GET', `/v1/keys/${KEY_NAME}`)).status, 200);
    assert.equal((await call('GET', '/v1/keys/no-such-key-9c1')).status, 404);
    assert.equal((await call('GET', `/v1/unknown/${KEY_NAME}-path`)).status, 404);

    const text = await scrape();
    assert.equal(sample(text, 'keyward_http_requests_total{method="POST",route="/v1/crypto/encrypt",status_class="2xx"}'), 2);
    assert.equal(sample(text, 'keyward_http_request_duration_seconds_count{method="POST",route="/v1/crypto/encrypt",status_class="2xx"}'), 2);
    assert.equal(sample(text, 'keyward_http_requests_total{method="POST",route="/v1/keys",status_class="2xx"}'), 1);
    const keyRoute = /route="(\/v1\/keys\/:[A-Za-z]+)"/.exec(text)?.[1] ?? '';
    assert.equal(sample(text, `keyward_http_requests_total{method="GET",route="${keyRoute}",status_class="2xx"}`), 1);
    assert.equal(sample(text, `keyward_http_requests_total{method="GET",route="${keyRoute}",status_class="4xx"}`), 1);
    assert.equal(sample(text, 'keyward_http_requests_total{method="GET",route="unmatched",status_class="4xx"}'), 1);
    assert.ok(!text.includes(KEY_NAME), 'no key name (or URL carrying one) appears in the metrics');
    assert.ok(!text.includes('no-such-key-9c1'));
  });

  it('counts engine operations by action, key spec and outcome, and audit appends', async () => {
    assert.equal((await call('POST', '/v1/crypto/encrypt', { key: 'no-such-key-9c1', plaintext: 'aGk=' })).status, 404);
    await s.engine.flushAudit();
    const text = await scrape();
    assert.equal(sample(text, 'keyward_operations_total{action="crypto.encrypt",key_spec="AES_256_GCM",outcome="success"}'), 2);
    assert.equal(sample(text, 'keyward_operations_total{action="crypto.encrypt",key_spec="none",outcome="failure"}'), 1);
    assert.equal(sample(text, 'keyward_operation_duration_seconds_count{action="crypto.encrypt"}'), 3);
    const head = await s.engine.store.auditHead();
    assert.equal(sample(text, 'keyward_audit_entries_total'), head.seq, 'one count per durable audit entry');
    assert.ok((sample(text, 'keyward_audit_append_duration_seconds_count') ?? 0) >= 1);
  });

  it('is not audited and calls no engine operation', async () => {
    await s.engine.flushAudit();
    const before = await s.engine.store.auditHead();
    await scrape();
    await scrape();
    await s.engine.flushAudit();
    assert.equal((await s.engine.store.auditHead()).seq, before.seq);
  });

  it('flips the seal and scheduler-leader gauges after POST /v1/sys/seal', async () => {
    const unsealed = await scrape();
    assert.equal(sample(unsealed, 'keyward_sealed'), 0);
    assert.equal(sample(unsealed, 'keyward_scheduler_leader'), 1, 'a lone unsealed node leads');
    assert.equal((await call('POST', '/v1/sys/seal', {})).status, 200);
    const sealed = await scrape();
    assert.equal(sample(sealed, 'keyward_sealed'), 1);
    assert.equal(sample(sealed, 'keyward_scheduler_leader'), 0, 'a sealed node hands the lease back');
  });

  it('includes the default Node process metrics', async () => {
    const text = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.match(text, new RegExp(`^${name} `, 'm'), name);
    }
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/v1/openapi.json', headers: { authorization: `Bearer ${token}` } })).json<{ paths: Record<string, unknown> }>();
    assert.ok(Object.keys(doc.paths).length > 0);
    assert.ok(!Object.keys(doc.paths).some((p) => p.includes('metrics')));
  });
});

describe('metrics switched off', () => {
  it('serves no /metrics route', async () => {
    const storage = await openTestStore();
    try {
      const engine = await Engine.open({ store: storage.store, checkpointFile: null });
      const app = await buildServer({ engine, metrics: null });
      try {
        assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
      } finally {
        await app.close();
        await engine.close();
      }
    } finally {
      await storage.cleanup();
    }
  });

  it('keeps two servers in one process apart (each has its own registry)', async () => {
    const a = new ServerMetrics();
    const b = new ServerMetrics();
    a.onAuditCommit(3, 1);
    assert.equal(sample(await a.render(), 'keyward_audit_entries_total'), 3);
    assert.equal(sample(await b.render(), 'keyward_audit_entries_total'), 0);
  });
});
