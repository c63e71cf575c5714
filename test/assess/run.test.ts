import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AssessmentInput } from '../../src/assess/input.ts';
import type { AuditRun, CheckResult } from '../../src/assess/model.ts';
import { orderRemediation } from '../../src/assess/remediation.ts';
import { describeScope, runAssessment, type RunMeta } from '../../src/assess/run.ts';
import { binding, daysAgo, hoursAgo, inventoryItem, key, NOW, snapshot, token, usage, usedKey } from './fixtures.ts';

function meta(id: string, over: Partial<RunMeta> = {}): RunMeta {
  return { id, startedAt: NOW, finishedAt: NOW, startedBy: 'root:admin', trigger: 'api', ...over };
}

const integrity = { verifiedAt: NOW, ok: true, entries: 200, firstBad: null, problems: 0, lastAnchoredAt: hoursAgo(1), unanchoredEntries: 2, externalCopy: { configured: true, checkpoints: 5 } };

/** A deployment that is only starting: keys without owners or schedules, one past its cryptoperiod. */
function startingOut(): AssessmentInput {
  return snapshot({
    keys: [
      key('good'),
      key('bare', { owner: null, rotationPeriodDays: null }),
      key('stale', { createdAt: daysAgo(800), rotationPeriodDays: null }),
      key('gone', { state: 'destroyed', destroyedAt: daysAgo(5) }),
    ],
    usage: usage([usedKey('key_good')]),
    auditIntegrity: integrity,
    tokens: [token('app')],
  });
}

/** A deployment doing everything right, with every data source present. */
function exemplary(): AssessmentInput {
  return snapshot({
    keys: [key('good', { owner: 'alice@example.com' })],
    usage: usage([usedKey('key_good')]),
    auditIntegrity: integrity,
    tokens: [token('app')],
    policy: { id: 'pol_1', updatedAt: daysAgo(30), cryptoperiods: [{ tier: null, environment: null, days: 365 }], allowedSpecs: null, minRsaBits: 2048, requiredMetadata: ['owner', 'purpose', 'environment', 'tier'], retentionDays: 365 },
    identities: [{ id: 'id_alice', name: 'alice', kind: 'user', environment: null, person: 'alice@example.com', status: 'active', actors: ['identity:id_alice'] }],
    roleBindings: [binding('b_admin', { grantsAdmin: true, grantsUse: false, role: 'key-admin', keyScope: 'good' }), binding('b_app', { subject: 'id_app', keyScope: 'good' })],
    directory: [{ id: 'p_alice', email: 'alice@example.com', name: 'Alice', status: 'active', team: 'payments', manager: null, departedAt: null }],
    accessReview: { lastCompletedAt: daysAgo(20) },
    approvals: [{ id: 'ap_1', action: 'key.destroy', keyId: 'key_old', requester: 'identity:id_alice', approvers: ['identity:id_bob'], status: 'executed', createdAt: hoursAgo(30), decidedAt: hoursAgo(26) }],
    sensitiveOperations: [],
    breakGlass: [],
    deletions: [],
    backups: [{ id: 'bk_1', createdAt: daysAgo(1), verifiedAt: daysAgo(1), ok: true }],
    drills: [{ id: 'dr_1', at: daysAgo(30), ok: true, description: 'quarterly restore' }],
    inventory: [inventoryItem('ext-1')],
    scans: { scannedAt: daysAgo(1), targets: ['repo'], findings: [] },
    suppressions: [],
  });
}

const scheduledYesterday = (): AuditRun => ({ ...runAssessment(exemplary(), [], meta('run_prev', { startedAt: hoursAgo(24), finishedAt: hoursAgo(24), trigger: 'schedule' })) });

