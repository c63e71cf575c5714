import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Static } from '@sinclair/typebox';
import type { AuditPage, CheckpointResult, HashValueResult, VerifyReport } from '../../src/server/schemas/audit.ts';
import type { DecryptResult, EncryptResult } from '../../src/server/schemas/crypto.ts';
import { TestServer, assertError, b64 } from './server-harness.ts';

type Page = Static<typeof AuditPage>;
const SECRET = 'the launch code is 0000-swordfish';

describe('Keyward over HTTP: the audit log, OpenAPI, and what never leaks', () => {
  let server: TestServer;
  let encrypted: { requestId: string; ciphertext: string };
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    await server.request('POST', '/v1/keys', { body: { name: 'vault', spec: 'AES_256_GCM' } });
    const enc = await server.request<Static<typeof EncryptResult>>('POST', '/v1/crypto/encrypt', {
      body: { key: 'vault', plaintext: b64(SECRET), context: { app: 'launcher' } },
      headers: { 'x-correlation-id': 'trace-7f3a.launch:1' },
    });
    encrypted = { requestId: enc.headers.get('x-request-id') ?? '', ciphertext: enc.body.ciphertext };
    const dec = await server.request<Static<typeof DecryptResult>>('POST', '/v1/crypto/decrypt', { body: { ciphertext: enc.body.ciphertext, context: { app: 'launcher' } } });
    assert.equal(Buffer.from(dec.body.plaintext, 'base64').toString(), SECRET);
    await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'missing', plaintext: b64(SECRET) } });
  });
  after(async () => {
    await server.close();
  });

  it('stores the request id, the correlation id and the client address in the audit entry', async () => {
    const page = await server.request<Page>('GET', '/v1/audit?key=vault&action=crypto.encrypt&outcome=success');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.entries.length, 1);
    const [entry] = page.body.entries;
    assert.equal(entry?.requestId, encrypted.requestId);
    assert.equal(entry?.correlationId, 'trace-7f3a.launch:1');
    assert.equal(entry?.source, '127.0.0.1');
    assert.match(entry?.actor ?? '', /^root:[0-9a-f]{24}$/);
    assert.ok(!entry?.actor.includes(server.rootToken ?? 'none'));
  });

  it('filters by actor, outcome and time, and pages with after/next', async () => {
    const anonymous = await server.request<Page>('GET', '/v1/audit?actor=anonymous%3A127.0.0.1');
    assert.deepEqual(anonymous.body.entries.map((e) => e.action), ['sys.init', 'sys.unseal', 'sys.unseal']);
    const failed = await server.request<Page>('GET', '/v1/audit?outcome=failure');
    assert.deepEqual(failed.body.entries.map((e) => e.errorCode), ['key_not_found']);
    const future = await server.request<Page>('GET', '/v1/audit?since=2999-01-01T00:00:00Z');
    assert.deepEqual(future.body.entries, []);
    // since is inclusive and compared as a time, whatever its offset or precision.
    const firstEntry = (await server.request<Page>('GET', '/v1/audit?limit=1')).body.entries[0];
    const t = new Date(firstEntry?.time ?? '');
    const sameInstant = new Date(t.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    const fromThen = await server.request<Page>('GET', `/v1/audit?limit=1&since=${encodeURIComponent(sameInstant)}`);
    assert.equal(fromThen.body.entries[0]?.seq, firstEntry?.seq);
    const first = await server.request<Page>('GET', '/v1/audit?limit=2');
    assert.equal(first.body.next, 2);
    const second = await server.request<Page>(`GET`, `/v1/audit?limit=2&after=${first.body.next}`);
    assert.equal(second.body.entries[0]?.seq, 3);
  });

  it('reads newest first with order=desc, paging with before/next, and reports the head', async () => {
    const newest = await server.request<Page>('GET', '/v1/audit?order=desc&limit=3');
    assert.equal(newest.status, 200, newest.text);
    const seqs = newest.body.entries.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    assert.ok((seqs[0] ?? 0) <= newest.body.head);
    assert.equal(newest.body.next, seqs[2]);
    const older = await server.request<Page>('GET', `/v1/audit?order=desc&limit=3&before=${newest.body.next}`);
    assert.equal(older.body.entries[0]?.seq, (seqs[2] ?? 0) - 1);
  });

  it('an auditor token (audit.* only) can filter by key name without any key permission, and adds no key.describe entry', async () => {
    const auditor = await server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['audit.*'] } });
    const page = await server.request<Page>('GET', '/v1/audit?key=vault&order=desc&limit=1000', { token: auditor.body.token });
    assert.equal(page.status, 200, page.text);
    assert.ok(page.body.entries.length > 0);
    assert.ok(page.body.entries.every((e) => e.details['keyName'] === 'vault' || e.keyId === page.body.entries[0]?.keyId));
    const describes = await server.request<Page>('GET', '/v1/audit?action=key.describe');
    assert.deepEqual(describes.body.entries, []);
    assertError(await server.request('GET', '/v1/audit?key=no-such-key', { token: auditor.body.token }), 404, 'key_not_found');
  });

  it('lets an investigator find entries by the HMAC of a value', async () => {
    const hashed = await server.request<Static<typeof HashValueResult>>('POST', '/v1/audit/hash-value', { body: { value: b64(SECRET) } });
    const page = await server.request<Page>('GET', '/v1/audit?key=vault&action=crypto.encrypt');
    assert.equal(page.body.entries[0]?.details['plaintextHmac'], hashed.body.hmac);
  });

  it('exports the log as NDJSON, one line per entry up to the head at export time', async () => {
    const exported = await server.request('GET', '/v1/audit/export');
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const lines = exported.text.trimEnd().split('\n');
    const seqs = lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'contiguous from 1');
    const audited = await server.request<Page>('GET', '/v1/audit?action=audit.export');
    assert.equal(audited.body.entries[0]?.details['to'], lines.length, 'the export entry names the head it exported');
  });

  it('verifies the chain and signs checkpoints', async () => {
    const checkpoint = await server.request<Static<typeof CheckpointResult>>('POST', '/v1/audit/checkpoint');
    assert.equal(checkpoint.status, 200, checkpoint.text);
    assert.ok((checkpoint.body.checkpoint?.size ?? 0) > 0);
    const trusted = checkpoint.body.checkpoint ? [checkpoint.body.checkpoint] : [];
    const report = await server.request<Static<typeof VerifyReport>>('POST', '/v1/audit/verify', { body: { trusted } });
    assert.equal(report.status, 200, report.text);
    assert.equal(report.body.ok, true);
    assert.equal(report.body.firstBad, null);
    assert.equal(report.body.entries.checked, report.body.range.to);
  });

  it('publishes an OpenAPI document listing every route', async () => {
    const doc = await server.request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const route of [
      'GET /v1/sys/health', 'GET /v1/sys/seal-status', 'POST /v1/sys/init', 'POST /v1/sys/unseal', 'POST /v1/sys/seal',
      'POST /v1/keys', 'GET /v1/keys', 'GET /v1/keys/{key}', 'PATCH /v1/keys/{key}', 'POST /v1/keys/{key}/rotate', 'POST /v1/keys/{key}/state',
      'POST /v1/keys/{key}/min-decryption-version', 'GET /v1/keys/{key}/public-key', 'POST /v1/keys/import',
      'POST /v1/crypto/encrypt', 'POST /v1/crypto/decrypt', 'POST /v1/crypto/generate-data-key', 'POST /v1/crypto/re-encrypt', 'POST /v1/crypto/sign',
      'POST /v1/crypto/verify', 'POST /v1/crypto/mac', 'POST /v1/crypto/verify-mac', 'POST /v1/crypto/random',
      'GET /v1/audit', 'POST /v1/audit/verify', 'GET /v1/audit/export', 'POST /v1/audit/checkpoint', 'POST /v1/audit/hash-value',
    ]) {
      assert.ok(routes.includes(route), `OpenAPI lists ${route}`);
    }
  });

  it('puts neither the plaintext nor the root token in any log line or unexpected response', async () => {
    assertError(await server.request('GET', '/v1/keys', { token: `${server.rootToken}-tampered` }), 401, 'unauthenticated');
    const token = server.rootToken ?? '';
    const forbidden = [SECRET, b64(SECRET), token];
    const logs = server.logLines.join('');
    assert.ok(server.logLines.length > 20, 'the server did log');
    for (const secret of forbidden) assert.ok(!logs.includes(secret), `log lines do not contain ${secret.slice(0, 8)}…`);
    for (const r of server.responses) {
      if (r.path === '/v1/sys/init') continue; // hands out the root token, once
      if (r.path === '/v1/crypto/decrypt' && r.status === 200) continue; // returns the plaintext, by design
      for (const secret of forbidden) assert.ok(!r.text.includes(secret), `${r.method} ${r.path} does not echo a secret`);
    }
  });
});
