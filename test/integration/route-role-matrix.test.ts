/**
 * Every route × every built-in role: a person bound to the role on all keys calls each route with
 * a valid request, and the answer is checked against the table below — allowed (anything but
 * 403 permission_denied) or denied (403 permission_denied). A route missing from the table, or a
 * table entry for a route that does not exist, fails the test: a new route needs a line here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallContext, Principal } from '../../src/auth/principal.ts';
import { TestServer, type Reply } from './server-harness.ts';

const ROLES = ['key-admin', 'key-user', 'security-officer', 'auditor'] as const;
type Role = (typeof ROLES)[number];
const A: Role = 'key-admin';
const U: Role = 'key-user';
const S: Role = 'security-officer';
const D: Role = 'auditor';
const ANY = ROLES;
const NONE: readonly Role[] = [];
const PASSWORD = 'correct horse battery staple';
const rootCtx: CallContext = { principal: { type: 'root', actor: 'root:matrix', permissions: ['*'] } satisfies Principal };

interface Sample {
  readonly path: string;
  readonly body?: unknown;
  /** Streams (SSE): only the status and headers are read. */
  readonly stream?: boolean;
}

interface Expectation {
  /** Roles that may call it; `public` routes need no token at all. */
  readonly allow: readonly Role[] | 'public';
  /** The request to send for `role` (fixtures come from `f`). */
  readonly sample: (f: Fixtures, role: Role) => Sample;
}

interface Fixtures {
  ciphertext: string;
  signature: string;
  mac: string;
  approvals: Record<string, string>;
  breakGlassId: string;
  reviewId: string;
  bindingIds: Record<Role, string>;
  tokenAccessors: Record<Role, string>;
  throwawayTokens: Record<Role, string>;
  webhookId: string;
  runId: string;
  rewrapJob: string;
  inventoryItem: string;
}

const body = (path: string, b: unknown = {}): Sample => ({ path, body: b });
const get = (path: string): Sample => ({ path });

