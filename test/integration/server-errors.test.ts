import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openTestEngine } from '../test-backend.ts';
import { TestServer, assertError, b64, type ErrorReply } from './server-harness.ts';

describe('Keyward over HTTP: authentication and refusals of bad requests', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    await server.request('POST', '/v1/keys', { body: { name: 'app', spec: 'AES_256_GCM' } });
  });
  after(async () => {
    await server.close();
  });

  it('answers 401 unauthenticated without a token, with a wrong one, or with a malformed header', async () => {
    assertError(await server.request('GET', '/v1/keys', { token: null }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/keys', { token: 'kwr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/keys', { token: `${server.rootToken}x` }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/keys', { token: null, headers: { authorization: `Basic ${server.rootToken}` } }), 401, 'unauthenticated');
    assertError(await server.request('POST', '/v1/sys/seal', { token: null }), 401, 'unauthenticated');
    const viaHeader = await server.request('GET', '/v1/keys', { token: null, headers: { 'x-keyward-token': server.rootToken ?? '' } });
    assert.equal(viaHeader.status, 200);
  });

  it('refuses unauthenticated requests before reading their body', async () => {
    assertError(await server.request('POST', '/v1/crypto/encrypt', { token: null, rawBody: '{not json' }), 401, 'unauthenticated');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { token: null, rawBody: 'x'.repeat(300 * 1024) }), 401, 'unauthenticated');
  });

  it('answers malformed JSON, wrong types, unknown fields and bad base64 with 400 validation_failed', async () => {
    assertError(await server.request('POST', '/v1/crypto/encrypt', { rawBody: '{"key": "app", "plaintext": ' }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { rawBody: '' }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { rawBody: '{"__proto__": {"admin": true}}' }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: 42 } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: [1, 2] }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: b64('x'), extra: true } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: b64('x'), context: { a: 1 } } }), 400, 'validation_failed');
    const badBase64 = await server.request<ErrorReply>('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: 'not base64!' } });
    assertError(badBase64, 400, 'validation_failed');
    assert.match(badBase64.body.error.message, /^plaintext: expected base64/);
    assertError(await server.request('POST', '/v1/crypto/encrypt', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/keys', { body: { name: 'k', spec: 'AES_256_GCM', tier: 7 } }), 400, 'validation_failed');
  });

  it('validates query strings and path parameters too', async () => {
    assertError(await server.request('GET', '/v1/keys?limit=abc'), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/keys?limit=0'), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/keys?colour=red'), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/audit?since=yesterday'), 400, 'validation_failed');
    assertError(await server.request('GET', `/v1/keys/${'k'.repeat(300)}`), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/keys/%E0%A4%A'), 400, 'validation_failed');
  });

  it('answers oversize requests with 413 payload_too_large', async () => {
    const tooBig = await server.request<ErrorReply>('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: 'A'.repeat(300 * 1024) } });
    assertError(tooBig, 413, 'payload_too_large');
    // Within the body limit but over the 64 KiB plaintext limit: the engine's own refusal.
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: Buffer.alloc(64 * 1024 + 1).toString('base64') } }), 413, 'payload_too_large');
    const atLimit = await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'app', plaintext: Buffer.alloc(64 * 1024).toString('base64') } });
    assert.equal(atLimit.status, 200);
  });

  it('checks X-Correlation-Id and answers unknown routes with 404 not_found', async () => {
    assertError(await server.request('GET', '/v1/keys', { headers: { 'x-correlation-id': 'has spaces' } }), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/keys', { headers: { 'x-correlation-id': 'x'.repeat(129) } }), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/nothing-here', { token: null }), 404, 'not_found');
    assertError(await server.request('DELETE', '/v1/keys/app'), 404, 'not_found');
  });

  it('never answered any of these with a 5xx', () => {
    const failures = server.responses.filter((r) => r.status >= 500);
    assert.deepEqual(failures, []);
  });
});

describe('unexpected errors', () => {
  it('become a generic 500 internal; the original is only logged', async () => {
    const dev = await openTestEngine();
    const { engine } = dev;
    const lines: string[] = [];
    const app = await buildServer({ engine, logger: createLogger({ destination: { write: (l: string) => void lines.push(l) } }) });
    // A stand-in for a bug deep in a handler: the error text must not reach the client.
    app.get('/v1/broken', { config: { public: true } }, async () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    try {
      const reply = await app.inject({ method: 'GET', url: '/v1/broken' });
      assert.equal(reply.statusCode, 500);
      const body = reply.json<ErrorReply>();
      assert.equal(body.error.code, 'internal');
      assert.doesNotMatch(reply.body, /hunter2/);
      assert.equal(body.error.requestId, reply.headers['x-request-id']);
      assert.ok(lines.some((l) => l.includes('hunter2') && l.includes(body.error.requestId)), 'the original error is logged with the request id');
    } finally {
      await app.close();
      await dev.close();
    }
  });
});
