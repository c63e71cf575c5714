import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertError, TestServer } from './server-harness.ts';

interface VersionBody {
  version: number;
  name: string;
  sha256: string;
  author: string;
  comment: string | null;
  text: string;
  summary: string[];
  unchanged?: boolean;
}

interface EvaluationBody {
  policy: { version: number | null; name: string; sha256: string } | null;
  keysEvaluated: number;
  errors: number;
  warnings: number;
  violations: { ruleId: string; keyName: string; severity: string; field: string; message: string }[];
}

const EXAMPLE = readFileSync(new URL('../../examples/policy.yaml', import.meta.url), 'utf8');

describe('the policy API', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    // Created before the policy, so evaluation has something to find.
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'legacy', spec: 'RSA_2048', usage: 'SIGN_VERIFY' } })).status, 201);
  });
  after(async () => {
    await server.close();
  });

  it('answers null while no policy is set', async () => {
    const r = await server.request<{ policy: null }>('GET', '/v1/policy');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { policy: null });
  });

  it('refuses an invalid policy with 400, naming the line', async () => {
    const r = await server.request('PUT', '/v1/policy', { rawBody: 'version: 1\nmetadata: { name: x }\nrules:\n  rotation: { maxPeriodDays: [{ days: 0 }] }\n', headers: { 'content-type': 'application/yaml' } });
    assertError(r, 400, 'validation_failed');
    assert.match((r.body as { error: { message: string } }).error.message, /line 4, column 39: rules\.rotation\.maxPeriodDays\[0\]\.days: must be from 1 to 3650 days, got 0/);
  });

  it('takes the YAML itself as the body, stores it as version 1, and serves it back', async () => {
    const put = await server.request<VersionBody>('PUT', '/v1/policy?comment=CHG-1042', { rawBody: EXAMPLE, headers: { 'content-type': 'application/yaml' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual([put.body.version, put.body.name, put.body.comment, put.body.unchanged], [1, 'acme-payments', 'CHG-1042', false]);
    assert.equal(put.body.text, EXAMPLE);
    const current = await server.request<{ policy: VersionBody }>('GET', '/v1/policy');
    assert.equal(current.body.policy.version, 1);
    assert.ok(current.body.policy.summary.length >= 7);
    const byVersion = await server.request<VersionBody>('GET', '/v1/policy/versions/1');
    assert.equal(byVersion.body.sha256, put.body.sha256);
    assertError(await server.request('GET', '/v1/policy/versions/2'), 404, 'not_found');
    assertError(await server.request('GET', '/v1/policy/versions/zero'), 400, 'validation_failed');
  });

  it('takes JSON too, and keeps the versions in order', async () => {
    const text = EXAMPLE.replace('days: 90 }', 'days: 60 }');
    const put = await server.request<VersionBody>('PUT', '/v1/policy', { body: { text, comment: 'tighter' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.version, 2);
    const same = await server.request<VersionBody>('POST', '/v1/policy/versions', { body: { text } });
    assert.deepEqual([same.status, same.body.version, same.body.unchanged], [200, 2, true]);
    const history = await server.request<{ versions: { version: number; comment: string | null }[]; next: number | null }>('GET', '/v1/policy/versions?limit=1&after=1');
    assert.deepEqual(history.body, { versions: [{ ...history.body.versions[0], version: 2, comment: 'tighter' }], next: null });
    assert.ok(!history.text.includes('maxPeriodDays'), 'the history leaves the texts out');
    assertError(await server.request('POST', '/v1/policy/versions', { body: { text, extra: 1 } }), 400, 'validation_failed');
  });

  it('refuses a key the policy forbids with 422 policy_violation naming the rule', async () => {
    const r = await server.request('POST', '/v1/keys', { body: { name: 'weak', spec: 'RSA_2048', usage: 'SIGN_VERIFY', owner: 'o', purpose: 'p', environment: 'dev', tier: 3, tags: { 'cost-center': '1' }, rotationPeriodDays: 365 } });
    assertError(r, 422, 'policy_violation');
    assert.match((r.body as { error: { message: string } }).error.message, /\[specs\.allowed\] spec RSA_2048 is not allowed/);
    const ok = await server.request('POST', '/v1/keys', { body: { name: 'fine', spec: 'AES_256_GCM', owner: 'o', purpose: 'p', environment: 'dev', tier: 3, tags: { 'cost-center': '1' }, rotationPeriodDays: 365 } });
    assert.equal(ok.status, 201, ok.text);
  });

  it('evaluates the keys against the policy in force, or a candidate', async () => {
    const r = await server.request<EvaluationBody>('POST', '/v1/policy/evaluate');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.policy?.version, r.body.keysEvaluated], [2, 2]);
    const legacy = r.body.violations.filter((v) => v.keyName === 'legacy').map((v) => v.ruleId);
    assert.deepEqual(legacy, ['specs.allowed', 'metadata.required', 'metadata.required', 'metadata.required', 'metadata.required', 'metadata.required', 'rotation.max-period']);
    assert.equal(r.body.violations.filter((v) => v.keyName === 'fine').length, 0);
    assert.equal(r.body.errors, legacy.length);

    const candidate = await server.request<EvaluationBody>('POST', '/v1/policy/evaluate', { body: { text: 'version: 1\nmetadata: { name: lax }\nrules: {}\n' } });
    assert.deepEqual([candidate.body.policy?.version, candidate.body.policy?.name, candidate.body.errors], [null, 'lax', 0]);
    assert.equal(candidate.body.policy?.sha256, createHash('sha256').update('version: 1\nmetadata: { name: lax }\nrules: {}\n').digest('hex'));
  });

  it('refuses a YAML body on any other route', async () => {
    assertError(await server.request('POST', '/v1/keys', { rawBody: 'name: x\nspec: AES_256_GCM\n', headers: { 'content-type': 'application/yaml' } }), 400, 'validation_failed');
  });

  it('needs a token with the policy permissions', async () => {
    assertError(await server.request('GET', '/v1/policy', { token: null }), 401, 'unauthenticated');
    const created = await server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['key.*'] } });
    assertError(await server.request('PUT', '/v1/policy', { body: { text: EXAMPLE }, token: created.body.token }), 403, 'permission_denied');
  });
});