/** "METHOD /path/{param}" as the OpenAPI document names routes. */
const TABLE: Readonly<Record<string, Expectation>> = {
  'GET /v1/sys/health': { allow: 'public', sample: () => get('/v1/sys/health') },
  'GET /v1/sys/seal-status': { allow: 'public', sample: () => get('/v1/sys/seal-status') },
  'POST /v1/sys/init': { allow: 'public', sample: () => body('/v1/sys/init', { shares: 1, threshold: 1 }) },
  'POST /v1/sys/unseal': { allow: 'public', sample: () => body('/v1/sys/unseal', { share: 'AAAA' }) },
  'POST /v1/auth/login': { allow: 'public', sample: (_f, r) => body('/v1/auth/login', { username: `mx-${r}`, password: 'wrong password!!' }) },
  'GET /v1/openapi.json': { allow: ANY, sample: () => get('/v1/openapi.json') },

  'POST /v1/keys': { allow: [A], sample: (_f, r) => body('/v1/keys', { name: `mx-new-${r}`, spec: 'AES_256_GCM' }) },
  'POST /v1/keys/import': { allow: [A], sample: (_f, r) => body('/v1/keys/import', { name: `mx-imp-${r}`, spec: 'AES_256_GCM', material: Buffer.alloc(32, 7).toString('base64') }) },
  'GET /v1/keys': { allow: ANY, sample: () => get('/v1/keys') },
  'GET /v1/keys/{key}': { allow: ANY, sample: () => get('/v1/keys/mx-aes') },
  'PATCH /v1/keys/{key}': { allow: [A], sample: () => body('/v1/keys/mx-aes', { description: 'matrix' }) },
  'POST /v1/keys/{key}/rotate': { allow: [A], sample: () => body('/v1/keys/mx-rot/rotate') },
  'POST /v1/keys/{key}/state': { allow: [A], sample: () => body('/v1/keys/mx-aes/state', { action: 'suspend' }) },
  'POST /v1/keys/{key}/min-decryption-version': { allow: [A], sample: () => body('/v1/keys/mx-rot/min-decryption-version', { version: 1 }) },
  'GET /v1/keys/{key}/public-key': { allow: ANY, sample: () => get('/v1/keys/mx-ec/public-key') },
  'POST /v1/keys/{key}/schedule-deletion': { allow: [A], sample: () => body('/v1/keys/mx-aes/schedule-deletion', { waitingPeriodDays: 7 }) },
  'POST /v1/keys/{key}/cancel-deletion': { allow: [A], sample: () => body('/v1/keys/mx-aes/cancel-deletion') },
  'GET /v1/keys/{key}/deletions': { allow: [A, S, D], sample: () => get('/v1/keys/mx-aes/deletions') },
  'GET /v1/key-deletions': { allow: [A, S, D], sample: () => get('/v1/key-deletions') },
  'GET /v1/keys/{key}/rotation-impact': { allow: [A, S, D], sample: () => get('/v1/keys/mx-aes/rotation-impact') },
  'POST /v1/keys/{key}/rewrap': { allow: [A, U], sample: (f) => body('/v1/keys/mx-aes/rewrap', { items: [{ ciphertext: f.ciphertext }] }) },
  'POST /v1/keys/{key}/rewrap-jobs': { allow: [A, U], sample: () => body('/v1/keys/mx-aes/rewrap-jobs') },
  'GET /v1/keys/{key}/rewrap-jobs/{job}': { allow: [A, U], sample: (f) => get(`/v1/keys/mx-aes/rewrap-jobs/${f.rewrapJob}`) },
  'POST /v1/keys/{key}/rewrap-jobs/{job}/finish': { allow: [A], sample: (f) => body(`/v1/keys/mx-aes/rewrap-jobs/${f.rewrapJob}/finish`) },

  'POST /v1/crypto/encrypt': { allow: [U], sample: () => body('/v1/crypto/encrypt', { key: 'mx-aes', plaintext: 'aGk=' }) },
  'POST /v1/crypto/decrypt': { allow: [U], sample: (f) => body('/v1/crypto/decrypt', { ciphertext: f.ciphertext }) },
  'POST /v1/crypto/generate-data-key': { allow: [U], sample: () => body('/v1/crypto/generate-data-key', { key: 'mx-aes' }) },
  'POST /v1/crypto/re-encrypt': { allow: [U], sample: (f) => body('/v1/crypto/re-encrypt', { ciphertext: f.ciphertext, destinationKey: 'mx-aes' }) },
  'POST /v1/crypto/sign': { allow: [U], sample: () => body('/v1/crypto/sign', { key: 'mx-ec', message: 'aGk=' }) },
  'POST /v1/crypto/verify': { allow: [U], sample: (f) => body('/v1/crypto/verify', { key: 'mx-ec', message: 'aGk=', signature: f.signature }) },
  'POST /v1/crypto/mac': { allow: [U], sample: () => body('/v1/crypto/mac', { key: 'mx-hmac', message: 'aGk=' }) },
  'POST /v1/crypto/verify-mac': { allow: [U], sample: (f) => body('/v1/crypto/verify-mac', { key: 'mx-hmac', message: 'aGk=', mac: f.mac }) },
  'POST /v1/crypto/random': { allow: [U], sample: () => body('/v1/crypto/random', { bytes: 16 }) },

  'GET /v1/audit': { allow: [S, D], sample: () => get('/v1/audit?limit=1') },
  'POST /v1/audit/verify': { allow: [S, D], sample: () => body('/v1/audit/verify') },
  'GET /v1/audit/export': { allow: [S, D], sample: () => get('/v1/audit/export') },
  'POST /v1/audit/checkpoint': { allow: [S], sample: () => body('/v1/audit/checkpoint') },
  'POST /v1/audit/hash-value': { allow: [S, D], sample: () => body('/v1/audit/hash-value', { value: 'aGk=' }) },
  'POST /v1/audit-runs': { allow: [S, D], sample: () => body('/v1/audit-runs') },
  'GET /v1/audit-runs': { allow: [S, D], sample: () => get('/v1/audit-runs') },
  'GET /v1/audit-runs/{id}': { allow: [S, D], sample: (f) => get(`/v1/audit-runs/${f.runId}`) },

  'POST /v1/tokens': { allow: NONE, sample: () => body('/v1/tokens', { permissions: ['key.list'] }) },
  'GET /v1/tokens': { allow: [S], sample: () => get('/v1/tokens') },
  'GET /v1/tokens/self': { allow: ANY, sample: () => get('/v1/tokens/self') },
  'POST /v1/tokens/self/renew': { allow: ANY, sample: () => body('/v1/tokens/self/renew') },
  'POST /v1/tokens/self/revoke': { allow: ANY, sample: () => body('/v1/tokens/self/revoke') },
  'GET /v1/tokens/{accessor}': { allow: [S], sample: (f, r) => get(`/v1/tokens/${f.tokenAccessors[r]}`) },
  'POST /v1/tokens/{accessor}/revoke': { allow: [S], sample: (f, r) => body(`/v1/tokens/${f.tokenAccessors[r]}/revoke`) },

  'GET /v1/auth/whoami': { allow: ANY, sample: () => get('/v1/auth/whoami') },
  'POST /v1/auth/totp/enroll': { allow: ANY, sample: () => body('/v1/auth/totp/enroll') },
  'POST /v1/auth/totp/confirm': { allow: ANY, sample: () => body('/v1/auth/totp/confirm', { code: '000000' }) },

  'POST /v1/users': { allow: [S], sample: (_f, r) => body('/v1/users', { name: `mx-made-${r}` }) },
  'POST /v1/service-accounts': { allow: [S], sample: (_f, r) => body('/v1/service-accounts', { name: `mx-sa-${r}`, owner: 'platform' }) },
  'GET /v1/identities': { allow: [S, D], sample: () => get('/v1/identities') },
  'GET /v1/identities/{name}': { allow: [S, D], sample: () => get('/v1/identities/mx-target') },
  'PATCH /v1/identities/{name}': { allow: [S], sample: () => body('/v1/identities/mx-target', { team: 'matrix' }) },
  'POST /v1/identities/{name}/suspend': { allow: [S], sample: () => body('/v1/identities/mx-target/suspend') },
  'POST /v1/identities/{name}/reactivate': { allow: [S], sample: () => body('/v1/identities/mx-target/reactivate') },
  'POST /v1/identities/{name}/depart': { allow: [S], sample: () => body('/v1/identities/mx-leaver/depart') },
  'PUT /v1/identities/{name}/password': { allow: [S], sample: () => ({ path: '/v1/identities/mx-target/password', body: { password: 'another long password' } }) },
  'POST /v1/identities/{name}/totp/reset': { allow: [S], sample: () => body('/v1/identities/mx-target/totp/reset') },
  'POST /v1/service-accounts/{name}/secret': { allow: [S], sample: () => body('/v1/service-accounts/mx-bot/secret') },
  'POST /v1/service-accounts/{name}/tokens': { allow: [S], sample: () => body('/v1/service-accounts/mx-bot/tokens') },
  'POST /v1/groups': { allow: [S], sample: (_f, r) => body('/v1/groups', { name: `mx-group-${r}` }) },
  'GET /v1/groups': { allow: [S, D], sample: () => get('/v1/groups') },
  'DELETE /v1/groups/{name}': { allow: [S], sample: () => get('/v1/groups/mx-empty') },
  'PUT /v1/groups/{name}/members/{identity}': { allow: [S], sample: () => ({ path: '/v1/groups/mx-team/members/mx-target', body: {} }) },
  'DELETE /v1/groups/{name}/members/{identity}': { allow: [S], sample: () => get('/v1/groups/mx-team/members/mx-target') },

  'GET /v1/roles': { allow: [S, D], sample: () => get('/v1/roles') },
  'POST /v1/roles': { allow: [S], sample: (_f, r) => body('/v1/roles', { name: `mx-role-${r}`, actions: ['key.describe'] }) },
  'DELETE /v1/roles/{name}': { allow: [S], sample: () => get('/v1/roles/mx-unused') },
  'GET /v1/bindings': { allow: [S, D], sample: () => get('/v1/bindings') },
  'POST /v1/bindings': { allow: [S], sample: () => body('/v1/bindings', { role: 'auditor', subject: 'user:mx-target', scope: 'key:mx-t3' }) },
  'DELETE /v1/bindings/{id}': { allow: [S], sample: (f, r) => get(`/v1/bindings/${f.bindingIds[r]}`) },
  'GET /v1/governance/settings': { allow: [S, D], sample: () => get('/v1/governance/settings') },
  'PATCH /v1/governance/settings': { allow: [S], sample: () => body('/v1/governance/settings', { review: { unusedDays: 120 } }) },

  'GET /v1/approvals/actions': { allow: [A, S, D], sample: () => get('/v1/approvals/actions') },
  'GET /v1/approvals': { allow: [A, S, D], sample: () => get('/v1/approvals') },
  'GET /v1/approvals/{id}': { allow: [A, U, S, D], sample: (f) => get(`/v1/approvals/${f.approvals['read']}`) },
  'POST /v1/approvals/{id}/approve': { allow: [S], sample: (f) => body(`/v1/approvals/${f.approvals['approve']}/approve`) },
  'POST /v1/approvals/{id}/deny': { allow: [S], sample: (f) => body(`/v1/approvals/${f.approvals['deny']}/deny`) },
  // The requester (a key admin here) may withdraw their own request.
  'POST /v1/approvals/{id}/cancel': { allow: [A, S], sample: (f) => body(`/v1/approvals/${f.approvals['cancel']}/cancel`) },
  'POST /v1/breakglass': { allow: [S], sample: () => body('/v1/breakglass', { action: 'key.suspend', key: 'mx-bg', justification: 'matrix test: the key must be held now' }) },
  'GET /v1/breakglass': { allow: [S, D], sample: () => get('/v1/breakglass') },
  'GET /v1/breakglass/{id}': { allow: [S, D], sample: (f) => get(`/v1/breakglass/${f.breakGlassId}`) },
  'POST /v1/breakglass/{id}/review': { allow: [S], sample: (f) => body(`/v1/breakglass/${f.breakGlassId}/review`, { verdict: 'justified' }) },
  'PUT /v1/reviews/directory': { allow: [S], sample: () => ({ path: '/v1/reviews/directory', body: { format: 'csv', content: 'id,email,status\np1,a@example.com,active\n' } }) },
  'POST /v1/reviews': { allow: [S], sample: () => body('/v1/reviews') },
  'GET /v1/reviews': { allow: [S, D], sample: () => get('/v1/reviews') },
  'GET /v1/reviews/{id}': { allow: [S, D], sample: (f) => get(`/v1/reviews/${f.reviewId}`) },
  'POST /v1/reviews/{id}/apply': { allow: [S], sample: (f) => body(`/v1/reviews/${f.reviewId}/apply`) },
  'POST /v1/reviews/{id}/complete': { allow: [S], sample: (f) => body(`/v1/reviews/${f.reviewId}/complete`) },

  'GET /v1/policy': { allow: [A, S, D], sample: () => get('/v1/policy') },
  'PUT /v1/policy': { allow: [S], sample: () => ({ path: '/v1/policy', body: { text: 'version: 1\n' } }) },
  'POST /v1/policy/evaluate': { allow: [A, S, D], sample: () => body('/v1/policy/evaluate') },
  'GET /v1/policy/versions': { allow: [A, S, D], sample: () => get('/v1/policy/versions') },
  'POST /v1/policy/versions': { allow: [S], sample: () => body('/v1/policy/versions', { text: 'version: 1\n' }) },
  'GET /v1/policy/versions/{version}': { allow: [A, S, D], sample: () => get('/v1/policy/versions/1') },

  'GET /v1/events': { allow: [S, D], sample: () => ({ path: '/v1/events', stream: true }) },
  'POST /v1/webhooks': { allow: [S], sample: () => body('/v1/webhooks', { url: 'https://hooks.example.com/keyward' }) },
  'GET /v1/webhooks': { allow: [S, D], sample: () => get('/v1/webhooks') },
  'GET /v1/webhooks/{id}': { allow: [S, D], sample: (f) => get(`/v1/webhooks/${f.webhookId}`) },
  'POST /v1/webhooks/{id}/delete': { allow: [S], sample: () => body('/v1/webhooks/wh_000000000000000000000000/delete') },
  'GET /v1/webhooks/{id}/deliveries': { allow: [S, D], sample: (f) => get(`/v1/webhooks/${f.webhookId}/deliveries`) },
  'POST /v1/webhooks/{id}/test': { allow: [S], sample: (f) => body(`/v1/webhooks/${f.webhookId}/test`) },

  'POST /v1/backups': { allow: NONE, sample: () => body('/v1/backups') },
  'GET /v1/backups': { allow: [S, D], sample: () => get('/v1/backups') },
  'GET /v1/backups/snapshot': { allow: NONE, sample: () => ({ path: '/v1/backups/snapshot', stream: true }) },
  'POST /v1/dr/drills': { allow: NONE, sample: () => body('/v1/dr/drills') },
  'GET /v1/dr/drills': { allow: [S, D], sample: () => get('/v1/dr/drills') },

  'GET /v1/inventory/items': { allow: [A, S, D], sample: () => get('/v1/inventory/items') },
  'GET /v1/inventory/items/{id}': { allow: [A, S, D], sample: (f) => get(`/v1/inventory/items/${f.inventoryItem}`) },
  'GET /v1/inventory/sources': { allow: [A, S, D], sample: () => get('/v1/inventory/sources') },
  'POST /v1/inventory/import': { allow: [S], sample: (_f, r) => body('/v1/inventory/import', { source: `mx-${r}`, format: 'csv', content: 'name,type,owner\nlegacy-db-key,symmetric,dana\n' }) },
  'POST /v1/inventory/discover': { allow: [S], sample: () => body('/v1/inventory/discover', { connector: 'vault', endpoint: 'http://127.0.0.1:9', mount: 'transit', timeoutSeconds: 1, credentials: { token: 'x' } }) },
  'DELETE /v1/inventory/sources/{source}': { allow: [S], sample: (_f, r) => get(`/v1/inventory/sources/${encodeURIComponent(`import:mx-${r}`)}`) },

  'POST /v1/scans': { allow: [S], sample: () => body('/v1/scans', { kind: 'directory', target: 'repo', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', stats: { files: 1, bytes: 1, commits: 0, suppressed: 0 }, findings: [] }) },
  'GET /v1/scans': { allow: [A, S, D], sample: () => get('/v1/scans') },

  // Last: it seals the server.
  'POST /v1/sys/seal': { allow: [S], sample: () => body('/v1/sys/seal') },
};

/** Methods whose sample is sent as the route's own method (the table's key says which). */
function methodOf(route: string): string {
  return route.slice(0, route.indexOf(' '));
}

describe('route × role matrix', () => {
  let server: TestServer;
  const tokens = {} as Record<Role, string>;
  const f = { approvals: {}, bindingIds: {}, tokenAccessors: {}, throwawayTokens: {} } as Fixtures;

  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    const e = server.engine;
    const gov = e.governance;
    await e.keys.create(rootCtx, { name: 'mx-aes', spec: 'AES_256_GCM', tier: 3 });
    await e.keys.create(rootCtx, { name: 'mx-rot', spec: 'AES_256_GCM', tier: 3 });
    await e.keys.create(rootCtx, { name: 'mx-bg', spec: 'AES_256_GCM', tier: 3 });
    await e.keys.create(rootCtx, { name: 'mx-t3', spec: 'AES_256_GCM', tier: 3 });
    await e.keys.create(rootCtx, { name: 'mx-ec', spec: 'ECC_NIST_P256' });
    await e.keys.create(rootCtx, { name: 'mx-hmac', spec: 'HMAC_SHA256' });
    f.ciphertext = (await e.crypto.encrypt(rootCtx, { key: 'mx-aes', plaintext: Buffer.from('hi') })).ciphertext;
    f.signature = (await e.crypto.sign(rootCtx, { key: 'mx-ec', message: Buffer.from('hi') })).signature.toString('base64');
    f.mac = (await e.crypto.mac(rootCtx, { key: 'mx-hmac', message: Buffer.from('hi') })).mac.toString('base64');
    for (const role of ROLES) {
      await gov.identities.createUser(rootCtx, { name: `mx-${role}`, password: PASSWORD });
      await gov.access.createBinding(rootCtx, { role, subject: `user:mx-${role}`, scope: 'all' });
      tokens[role] = (await gov.identities.login({ source: 't' }, { username: `mx-${role}`, password: PASSWORD })).token;
    }
    await gov.identities.createUser(rootCtx, { name: 'mx-target', password: PASSWORD });
    await gov.identities.createUser(rootCtx, { name: 'mx-leaver', password: PASSWORD });
    await gov.identities.createServiceAccount(rootCtx, { name: 'mx-bot', owner: 'platform' });
    await gov.identities.createGroup(rootCtx, { name: 'mx-team' });
    await gov.identities.createGroup(rootCtx, { name: 'mx-empty' });
    await gov.access.createRole(rootCtx, { name: 'mx-unused', actions: ['key.describe'] });
    for (const role of ROLES) {
      f.bindingIds[role] = (await gov.access.createBinding(rootCtx, { role: 'auditor', subject: 'user:mx-target', scope: `key:mx-${role === 'key-user' ? 'ec' : 't3'}` })).id;
      const login = await gov.identities.login({ source: 't' }, { username: 'mx-target', password: PASSWORD });
      f.tokenAccessors[role] = login.accessor;
    }
    // Approval requests (made by a key admin, who is not an approver).
    const admin = { principal: await e.tokens.authenticate(tokens[A], { source: 't' }) };
    for (const purpose of ['read', 'approve', 'deny', 'cancel']) {
      await e.keys.create(rootCtx, { name: `mx-req-${purpose}`, spec: 'AES_256_GCM' });
      try {
        await e.keys.changeState(admin, `mx-req-${purpose}`, 'suspend');
        assert.fail('expected approval_required');
      } catch (err) {
        f.approvals[purpose] = String((err as { details: Record<string, unknown> }).details['approvalId']);
      }
    }
    const officer = { principal: await e.tokens.authenticate(tokens[S], { source: 't' }) };
    f.breakGlassId = (await gov.breakGlass.use(officer, { action: 'key.suspend', key: 'mx-rot', justification: 'matrix fixture: hold this key right now' })).id;
    await e.keys.changeState(rootCtx, 'mx-rot', 'resume');
    await gov.reviews.importDirectory(rootCtx, 'id,email,status\np1,a@example.com,active\n', 'csv');
    f.reviewId = (await gov.reviews.run(rootCtx)).id;
    f.webhookId = (await e.events.createWebhook(rootCtx, { url: 'https://hooks.example.com/fixture' })).webhook.id;
    f.runId = (await e.assess.run(rootCtx, { trigger: 'api' })).id;
    f.rewrapJob = (await e.lifecycle.startRewrapJob(rootCtx, 'mx-aes')).id;
    f.inventoryItem = (await e.keys.describe(rootCtx, 'mx-ec')).id;
  });

  after(async () => {
    await server?.close();
  });

  it('every route has an expectation, and every expectation a route', async () => {
    const doc = await server.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/v1/openapi.json');
    const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    routes.push('GET /v1/openapi.json');
    assert.deepEqual(routes.filter((r) => !(r in TABLE)).sort(), [], 'routes without a line in the matrix');
    assert.deepEqual(Object.keys(TABLE).filter((r) => !routes.includes(r)).sort(), [], 'matrix lines for routes that do not exist');
  });

  it('each built-in role is allowed exactly what the table says', async () => {
    const failures: string[] = [];
    for (const [route, expectation] of Object.entries(TABLE)) {
      for (const role of ROLES) {
        const sample = expectation.sample(f, role);
        // Self-revocation would end the role's session: use a second token of the same person.
        const token = route === 'POST /v1/tokens/self/revoke' ? await secondToken(server, role) : tokens[role];
        const reply = await send(server, methodOf(route), sample, expectation.allow === 'public' ? null : token);
        const denied = reply.status === 403 && (reply.body as { error?: { code?: string } } | undefined)?.error?.code === 'permission_denied';
        const shouldAllow = expectation.allow === 'public' || expectation.allow.includes(role);
        if (shouldAllow && denied) failures.push(`${route} as ${role}: expected allowed, got 403 permission_denied`);
        if (!shouldAllow && !denied) failures.push(`${route} as ${role}: expected 403 permission_denied, got ${reply.status} ${reply.text.slice(0, 160)}`);
        if (reply.status === 500) failures.push(`${route} as ${role}: ${reply.status} ${reply.text.slice(0, 160)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

async function secondToken(server: TestServer, role: Role): Promise<string> {
  return (await server.engine.governance.identities.login({ source: 't' }, { username: `mx-${role}`, password: PASSWORD })).token;
}

async function send(server: TestServer, method: string, sample: Sample, token: string | null): Promise<Reply> {
  if (!sample.stream) return server.request(method, sample.path, { token, ...(sample.body !== undefined ? { body: sample.body } : {}) });
  const controller = new AbortController();
  const response = await fetch(`${server.url}${sample.path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  const text = response.status >= 400 ? await response.text() : '';
  controller.abort();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}
