import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRun } from '../../src/assess/model.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { root, useDevEngine } from './helpers.ts';
import { person, uniqueName } from './governance-fixtures.ts';

const result = (run: AuditRun, id: string) => {
  const r = run.results.find((x) => x.check.id === id);
  assert.ok(r, `check ${id} ran`);
  return r;
};

/**
 * The audit run reads governance, policy and recovery records: the checks that need them are
 * assessed (not "not assessed"), fire on a prepared instance and go quiet once it is put right.
 */
describe('audit runs over governance, policy and recovery data', () => {
  const clock = new ManualClock(new Date());
  const engine = useDevEngine({ clock });

  it('break-glass without review, departed people with access, no policy, no drill: found; then fixed: quiet', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'gov-prod', spec: 'AES_256_GCM', environment: 'prod', tier: 1, owner: 'dana@example.com' });
    const o1 = await person(e, uniqueName('off'), [['security-officer', 'all']]);
    const o2 = await person(e, uniqueName('off'), [['security-officer', 'all']]);
    const o3 = await person(e, uniqueName('off'), [['security-officer', 'all']]);
    await person(e, 'zed', [['key-user', 'key:gov-prod']], { email: 'zed@example.com' });
    const use = await e.governance.breakGlass.use(o1.ctx, { action: 'key.suspend', key: 'gov-prod', justification: 'suspected leak, holding the key while we look' });
    await e.governance.reviews.importDirectory(root, 'id,email,status\n1,zed@example.com,terminated\n2,dana@example.com,active\n', 'csv');
    // Past the grace period a break-glass use has to be reviewed within.
    clock.advance(4 * 86_400_000);

    // The spreadsheet inventory: an unowned prod key with no rotation schedule.
    const imported = await e.inventory.import(root, { source: 'sheet', format: 'csv', content: 'name,type,owner,environment,rotation\nlegacy-db,symmetric,,prod,none\n' });
    assert.equal(imported.imported, 1, JSON.stringify(imported));

    const before = await e.assess.run(root);
    assert.notEqual(result(before, 'ROT-03').status, 'not-assessed', 'inventory checks read the imported items');
    assert.notEqual(result(before, 'INV-01').status, 'not-assessed');
    for (const id of ['ACC-08', 'ACC-10', 'GOV-01', 'BAK-02', 'ACC-05']) assert.equal(result(before, id).status, 'failed', `${id}: ${result(before, id).reason ?? ''}`);
    assert.ok(result(before, 'ACC-08').findings.some((f) => f.subject.id === use.id || f.message.includes(use.id)));
    assert.ok(result(before, 'ACC-10').findings.some((f) => f.message.includes('zed')));

    await e.governance.breakGlass.review(o2.ctx, use.id, { verdict: 'justified' });
    await e.governance.breakGlass.review(o3.ctx, use.id, { verdict: 'justified' });
    const review = await e.governance.reviews.run(root);
    await e.governance.reviews.apply(root, review.id);
    await e.governance.reviews.complete(root, review.id, 'done');
    // Deprovisioning: the departed person's grants go too (reactivation would otherwise restore them).
    for (const b of (await e.governance.access.listBindings(root, { subject: 'user:zed' })).bindings) await e.governance.access.deleteBinding(root, b.id);
    await e.policy.set(root, { text: 'version: 1\nmetadata:\n  name: baseline\nrules:\n  rotation:\n    maxPeriodDays:\n      - { days: 365 }\n' });
    const drill = await e.backups.drill(root, {});
    assert.equal(drill.passed, true, JSON.stringify(drill.steps.filter((s) => s.status !== 'passed')));

    const after = await e.assess.run(root);
    for (const id of ['ACC-08', 'ACC-10', 'GOV-01', 'BAK-02', 'ACC-05']) assert.equal(result(after, id).status, 'passed', `${id}: ${JSON.stringify(result(after, id).findings.map((f) => f.message))}`);
    assert.deepEqual(
      after.results.filter((r) => r.status === 'not-assessed').map((r) => r.check.id).filter((id) => /^(ACC|GOV-01|BAK|LIF)/.test(id)),
      [],
      'governance, policy, recovery and lifecycle checks are all assessed',
    );
  });
});