describe('runAssessment on a deployment starting out', () => {
  const run = runAssessment(startingOut(), [], meta('run_1'));

  it('runs every check: the ones without data are not assessed, with reasons', () => {
    assert.ok(run.results.length >= 30);
    const notAssessed = run.results.filter((r) => r.status === 'not-assessed');
    assert.ok(notAssessed.some((r) => r.check.id === 'BAK-01' && r.reason === 'no backup records in this deployment'));
    assert.ok(!run.results.some((r) => r.status === 'error'));
  });

  it('computes the metrics from keys and findings', () => {
    const m = run.metrics;
    assert.equal(m.keys.total, 4);
    assert.deepEqual(m.keys.byState, { active: 3, destroyed: 1 });
    assert.deepEqual(m.keys.bySource, { keyward: 4 });
    assert.deepEqual(m.keys.byEnvironment, { prod: 4 });
    assert.equal(m.rotationCompliancePct, 33.3, 'good is compliant; bare has no schedule, stale is overdue');
    assert.equal(m.orphanedPct, 100, 'stale is the only active key older than 90 days, and unused');
    assert.equal(m.unknownOwnerPct, 33.3);
    assert.equal(m.expiredPct, 33.3);
    assert.equal(m.medianApprovalHours, null);
    assert.equal(m.approvalsPending, null);
    const total = run.results.reduce((n, r) => n + r.findings.length, 0);
    assert.equal(Object.values(m.findingsBySeverity).reduce((a, b) => a + b, 0), total);
  });

  it('stays at maturity level 1 and says what level 2 needs', () => {
    assert.equal(run.maturity.level, 1);
    assert.equal(run.maturity.label, 'Initial');
    assert.ok(run.maturity.reasons.some((r) => r.startsWith('Level 2 (Managed) not reached') && r.includes('lack a known owner (33.3 %)')), run.maturity.reasons.join('\n'));
    assert.equal(run.maturity.dimensions['recovery'], 1, 'no backup data: no evidence');
    assert.ok((run.maturity.dimensions['rotation'] ?? 0) < 5);
  });

  it('orders remediation by impact over effort', () => {
    assert.ok(run.remediation.length > 0);
    assert.deepEqual(run.remediation.map((r) => r.rank), run.remediation.map((_, i) => i + 1));
    const rot01 = run.remediation.find((r) => r.checkId === 'ROT-01');
    assert.ok(rot01 && rot01.findings === 2 && rot01.impact === 20);
  });

  it('derives the checklist from the data', () => {
    const status = Object.fromEntries(run.checklist.map((c) => [c.id, c.status]));
    assert.deepEqual(Object.keys(status), ['scope', 'inventory', 'workflow', 'gaps', 'severity', 'target', 'tooling', 'maintenance', 'human-factors', 'dr-tested']);
    assert.equal(status['scope'], 'partial', 'no external inventory');
    assert.equal(status['inventory'], 'partial');
    assert.equal(status['workflow'], 'missing', 'no schedules, no approvals, no deletion records');
    assert.equal(status['gaps'], 'missing', 'fewer than half of the checks could run');
    assert.match(run.checklist[3]?.basis ?? '', /^\d+ of \d+ checks assessed; not assessed: INV-01, /);
    assert.equal(status['target'], 'not-assessed');
    assert.equal(status['human-factors'], 'not-assessed');
    assert.equal(status['dr-tested'], 'not-assessed');
  });

  it('reports a first run as all new', () => {
    assert.equal(run.trend.previousRunId, null);
    assert.equal(run.trend.newFindings.length, run.results.reduce((n, r) => n + r.findings.length, 0));
    assert.deepEqual(run.trend.history, []);
  });

  it('is plain JSON (it is stored as a document)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(run)), run);
  });
});

describe('runAssessment on an exemplary deployment', () => {
  const run = runAssessment(exemplary(), [scheduledYesterday()], meta('run_2'));

  it('assesses every check and finds nothing', () => {
    assert.deepEqual(run.results.filter((r) => r.status !== 'passed').map((r) => `${r.check.id} ${r.status} ${r.reason ?? ''} ${r.findings.map((f) => f.message).join('; ')}`), []);
  });

  it('reaches maturity level 5 with every dimension at 5', () => {
    assert.equal(run.maturity.level, 5, run.maturity.reasons.join('\n'));
    assert.equal(run.maturity.label, 'Optimising');
    assert.ok(Object.values(run.maturity.dimensions).every((d) => d === 5), JSON.stringify(run.maturity.dimensions));
  });

  it('marks every checklist item done', () => {
    assert.deepEqual(run.checklist.filter((c) => c.status !== 'done').map((c) => `${c.id}: ${c.basis}`), []);
  });

  it('measures approvals', () => {
    assert.equal(run.metrics.medianApprovalHours, 4);
    assert.equal(run.metrics.approvalsPending, 0);
  });

  it('drops to level 4 without a recent scheduled run', () => {
    const manualOnly = runAssessment(exemplary(), [{ ...scheduledYesterday(), trigger: 'api' }], meta('run_3'));
    assert.equal(manualOnly.maturity.level, 4);
    assert.ok(manualOnly.maturity.reasons.some((r) => r.includes('Level 5') && r.includes('continuous audits')));
    assert.equal(manualOnly.checklist.find((c) => c.id === 'maintenance')?.status, 'partial');
  });

  it('drops to level 3 when a key admin also uses the key', () => {
    const input = exemplary();
    const mixed = runAssessment({ ...input, roleBindings: [...(input.roleBindings ?? []), binding('b_self', { subject: 'id_alice', keyScope: 'good' })] }, [scheduledYesterday()], meta('run_4'));
    assert.equal(mixed.maturity.level, 3);
  });
});

