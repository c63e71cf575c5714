import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRun } from '../../src/assess/model.ts';
import type { AuditRunSummary } from '../../src/engine/assess-service.ts';
import type { ErrorReply } from './server-harness.ts';
import { CliTestServer } from './cli-harness.ts';

describe('audit runs over HTTP and the CLI', () => {
  let cli: CliTestServer;
  before(async () => {
    cli = await CliTestServer.start();
    const server = cli.server;
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'billing', spec: 'AES_256_GCM', owner: 'team-pay', purpose: 'cards', environment: 'prod', tier: 1, rotationPeriodDays: 90 } })).status, 201);
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'bare', spec: 'AES_256_GCM' } })).status, 201);
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'signer', spec: 'RSA_3072', usage: 'SIGN_VERIFY' } })).status, 201);
  });
  after(async () => {
    await cli.close();
  });

  it('POST /v1/audit-runs runs the checks and answers 201 with the whole run', async () => {
    const reply = await cli.server.request<AuditRun>('POST', '/v1/audit-runs', { body: {} });
    assert.equal(reply.status, 201, reply.text);
    const run = reply.body;
    assert.match(run.id, /^run_\d{13}_[0-9a-f]{24}$/);
    assert.equal(run.trigger, 'api');
    assert.ok(run.results.length >= 30);
    const bySubject = (id: string): string[] => (run.results.find((r) => r.check.id === id)?.findings ?? []).map((f) => f.subject.label ?? '');
    assert.deepEqual(bySubject('ROT-01').sort(), ['bare', 'signer']);
    assert.deepEqual(bySubject('INV-05').sort(), ['bare', 'signer']);
    assert.deepEqual(bySubject('ALG-02'), ['signer']);
    assert.equal(run.metrics.keys.total, 3);
    assert.equal(run.checklist.length, 10);

    const again = await cli.server.request<AuditRun>('GET', `/v1/audit-runs/${run.id}`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, run);
  });

  it('GET /v1/audit-runs lists summaries newest first; bad ids are refused', async () => {
    const list = await cli.server.request<{ runs: AuditRunSummary[]; next: string | null }>('GET', '/v1/audit-runs?limit=5');
    assert.equal(list.status, 200);
    assert.ok(list.body.runs.length >= 1);
    assert.deepEqual(Object.keys(list.body.runs[0] ?? {}).sort(), ['checks', 'findingsBySeverity', 'finishedAt', 'id', 'maturityLabel', 'maturityLevel', 'rotationCompliancePct', 'startedAt', 'startedBy', 'trigger']);

    const missing = await cli.server.request<ErrorReply>('GET', '/v1/audit-runs/run_0000000000000_000000000000000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const malformed = await cli.server.request<ErrorReply>('GET', '/v1/audit-runs/not-a-run');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'validation_failed');
    const scheduled = await cli.server.request<ErrorReply>('POST', '/v1/audit-runs', { body: { trigger: 'schedule' } });
    assert.equal(scheduled.status, 400, 'only the server starts scheduled runs');
  });

  it('keyward audit run prints a summary and the run id; --fail-on gates on severity', async () => {
    const result = await cli.run(['audit', 'run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Audit run:\s+run_\d{13}_[0-9a-f]{24}$/m);
    assert.match(result.stdout, /^Maturity:\s+level [1-5] \(\w[\w ]*\)$/m);
    assert.match(result.stdout, /^Findings:\s+\d+ critical, \d+ high, \d+ medium, \d+ low, \d+ info$/m);
    assert.match(result.stdout, /^Top findings:\nSEVERITY\s+CHECK\s+FINDING$/m);
    assert.match(result.stdout, /^high\s+ROT-01\s+key "bare" \(AES_256_GCM\) has no rotation period$/m);
    assert.match(result.stdout, /^Fix first:\nRANK\s+CHECK\s+TITLE\s+FINDINGS\s+EFFORT$/m);
    assert.match(result.stdout, /^Trend:\s+\d+ new, \d+ fixed, \d+ still open since run_/m);

    const gated = await cli.run(['audit', 'run', '--fail-on', 'high']);
    assert.equal(gated.code, 1);
    assert.match(gated.stderr, /finding\(s\) at or above high \(run run_/);
    const passing = await cli.run(['audit', 'run', '--fail-on', 'critical']);
    assert.equal(passing.code, 0, passing.stderr);
  });

  it('keyward audit run --json prints the run; keyward audit runs lists them', async () => {
    const json = await cli.run(['audit', 'run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const run = JSON.parse(json.stdout) as AuditRun;
    assert.equal(run.trigger, 'cli');

    const listed = await cli.run(['audit', 'runs', '--limit', '2']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+STARTED\s+TRIGGER\s+MATURITY\s+CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+ROTATION\s+NOT ASSESSED$/m);
    assert.match(listed.stdout, new RegExp(`^${run.id}\\s+\\S+\\s+cli\\s+\\d `, 'm'), 'the newest run first');
    assert.match(listed.stderr, /^More runs: add --after run_/m);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await cli.server.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.deepEqual(Object.keys(doc.body.paths['/v1/audit-runs'] ?? {}).sort(), ['get', 'post']);
    assert.ok(doc.body.paths['/v1/audit-runs/{id}']?.['get']);
  });

  it('refuses a token without the audit permissions (exit 4)', async () => {
    const created = await cli.server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['crypto.*'] } });
    assert.equal(created.status, 201);
    const denied = await cli.run(['audit', 'run'], { env: { KEYWARD_TOKEN: created.body.token } });
    assert.equal(denied.code, 4);
    assert.match(denied.stderr, /permission_denied/);
  });
});
