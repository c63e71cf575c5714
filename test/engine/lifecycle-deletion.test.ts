import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import type { CallContext } from '../../src/auth/principal.ts';
import { KEY_DELETION_KIND, type KeyDeletion } from '../../src/lifecycle/deletion/key-deletion.ts';
import { openTestEngine, testBackend, type TestEngine } from '../test-backend.ts';
import { auditEntriesAfter, auditHeadSeq, rejectsWith, root } from './helpers.ts';

const DAY = 86_400_000;
const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const officer: CallContext = { principal: { type: 'token', actor: 'token:officer', permissions: ['*'] } };

describe(`scheduled deletion on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  let dev: TestEngine;
  before(async () => {
    dev = await openTestEngine({ clock, lifecycleIntervalMs: 3_600_000 });
  });
  after(() => dev.close());

  it('holds the key unusable for the waiting period, then destroys it and keeps the record', async () => {
    const engine = dev.engine;
    const key = await engine.keys.create(root, { name: 'del-basic', spec: 'AES_256_GCM' });
    const old = await engine.crypto.encrypt(root, { key: 'del-basic', plaintext: text('data') });
    const scheduled = await engine.lifecycle.scheduleDeletion(officer, 'del-basic', { reason: 'decommissioned' });
    assert.equal(scheduled.status, 'scheduled');
    assert.equal(scheduled.waitingPeriodDays, 30, 'default waiting period');
    assert.equal(scheduled.deleteAfter, new Date(clock.now().getTime() + 30 * DAY).toISOString());
    assert.equal(scheduled.previousState, 'active');
    assert.equal(scheduled.requestedBy, 'token:officer');
    assert.deepEqual(scheduled.authorisedBy, ['token:officer']);
    assert.equal(scheduled.approvalId, null);
    assert.equal(scheduled.retainedUntil, null);

    assert.equal((await engine.keys.describe(root, 'del-basic')).state, 'suspended');
    await rejectsWith(engine.crypto.encrypt(root, { key: 'del-basic', plaintext: text('more') }), 'key_state_invalid', 'encrypt while held');
    await rejectsWith(engine.crypto.decrypt(root, { ciphertext: old.ciphertext }), 'key_state_invalid', 'decrypt while held');
    const resume = await rejectsWith(engine.keys.changeState(root, 'del-basic', 'resume'), 'key_state_invalid', 'resume while held');
    assert.match(resume.message, /scheduled for deletion/);
    await rejectsWith(engine.keys.rotate(root, 'del-basic'), 'key_state_invalid', 'rotate while held');
    await rejectsWith(engine.keys.changeState(root, 'del-basic', 'deactivate'), 'key_state_invalid', 'deactivate while held');
    await engine.keys.update(root, 'del-basic', { owner: 'team-archive' }); // metadata still changes
    await rejectsWith(engine.lifecycle.scheduleDeletion(root, 'del-basic'), 'key_state_invalid', 'scheduling twice');

    clock.advance(30 * DAY - 1000);
    let report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.destroyed, [], 'not destroyed a second before the waiting period ends');
    assert.equal((await engine.keys.describe(root, 'del-basic')).state, 'suspended');

    clock.advance(1000);
    const seq = await auditHeadSeq(engine);
    report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.destroyed, ['del-basic']);
    const destroyed = await engine.keys.describe(root, 'del-basic');
    assert.equal(destroyed.state, 'destroyed');
    assert.equal(destroyed.destroyedAt, clock.now().toISOString());
    assert.ok(destroyed.versions?.every((v) => v.destroyed), 'every version shredded');
    assert.ok((await engine.store.listKeyVersions(key.id)).every((v) => v.wrappedMaterial === null));

    const [entry] = (await auditEntriesAfter(engine, seq)).filter((e) => e.action === 'key.destroy');
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry.actor, 'system:scheduler');
    assert.equal(entry.keyId, key.id);
    assert.equal(entry.details['trigger'], 'schedule');
    assert.deepEqual(entry.details['authorisedBy'], ['token:officer']);
    assert.equal(entry.details['requestedBy'], 'token:officer');
    assert.equal(entry.details['deletionId'], scheduled.id);

    const [record] = await engine.lifecycle.listDeletions(root, { key: key.id });
    assert.equal(record?.status, 'destroyed');
    assert.equal(record.destroyedBy, 'system:scheduler');
    assert.equal(record.destroyedAt, clock.now().toISOString());
    assert.equal(record.reason, 'decommissioned');
    assert.equal((await engine.store.getDocument<KeyDeletion>(KEY_DELETION_KIND, scheduled.id))?.lookup, null, 'no longer holds the key');

    assert.deepEqual((await engine.lifecycle.destroyDueKeys()).destroyed, [], 'nothing left to do');
  });

  it('cancels: restores the previous state, and the key survives the end of the waiting period', async () => {
    const engine = dev.engine;
    await engine.keys.create(root, { name: 'del-cancel', spec: 'AES_256_GCM' });
    await engine.keys.changeState(root, 'del-cancel', 'deactivate');
    const scheduled = await engine.lifecycle.scheduleDeletion(root, 'del-cancel', { waitingPeriodDays: 7 });
    assert.equal(scheduled.previousState, 'deactivated');
    clock.advance(3 * DAY);
    const cancelled = await engine.lifecycle.cancelDeletion(officer, 'del-cancel', { reason: 'still needed' });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancelledBy, 'token:officer');
    assert.equal(cancelled.cancelReason, 'still needed');
    assert.equal((await engine.keys.describe(root, 'del-cancel')).state, 'deactivated', 'back to the state it had');
    await rejectsWith(engine.lifecycle.cancelDeletion(root, 'del-cancel'), 'not_found', 'nothing left to cancel');

    clock.advance(10 * DAY);
    assert.ok(!(await engine.lifecycle.destroyDueKeys()).destroyed.includes('del-cancel'));
    assert.equal((await engine.keys.describe(root, 'del-cancel')).state, 'deactivated');

    const again = await engine.lifecycle.scheduleDeletion(root, 'del-cancel', { waitingPeriodDays: 7 });
    assert.notEqual(again.id, scheduled.id, 'a cancelled deletion does not block a new one');
    const history = await engine.lifecycle.listDeletions(root, { key: 'del-cancel' });
    assert.deepEqual(history.map((d) => d.status), ['scheduled', 'cancelled']);
    const pending = await engine.lifecycle.listDeletions(root);
    assert.ok(pending.some((d) => d.id === again.id));
    assert.ok(pending.every((d) => d.status === 'scheduled'));
    await engine.lifecycle.cancelDeletion(root, 'del-cancel');
  });

  it('takes waiting periods of 7 to 30 days only', async () => {
    const engine = dev.engine;
    await engine.keys.create(root, { name: 'del-window', spec: 'AES_256_GCM' });
    for (const days of [0, 6, 31, 2.5]) {
      await rejectsWith(engine.lifecycle.scheduleDeletion(root, 'del-window', { waitingPeriodDays: days }), 'validation_failed', `${days} days`);
    }
    assert.equal((await engine.keys.describe(root, 'del-window')).state, 'active', 'a refused request changes nothing');
    const ok = await engine.lifecycle.scheduleDeletion(root, 'del-window', { waitingPeriodDays: 7 });
    assert.equal(ok.waitingPeriodDays, 7);
    await engine.lifecycle.cancelDeletion(root, 'del-window');
  });

  it('records the scheduling and the cancel in the audit log with who and when', async () => {
    const engine = dev.engine;
    const key = await engine.keys.create(root, { name: 'del-audit', spec: 'AES_256_GCM' });
    const seq = await auditHeadSeq(engine);
    const d = await engine.lifecycle.scheduleDeletion(officer, 'del-audit', { waitingPeriodDays: 14, reason: 'rotation to new key' });
    await engine.lifecycle.cancelDeletion(root, 'del-audit');
    const entries = await auditEntriesAfter(engine, seq);
    const schedule = entries.find((e) => e.action === 'key.schedule-deletion');
    assert.equal(schedule?.outcome, 'success');
    assert.equal(schedule.actor, 'token:officer');
    assert.equal(schedule.keyId, key.id);
    assert.equal(schedule.details['deletionId'], d.id);
    assert.equal(schedule.details['waitingPeriodDays'], 14);
    assert.equal(schedule.details['deleteAfter'], d.deleteAfter);
    assert.equal(schedule.details['from'], 'active');
    assert.equal(schedule.details['to'], 'suspended');
    const cancel = entries.find((e) => e.action === 'key.cancel-deletion');
    assert.equal(cancel?.outcome, 'success');
    assert.equal(cancel.details['to'], 'active');
  });
});

describe(`the retention guard on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  let dev: TestEngine;
  before(async () => {
    dev = await openTestEngine({ clock, lifecycleIntervalMs: 3_600_000 });
  });
  after(() => dev.close());

  it('refuses a direct destroy before the retain-until date, and allows it after', async () => {
    const engine = dev.engine;
    await engine.keys.create(root, { name: 'ret-direct', spec: 'AES_256_GCM', tags: { 'retain-until': '2026-03-31' } });
    await engine.keys.changeState(root, 'ret-direct', 'deactivate');
    const err = await rejectsWith(engine.keys.changeState(root, 'ret-direct', 'destroy'), 'retention_active');
    assert.match(err.message, /retained until 2026-04-01T00:00:00.000Z/);
    assert.equal((await engine.keys.describe(root, 'ret-direct')).state, 'deactivated', 'nothing erased');
    clock.set('2026-03-31T23:59:59.000Z');
    await rejectsWith(engine.keys.changeState(root, 'ret-direct', 'destroy'), 'retention_active', 'still on the last retained day');
    clock.set('2026-04-01T00:00:00.000Z');
    assert.equal((await engine.keys.changeState(root, 'ret-direct', 'destroy')).state, 'destroyed');
  });

  it('holds a scheduled destruction until retention ends, recording the refusal once', async () => {
    const engine = dev.engine;
    clock.set('2026-05-01T00:00:00.000Z');
    const key = await engine.keys.create(root, { name: 'ret-scheduled', spec: 'AES_256_GCM', tags: { 'retain-until': '2026-06-15T12:00:00Z' } });
    const d = await engine.lifecycle.scheduleDeletion(root, 'ret-scheduled', { waitingPeriodDays: 7 });
    assert.equal(d.retainedUntil, '2026-06-15T12:00:00.000Z', 'the answer says retention outlasts the waiting period');

    clock.advance(7 * DAY);
    const seq = await auditHeadSeq(engine);
    let report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.refused, [{ key: 'ret-scheduled', code: 'retention_active' }]);
    assert.equal((await engine.keys.describe(root, 'ret-scheduled')).state, 'suspended', 'still held, not destroyed');
    const refusals = (await auditEntriesAfter(engine, seq)).filter((e) => e.action === 'key.destroy' && e.keyId === key.id);
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]?.errorCode, 'retention_active');
    assert.equal(refusals[0]?.actor, 'system:scheduler');
    const [record] = await engine.lifecycle.listDeletions(root, { key: key.id });
    assert.equal(record?.lastRefusal?.code, 'retention_active');
    assert.equal(record.lastRefusal.retainedUntil, '2026-06-15T12:00:00.000Z');

    clock.advance(DAY);
    const seq2 = await auditHeadSeq(engine);
    report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.refused, [], 'not refused (and audited) again');
    assert.equal(report.waiting, 1);
    assert.equal((await auditEntriesAfter(engine, seq2)).filter((e) => e.action === 'key.destroy').length, 0);

    clock.set('2026-06-15T12:00:00.000Z');
    report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.destroyed, ['ret-scheduled']);
    assert.equal((await engine.keys.describe(root, 'ret-scheduled')).state, 'destroyed');
  });

  it('holds a key whose retain-until tag is not a date, until the tag is corrected', async () => {
    const engine = dev.engine;
    clock.set('2026-07-01T00:00:00.000Z');
    await engine.keys.create(root, { name: 'ret-bad-tag', spec: 'AES_256_GCM', tags: { 'retain-until': 'forever' } });
    await engine.lifecycle.scheduleDeletion(root, 'ret-bad-tag', { waitingPeriodDays: 7 });
    clock.advance(8 * DAY);
    let report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.refused, [{ key: 'ret-bad-tag', code: 'retention_active' }]);
    report = await engine.lifecycle.destroyDueKeys();
    assert.equal(report.waiting, 1, 'not retried while the key is unchanged');
    await engine.keys.update(root, 'ret-bad-tag', { tags: { 'retain-until': '2026-07-02' } });
    report = await engine.lifecycle.destroyDueKeys();
    assert.deepEqual(report.destroyed, ['ret-bad-tag'], 'retried once the key changed; the corrected date has passed');
  });
});
