import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestServer, assertError, b64 } from './server-harness.ts';

interface TokenInfo {
  accessor: string;
  type: string;
  permissions: string[];
  expiresAt: string | null;
  renewable: boolean;
  revokedAt: string | null;
}
type Created = TokenInfo & { token: string };
interface AuditPage {
  entries: { action: string; actor: string; outcome: string; details: Record<string, unknown> }[];
}

describe('Keyward over HTTP: tokens', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    for (const name of ['billing-eu', 'payroll']) {
      const r = await server.request('POST', '/v1/keys', { body: { name, spec: 'AES_256_GCM' } });
      assert.equal(r.status, 201, r.text);
    }
  });
  after(() => server.close());

  it('creates a scoped token that works for what it was granted: 403 outside it, audited under its accessor', async () => {
    const created = await server.request<Created>('POST', '/v1/tokens', { body: { permissions: ['crypto.encrypt@billing-*'], ttlSeconds: 600, description: 'app' } });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.token, /^kwt_/);
    assert.deepEqual([created.body.type, created.body.permissions, created.body.renewable], ['service', ['crypto.encrypt@billing-*'], false]);

    const ok = await server.request('POST', '/v1/crypto/encrypt', { token: created.body.token, body: { key: 'billing-eu', plaintext: b64('hi') } });
    assert.equal(ok.status, 200, ok.text);
    assertError(await server.request('POST', '/v1/crypto/encrypt', { token: created.body.token, body: { key: 'payroll', plaintext: b64('hi') } }), 403, 'permission_denied');
    assertError(await server.request('GET', '/v1/keys', { token: created.body.token }), 403, 'permission_denied');
    assertError(await server.request('POST', '/v1/tokens', { token: created.body.token, body: { permissions: ['*'] } }), 403, 'permission_denied');

    const audit = await server.request<AuditPage>('GET', `/v1/audit?actor=token:${created.body.accessor}`);
    assert.deepEqual(
      audit.body.entries.map((e) => [e.action, e.outcome]),
      [
        ['crypto.encrypt', 'success'],
        ['crypto.encrypt', 'denied'],
        ['key.list', 'denied'],
        ['token.create', 'denied'],
      ],
    );
    assert.ok(!audit.text.includes(created.body.token), 'the audit log never holds the token');
  });

  it('a wrong, malformed or missing token is 401 unauthenticated, and each refusal is audited', async () => {
    assertError(await server.request('GET', '/v1/keys', { token: 'kwt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/keys', { token: 'nonsense' }), 401, 'unauthenticated');
    assertError(await server.request('GET', '/v1/keys', { token: null }), 401, 'unauthenticated');
    const audit = await server.request<AuditPage>('GET', '/v1/audit?action=auth.authenticate&limit=1000');
    const reasons = audit.body.entries.slice(-3).map((e) => e.details['reason']);
    assert.deepEqual(reasons, ['unknown', 'unknown', 'missing']);
  });

  it('looks a token up (self and by accessor), lists it, renews and revokes it; a revoked token is 401', async () => {
    const created = await server.request<Created>('POST', '/v1/tokens', { body: { permissions: ['key.list'], ttlSeconds: 120, renewable: true } });
    const token = created.body.token;
    const self = await server.request<TokenInfo>('GET', '/v1/tokens/self', { token });
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.accessor, created.body.accessor);
    assert.ok(!('token' in self.body) && !('hash' in self.body));
    const byAccessor = await server.request<TokenInfo>('GET', `/v1/tokens/${created.body.accessor}`);
    assert.deepEqual(byAccessor.body, self.body);
    assertError(await server.request('GET', `/v1/tokens/${created.body.accessor}`, { token }), 403, 'permission_denied');
    assertError(await server.request('GET', '/v1/tokens/not-an-accessor'), 400, 'validation_failed');
    assertError(await server.request('GET', `/v1/tokens/${'0'.repeat(24)}`), 404, 'token_not_found');

    const list = await server.request<{ tokens: TokenInfo[]; next: string | null }>('GET', '/v1/tokens?limit=1000');
    assert.ok(list.body.tokens.some((t) => t.accessor === created.body.accessor));
    assert.ok(!list.text.includes(token));

    const renewed = await server.request<TokenInfo>('POST', '/v1/tokens/self/renew', { token, body: { ttlSeconds: 600 } });
    assert.equal(renewed.status, 200, renewed.text);
    assert.ok(Date.parse(renewed.body.expiresAt ?? '') > Date.parse(created.body.expiresAt ?? ''));

    const revoked = await server.request<TokenInfo>('POST', `/v1/tokens/${created.body.accessor}/revoke`, { body: {} });
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.body.revokedAt);
    const refused = await server.request('GET', '/v1/keys', { token });
    assertError(refused, 401, 'unauthenticated');
    assert.match(refused.text, /revoked/);
  });

  it('validates token requests: unknown fields, bad permissions, TTL over the maximum', async () => {
    assertError(await server.request('POST', '/v1/tokens', { body: { permissions: ['key.list'], admin: true } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/tokens', { body: { permissions: [] } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/tokens', { body: { permissions: ['not a permission'] } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/tokens', { body: { permissions: ['key.list'], ttlSeconds: 10 ** 9 } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/tokens', { body: { permissions: ['key.list'], ttlSeconds: '1h' } }), 400, 'validation_failed');
  });

  it('the root token cannot renew (it does not expire), and a token can revoke itself', async () => {
    assertError(await server.request('POST', '/v1/tokens/self/renew', { body: {} }), 409, 'token_not_renewable');
    const created = await server.request<Created>('POST', '/v1/tokens', { body: { permissions: ['key.list'] } });
    const gone = await server.request<TokenInfo>('POST', '/v1/tokens/self/revoke', { token: created.body.token, body: {} });
    assert.equal(gone.status, 200, gone.text);
    assertError(await server.request('GET', '/v1/tokens/self', { token: created.body.token }), 401, 'unauthenticated');
  });
});
