import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallContext } from '../../src/auth/principal.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { AuditRun, CheckResult } from '../../src/assess/model.ts';
import { AUDIT_RUN_KIND } from '../../src/engine/assess-service.ts';
import { openTestEngine, testBackend, type TestEngine } from '../test-backend.ts';
import { allAuditEntries, rejectsWith, root, tamperBody } from './helpers.ts';

const DAY = 86_400_000;
const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const app: CallContext = { principal: { type: 'token', actor: 'token:app', permissions: ['crypto.*@billing'] }, source: '10.1.2.3' };
const auditor: CallContext = { principal: { type: 'token', actor: 'token:auditor', permissions: ['audit.*'] } };
const keyUser: CallContext = { principal: { type: 'token', actor: 'token:user', permissions: ['crypto.*', 'key.describe'] } };

function result(run: AuditRun, id: string): CheckResult {
  const r = run.results.find((x) => x.check.id === id);
  assert.ok(r, `${id} in the run`);
  return r;
}

function failing(run: AuditRun): Record<string, string[]> {
  return Object.fromEntries(run.results.filter((r) => r.status === 'failed').map((r) => [r.check.id, r.findings.map((f) => f.subject.label ?? f.subject.id).sort()]));
}

describe(`audit runs on a prepared instance on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  let dev: TestEngine;
  const ids: Record<string, string> = {};
  let first: AuditRun;

  before(async () => {
    dev = await openTestEngine({ clock, auditRunIntervalMs: null });
    const { engine } = dev;
    const meta = (owner: string, rotationPeriodDays: number) => ({ owner, purpose: 'tests', environment: 'prod' as const, tier: 2 as const, rotationPeriodDays });
    for (const [name, input] of [
      ['billing', { ...meta('team-pay', 30), tier: 1 as const }],
      ['archive', meta('team-data', 365)],
      ['bare', {}],
      ['leaked', meta('team-pay', 90)],
      ['doomed', meta('team-ops', 90)],
    ] as const) {
      ids[name] = (await engine.keys.create(root, { name, spec: 'AES_256_GCM', ...input })).id;
    }
    // billing: used by an application, not by whoever created it.
    const { ciphertext } = await engine.crypto.encrypt(app, { key: 'billing', plaintext: text('card') });
    await engine.crypto.decrypt(app, { ciphertext });
    // leaked: used by its creator alone, marked compromised, and still decrypted two days later.
    const leaked = await engine.crypto.encrypt(root, { key: 'leaked', plaintext: text('secret') });
    await engine.keys.changeState(root, 'leaked', 'compromise', 'laptop stolen');
    clock.advance(2 * DAY);
    await engine.crypto.decrypt(root, { ciphertext: leaked.ciphertext });
    // doomed: destroyed by one person, no approval.
    await engine.keys.changeState(root, 'doomed', 'deactivate');
    await engine.keys.changeState(root, 'doomed', 'destroy');
    // 100 days on: billing (still in use) is overdue for its 30-day rotation; archive and bare were never used.
    clock.set(new Date(Date.parse('2026-01-01T00:00:00.000Z') + 100 * DAY));
    await engine.crypto.encrypt(app, { key: 'billing', plaintext: text('card') });
    for (let i = 0; i < 25; i++) await rejectsWith(engine.crypto.decrypt(app, { ciphertext: tamperBody(ciphertext) }), 'decryption_failed');
    await engine.audit.checkpoint(root);
    first = await engine.assess.run(root, { trigger: 'api' });
  });
  after(() => dev.close());

  it('finds what was prepared, and only that', () => {
    assert.deepEqual(failing(first), {
      'INV-02': ['bare'],
      'INV-04': ['archive', 'bare'],
      'INV-05': ['bare'],
      'ROT-01': ['bare'],
      'ROT-02': ['billing'],
      'ROT-05': [result(first, 'ROT-05').findings[0]?.subject.label ?? '?'],
      'LIF-05': ['leaked'],
      'ACC-04': ['leaked'],
      'ACC-07': ['key.destroy'],
      'ANO-02': ['billing'],
      // Governance, policy and recovery are wired but unused on this instance: each is a finding.
      'ACC-05': ['access review'],
      'BAK-01': ['backups'],
      'BAK-02': ['disaster-recovery drills'],
      'GOV-01': ['key-management policy'],
      'LIF-01': ['doomed'],
    });
    assert.match(result(first, 'ROT-05').findings[0]?.message ?? '', /^root token [0-9a-f]{24} .* never expires$/, 'the init root token');
    assert.match(result(first, 'ANO-02').findings[0]?.message ?? '', /^25 failed decryptions under key "billing"/);
    assert.match(result(first, 'LIF-05').findings[0]?.message ?? '', /marked compromised at 2026-01-01T00:00:00.000Z and last used at 2026-01-03T00:00:00.000Z/);
  });

  it('gives evidence: the key, and the audit entries behind a finding', async () => {
    const entries = await allAuditEntries(dev.engine);
    const lif05 = result(first, 'LIF-05').findings[0];
    assert.equal(lif05?.subject.id, ids['leaked']);
    const evidence = lif05?.evidence.filter((e) => e.kind === 'audit-entry') ?? [];
    assert.equal(evidence.length, 1);
    const entry = entries.find((e) => e.seq === Number(evidence[0]?.id));
    assert.equal(entry?.action, 'crypto.decrypt');
    assert.equal(entry?.keyId, ids['leaked']);
    const acc07 = result(first, 'ACC-07').findings[0];
    assert.equal(entries.find((e) => e.seq === Number(acc07?.subject.id))?.action, 'key.destroy');
    assert.ok(acc07?.evidence.some((e) => e.kind === 'key' && e.id === ids['doomed']));
  });

  it('passes what holds and marks what it cannot see as not assessed', () => {
    for (const id of ['LOG-01', 'LOG-02', 'LIF-03', 'LIF-04', 'LIF-06', 'ROT-04', 'ROT-06', 'ALG-01', 'ACC-02', 'ANO-01']) assert.equal(result(first, id).status, 'passed', id);
    assert.equal(result(first, 'LIF-03').examined, 1, 'the destroyed key has an authoriser in the log');
    for (const id of ['INV-03', 'STO-01']) {
      assert.equal(result(first, id).status, 'not-assessed', id);
      assert.match(result(first, id).reason ?? '', /^no .* in this deployment$/);
    }
    assert.equal(result(first, 'LIF-02').status, 'not-assessed', 'no retention end is known for the destroyed key');
  });

  it('computes the metrics of the instance', () => {
    const m = first.metrics;
    assert.equal(m.keys.total, 5);
    assert.deepEqual(m.keys.byState, { active: 3, compromised: 1, destroyed: 1 });
    assert.deepEqual(m.keys.bySpec, { AES_256_GCM: 5 });
    assert.deepEqual(m.keys.byEnvironment, { prod: 4, unset: 1 });
    assert.equal(m.rotationCompliancePct, 33.3, 'archive complies; billing is overdue, bare has no schedule');
    assert.equal(m.orphanedPct, 66.7, 'archive and bare of the three active keys');
    assert.equal(m.unknownOwnerPct, 25, 'bare of the four keys not destroyed');
    assert.equal(m.expiredPct, 0);
    assert.equal(m.findingsBySeverity.critical, 2, 'the compromised key in use (LIF-05) and a destruction without approval (LIF-01)');
    assert.equal(first.maturity.level, 1);
    assert.ok(first.maturity.reasons.some((r) => r.includes('(25 %)')));
  });

  it('stores the run and audits it with its counts', async () => {
    const doc = await dev.engine.store.getDocument<AuditRun>(AUDIT_RUN_KIND, first.id);
    assert.deepEqual(doc?.data, first);
    const entry = (await allAuditEntries(dev.engine)).find((e) => e.action === 'audit.run' && e.details['runId'] === first.id);
    assert.ok(entry, 'audit.run entry');
    assert.equal(entry.outcome, 'success');
    assert.equal(entry.actor, 'root:test');
    assert.deepEqual(entry.details['findings'], { info: '0', low: '2', medium: '7', high: '5', critical: '2' });
    assert.equal(entry.details['maturity'], 1);
    assert.equal(first.startedBy, 'root:test');
    assert.equal(first.scope.instanceId, await dev.engine.store.instanceId());
  });

  it('reads runs back: newest first, by id, and refuses unknown ids', async () => {
    const { engine } = dev;
    clock.advance(DAY);
    await engine.keys.rotate(root, 'billing');
    const second = await engine.assess.run(auditor, { trigger: 'cli' });
    assert.equal(second.trend.previousRunId, first.id);
    assert.ok(second.trend.fixedFindings.includes(`ROT-02:key:${ids['billing']}`));
    assert.ok(second.trend.stillOpen.includes(`ROT-01:key:${ids['bare']}`));
    assert.deepEqual(second.trend.history.map((h) => h.runId), [first.id]);

    const page = await engine.assess.list(auditor, { limit: 1 });
    assert.deepEqual(page.runs.map((r) => r.id), [second.id]);
    assert.equal(page.runs[0]?.trigger, 'cli');
    assert.equal(page.runs[0]?.checks.failed, second.results.filter((r) => r.status === 'failed').length);
    const rest = await engine.assess.list(auditor, { after: page.next ?? '' });
    assert.deepEqual(rest.runs.map((r) => r.id), [first.id]);
    assert.equal(rest.next, null);

    assert.deepEqual(await engine.assess.get(auditor, first.id), first);
    await rejectsWith(engine.assess.get(auditor, 'run_0000000000000_000000000000000000000000'), 'not_found');
    await rejectsWith(engine.assess.get(auditor, '../../etc'), 'not_found');
  });

  it('needs the audit permissions', async () => {
    await rejectsWith(dev.engine.assess.run(keyUser), 'permission_denied');
    await rejectsWith(dev.engine.assess.list(keyUser), 'permission_denied');
    await rejectsWith(dev.engine.assess.get(keyUser, first.id), 'permission_denied');
  });

  it('never puts key material, plaintext or tokens in a run', async () => {
    const stored = JSON.stringify(await dev.engine.assess.list(root, { limit: 10 })) + JSON.stringify(first);
    assert.ok(!stored.includes(dev.rootToken), 'no token');
    assert.ok(!stored.includes('card') && !stored.includes('secret"'), 'no plaintext');
    assert.ok(!/wrappedMaterial|kw:v1:/.test(stored), 'no material or ciphertext');
  });
});

describe(`the scheduled audit run on ${testBackend.label}`, () => {
  let dev: TestEngine;
  before(async () => {
    dev = await openTestEngine({ auditRunIntervalMs: 200 });
  });
  after(() => dev.close());

  it('runs on the scheduler leader as system:audit-schedule', async () => {
    const { engine } = dev;
    assert.ok(engine.isSchedulerLeader());
    const deadline = Date.now() + 10_000;
    let runs = (await engine.assess.list(root)).runs;
    while (runs.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      runs = (await engine.assess.list(root)).runs;
    }
    assert.ok(runs.length >= 1, 'a scheduled run');
    assert.ok(runs.every((r) => r.trigger === 'schedule' && r.startedBy === 'system:audit-schedule'));
    const entry = (await allAuditEntries(engine)).find((e) => e.action === 'audit.run');
    assert.equal(entry?.source, 'scheduler');
    assert.equal(entry?.details['trigger'], 'schedule');
  });
});