describe('trend', () => {
  const first = runAssessment(startingOut(), [], meta('run_a', { startedAt: daysAgo(1), finishedAt: daysAgo(1) }));

  it('compares with the newest earlier run: new, fixed, still open', () => {
    const input = startingOut();
    const keys = (input.keys ?? []).map((k) => (k.key.name === 'bare' ? key('bare') : k));
    const second = runAssessment({ ...input, keys, tokens: [token('wide', { permissions: ['crypto.*'] })] }, [first], meta('run_b'));
    assert.equal(second.trend.previousRunId, 'run_a');
    assert.ok(second.trend.fixedFindings.includes('ROT-01:key:key_bare'));
    assert.ok(second.trend.fixedFindings.includes('INV-02:key:key_bare'));
    assert.ok(second.trend.stillOpen.includes('ROT-02:key:key_stale'));
    assert.deepEqual(second.trend.newFindings, ['ACC-02:identity:token:wide']);
    assert.deepEqual(second.trend.history.map((h) => h.runId), ['run_a']);
    assert.equal(second.trend.history[0]?.rotationCompliancePct, 33.3);
  });

  it('never counts a finding as fixed when its check could not run this time', () => {
    const { usage: _dropped, ...withoutUsage } = startingOut();
    const second = runAssessment(withoutUsage, [first], meta('run_c'));
    assert.ok(first.results.find((r) => r.check.id === 'INV-04')?.findings.length);
    assert.ok(!second.trend.fixedFindings.some((f) => f.startsWith('INV-04')));
    assert.ok(!second.trend.stillOpen.some((f) => f.startsWith('INV-04')));
  });

  it('keeps a critical finding open across runs as a missing severity item', () => {
    const input = { ...startingOut(), auditIntegrity: { ...integrity, ok: false, problems: 1, firstBad: { seq: 3, reason: 'modified' } } };
    const a = runAssessment(input, [], meta('run_x', { startedAt: daysAgo(1) }));
    assert.equal(a.checklist.find((c) => c.id === 'severity')?.status, 'partial');
    const b = runAssessment(input, [a], meta('run_y'));
    assert.equal(b.checklist.find((c) => c.id === 'severity')?.status, 'missing');
  });
});

describe('orderRemediation', () => {
  const result = (id: string, effort: 'low' | 'medium' | 'high', severities: ('low' | 'medium' | 'high' | 'critical' | 'info')[]): CheckResult => ({
    check: { id, title: id, detects: '', severity: 'low', remediation: `fix ${id}`, refs: [], effort },
    status: 'failed',
    reason: null,
    findings: severities.map((severity, i) => ({ checkId: id, fingerprint: `${id}:${i}`, severity, title: id, message: '', subject: { kind: 'key', id: `k${i}` }, evidence: [] })),
    examined: severities.length,
  });

  it('puts cheap high-impact fixes first and leaves info out', () => {
    const order = orderRemediation([result('A', 'high', ['critical']), result('B', 'low', ['high', 'high']), result('C', 'low', ['low']), result('D', 'low', ['info'])]);
    assert.deepEqual(order.map((o) => [o.checkId, o.impact, o.rank]), [['B', 20, 1], ['A', 25, 2], ['C', 1, 3]]);
  });
});

describe('describeScope', () => {
  it('names the sections assessed (with counts) and those missing', () => {
    const text = describeScope(startingOut());
    assert.match(text, /^Assessed: keys \(4\), audit-log usage, audit chain, tokens \(1\)\./);
    assert.match(text, /Not available in this deployment: policy, .*secret scans, suppressions\.$/);
  });
});
