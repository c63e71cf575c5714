import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertError, b64, TestServer } from './server-harness.ts';
import { testBackend } from '../test-backend.ts';

interface Encrypted {
  ciphertext: string;
  version: number;
}

describe(`lifecycle over HTTP on ${testBackend.label}`, () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
  });
  after(() => server.close());

  const encrypt = async (key: string, plaintext: Buffer | string, context?: Record<string, string>): Promise<string> => {
    const body = { key, plaintext: typeof plaintext === 'string' ? b64(plaintext) : plaintext.toString('base64'), ...(context ? { context } : {}) };
    const r = await server.request<Encrypted>('POST', '/v1/crypto/encrypt', { body });
    assert.equal(r.status, 200, r.text);
    return r.body.ciphertext;
  };

  it('rewraps a batch, and a job whose finish raises the minimum decryption version', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-rw', spec: 'AES_256_GCM' } })).status, 201);
    const a = await encrypt('http-rw', 'alpha');
    const b = await encrypt('http-rw', 'beta', { tenant: 'acme' });
    assert.equal((await server.request('POST', '/v1/keys/http-rw/rotate', { body: {} })).status, 200);

    const job = await server.request<{ id: string; status: string }>('POST', '/v1/keys/http-rw/rewrap-jobs', { body: {} });
    assert.equal(job.status, 201, job.text);
    const batch = await server.request<{ version: number; rewrapped: number; results: { status: string; ciphertext?: string }[] }>('POST', '/v1/keys/http-rw/rewrap', {
      body: { jobId: job.body.id, items: [{ ciphertext: a }, { ciphertext: b, context: { tenant: 'acme' } }] },
    });
    assert.equal(batch.status, 200, batch.text);
    assert.equal(batch.body.version, 2);
    assert.equal(batch.body.rewrapped, 2);
    const [newA, newB] = batch.body.results.map((r) => r.ciphertext as string);

    const finish = await server.request<{ job: { status: string }; minDecryptionVersion: { raised: boolean; to: number } }>('POST', `/v1/keys/http-rw/rewrap-jobs/${job.body.id}/finish`, { body: { raiseMinVersion: true } });
    assert.equal(finish.status, 200, finish.text);
    assert.equal(finish.body.job.status, 'finished');
    assert.deepEqual({ raised: finish.body.minDecryptionVersion.raised, to: finish.body.minDecryptionVersion.to }, { raised: true, to: 2 });

    assertError(await server.request('POST', '/v1/crypto/decrypt', { body: { ciphertext: a } }), 409, 'key_version_disabled');
    const dA = await server.request<{ plaintext: string }>('POST', '/v1/crypto/decrypt', { body: { ciphertext: newA } });
    assert.equal(Buffer.from(dA.body.plaintext, 'base64').toString(), 'alpha');
    const dB = await server.request<{ plaintext: string }>('POST', '/v1/crypto/decrypt', { body: { ciphertext: newB, context: { tenant: 'acme' } } });
    assert.equal(Buffer.from(dB.body.plaintext, 'base64').toString(), 'beta');

    const shown = await server.request<{ rewrapped: number; minDecryptionVersionRaisedTo: number }>('GET', `/v1/keys/http-rw/rewrap-jobs/${job.body.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual({ rewrapped: shown.body.rewrapped, raised: shown.body.minDecryptionVersionRaisedTo }, { rewrapped: 2, raised: 2 });
  });

  it('takes rewrap batches larger than the usual body limit, within their own', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-rw-big', spec: 'AES_256_GCM' } })).status, 201);
    const big: string[] = [];
    for (let i = 0; i < 4; i++) big.push(await encrypt('http-rw-big', randomBytes(60 * 1024)));
    assert.equal((await server.request('POST', '/v1/keys/http-rw-big/rotate', { body: {} })).status, 200);
    const r = await server.request<{ rewrapped: number }>('POST', '/v1/keys/http-rw-big/rewrap', { body: { items: big.map((ciphertext) => ({ ciphertext })) } });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.body.rewrapped, 4);
  });

  it('refuses malformed rewrap requests at the edge', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-rw-edge', spec: 'AES_256_GCM' } })).status, 201);
    assertError(await server.request('POST', '/v1/keys/http-rw-edge/rewrap', { body: { items: [] } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/keys/http-rw-edge/rewrap', { body: { items: Array.from({ length: 1001 }, () => ({ ciphertext: 'kw:v1:x:1:AA' })) } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/keys/http-rw-edge/rewrap', { body: { items: [{ ciphertext: 'x', plaintext: 'leak' }] } }), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/keys/http-rw-edge/rewrap-jobs/rwj_nope'), 404, 'not_found');
    assertError(await server.request('POST', '/v1/keys/no-such-key/rewrap', { body: { items: [{ ciphertext: 'x' }] } }), 404, 'key_not_found');
  });

  it('reports rotation impact', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-impact', spec: 'AES_256_GCM' } })).status, 201);
    const ct = await encrypt('http-impact', 'x');
    assert.equal((await server.request('POST', '/v1/keys/http-impact/rotate', { body: {} })).status, 200);
    assert.equal((await server.request('POST', '/v1/crypto/decrypt', { body: { ciphertext: ct } })).status, 200);
    const r = await server.request<{ keyName: string; currentVersion: number; principals: { actor: string; stale: boolean; process: { count: number } | null }[] }>(
      'GET',
      '/v1/keys/http-impact/rotation-impact?staleAfterDays=0',
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.keyName, 'http-impact');
    assert.equal(r.body.principals.length, 1);
    assert.match(r.body.principals[0]!.actor, /^root:/);
    assert.equal(r.body.principals[0]!.process?.count, 1);
    assert.equal(r.body.principals[0]!.stale, true, 'stale from day 0');
    assertError(await server.request('GET', '/v1/keys/http-impact/rotation-impact?since=yesterday'), 400, 'validation_failed');
  });

  it('schedules, lists and cancels a deletion; the key is unusable meanwhile', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-del', spec: 'AES_256_GCM' } })).status, 201);
    const scheduled = await server.request<{ id: string; status: string; waitingPeriodDays: number; deleteAfter: string }>('POST', '/v1/keys/http-del/schedule-deletion', {
      body: { waitingPeriodDays: 7, reason: 'retired' },
    });
    assert.equal(scheduled.status, 200, scheduled.text);
    assert.equal(scheduled.body.status, 'scheduled');
    assert.equal(scheduled.body.waitingPeriodDays, 7);
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'http-del', plaintext: b64('x') } }), 409, 'key_state_invalid');
    assertError(await server.request('POST', '/v1/keys/http-del/schedule-deletion', { body: { waitingPeriodDays: 3 } }), 409, 'key_state_invalid');

    const pending = await server.request<{ deletions: { id: string }[] }>('GET', '/v1/key-deletions');
    assert.equal(pending.status, 200);
    assert.ok(pending.body.deletions.some((d) => d.id === scheduled.body.id));

    const cancelled = await server.request<{ status: string }>('POST', '/v1/keys/http-del/cancel-deletion', { body: { reason: 'needed' } });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'http-del', plaintext: b64('x') } })).status, 200);
    assertError(await server.request('POST', '/v1/keys/http-del/cancel-deletion', { body: {} }), 404, 'not_found');
    const history = await server.request<{ deletions: { status: string }[] }>('GET', '/v1/keys/http-del/deletions');
    assert.deepEqual(history.body.deletions.map((d) => d.status), ['cancelled']);
    assertError(await server.request('POST', '/v1/keys/http-del/schedule-deletion', { body: { waitingPeriodDays: 31 } }), 400, 'validation_failed');
  });

  it('refuses to destroy a key under retention with retention_active', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'http-retained', spec: 'AES_256_GCM', tags: { 'retain-until': '2999-01-01' } } })).status, 201);
    assert.equal((await server.request('POST', '/v1/keys/http-retained/state', { body: { action: 'deactivate' } })).status, 200);
    const r = await server.request('POST', '/v1/keys/http-retained/state', { body: { action: 'destroy' } });
    assertError(r, 409, 'retention_active');
    const key = await server.request<{ state: string }>('GET', '/v1/keys/http-retained');
    assert.equal(key.body.state, 'deactivated');
  });
});
