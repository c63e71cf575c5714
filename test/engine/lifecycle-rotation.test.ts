import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/core/clock.ts';
import { Engine } from '../../src/engine.ts';
import { systemPrincipal, type CallContext } from '../../src/auth/principal.ts';
import type { AuditRecord } from '../../src/storage/records.ts';
import { openTestEngine, testBackend, type TestEngine } from '../test-backend.ts';
import { allAuditEntries, auditEntriesAfter, auditHeadSeq, root } from './helpers.ts';

const DAY = 86_400_000;
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

function scheduledRotations(entries: readonly AuditRecord[], keyId: string): AuditRecord[] {
  return entries.filter((e) => e.action === 'key.rotate' && e.keyId === keyId && e.actor === 'system:scheduler');
}

async function until(predicate: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`scheduled rotation on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  let dev: TestEngine;
  // A long job interval: these tests run the sweep themselves, so the job's own first pass is the only other one.
  before(async () => {
    dev = await openTestEngine({ clock, lifecycleIntervalMs: 3_600_000 });
  });
  after(() => dev.close());

  it('rotates a key once its period has passed, not before, and not again until the next period', async () => {
    const engine = dev.engine;
    const key = await engine.keys.create(root, { name: 'rot-monthly', spec: 'AES_256_GCM', rotationPeriodDays: 30 });
    await engine.keys.create(root, { name: 'rot-never', spec: 'AES_256_GCM' });

    clock.advance(29 * DAY);
    let report = await engine.lifecycle.rotateDueKeys();
    assert.deepEqual(report.rotated, [], 'not due after 29 days');
    assert.equal((await engine.keys.describe(root, 'rot-monthly')).currentVersion, 1);

    clock.advance(DAY);
    const seq = await auditHeadSeq(engine);
    report = await engine.lifecycle.rotateDueKeys();
    assert.deepEqual(report.rotated, ['rot-monthly'], 'due at exactly 30 days');
    const rotated = await engine.keys.describe(root, 'rot-monthly');
    assert.equal(rotated.currentVersion, 2);
    assert.equal(rotated.lastRotatedAt, clock.now().toISOString());
    assert.equal((await engine.keys.describe(root, 'rot-never')).currentVersion, 1, 'a key without a period is never rotated');

    const entries = scheduledRotations(await auditEntriesAfter(engine, seq), key.id);
    assert.equal(entries.length, 1);
    const entry = entries[0]!;
    assert.equal(entry.outcome, 'success');
    assert.equal(entry.source, 'scheduler');
    assert.equal(entry.keyVersion, 2);
    assert.equal(entry.details['trigger'], 'schedule');
    assert.equal(entry.details['rotationPeriodDays'], 30);
    assert.equal(entry.details['dueAt'], clock.now().toISOString());

    clock.advance(29 * DAY);
    report = await engine.lifecycle.rotateDueKeys();
    assert.deepEqual(report.rotated, [], 'the period restarts at the rotation');
    clock.advance(DAY);
    report = await engine.lifecycle.rotateDueKeys();
    assert.deepEqual(report.rotated, ['rot-monthly']);
    assert.equal((await engine.keys.describe(root, 'rot-monthly')).currentVersion, 3);
  });

  it('keeps decrypting ciphertexts of older versions after an automatic rotation', async () => {
    const engine = dev.engine;
    await engine.keys.create(root, { name: 'rot-decrypt', spec: 'AES_256_GCM', rotationPeriodDays: 7 });
    const old = await engine.crypto.encrypt(root, { key: 'rot-decrypt', plaintext: text('before rotation'), context: { tenant: 'acme' } });
    assert.equal(old.version, 1);
    clock.advance(7 * DAY);
    const report = await engine.lifecycle.rotateDueKeys();
    assert.ok(report.rotated.includes('rot-decrypt'));
    const fresh = await engine.crypto.encrypt(root, { key: 'rot-decrypt', plaintext: text('after rotation') });
    assert.equal(fresh.version, 2, 'new encryptions use the new version');
    const decrypted = await engine.crypto.decrypt(root, { ciphertext: old.ciphertext, context: { tenant: 'acme' } });
    assert.equal(decrypted.plaintext.toString(), 'before rotation');
    assert.equal(decrypted.version, 1);
  });

  it('refuses due keys it must not rotate, once per key revision, with the reason in the audit log', async () => {
    const engine = dev.engine;
    const retired = await engine.keys.create(root, { name: 'rot-retired', spec: 'AES_256_GCM', rotationPeriodDays: 1 });
    await engine.keys.changeState(root, 'rot-retired', 'deactivate');
    const imported = await engine.keys.import(root, { name: 'rot-byok', spec: 'AES_256_GCM', rotationPeriodDays: 1, material: randomBytes(32) });
    clock.advance(2 * DAY);
    const seq = await auditHeadSeq(engine);
    const first = await engine.lifecycle.rotateDueKeys();
    assert.ok(first.refused.includes('rot-retired') && first.refused.includes('rot-byok'), JSON.stringify(first));
    assert.ok(!first.rotated.includes('rot-retired') && !first.rotated.includes('rot-byok'));
    const entries = await auditEntriesAfter(engine, seq);
    const [stateRefusal] = scheduledRotations(entries, retired.id);
    assert.equal(stateRefusal?.outcome, 'denied');
    assert.equal(stateRefusal.errorCode, 'key_state_invalid');
    assert.equal(stateRefusal.details['trigger'], 'schedule');
    const [importRefusal] = scheduledRotations(entries, imported.id);
    assert.equal(importRefusal?.errorCode, 'validation_failed');

    const seq2 = await auditHeadSeq(engine);
    const second = await engine.lifecycle.rotateDueKeys();
    assert.ok(!second.refused.includes('rot-retired') && !second.refused.includes('rot-byok'), 'not refused again');
    assert.deepEqual(scheduledRotations(await auditEntriesAfter(engine, seq2), retired.id), []);
    assert.deepEqual(scheduledRotations(await auditEntriesAfter(engine, seq2), imported.id), []);
  });

  it('does not rotate a key held for deletion', async () => {
    const engine = dev.engine;
    await engine.keys.create(root, { name: 'rot-deleting', spec: 'AES_256_GCM', rotationPeriodDays: 1 });
    await engine.lifecycle.scheduleDeletion(root, 'rot-deleting', { waitingPeriodDays: 7 });
    clock.advance(2 * DAY);
    const report = await engine.lifecycle.rotateDueKeys();
    assert.ok(report.refused.includes('rot-deleting'));
    assert.equal((await engine.keys.describe(root, 'rot-deleting')).currentVersion, 1);
  });
});

describe(`the rotation job on ${testBackend.label}`, () => {
  it('runs by itself on the scheduler leader', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const dev = await openTestEngine({ clock, lifecycleIntervalMs: 20 });
    try {
      const engine = dev.engine;
      assert.equal(engine.isSchedulerLeader(), true);
      await engine.keys.create(root, { name: 'job-key', spec: 'AES_256_GCM', rotationPeriodDays: 10 });
      clock.advance(10 * DAY);
      await until(async () => (await engine.store.getKeyByName('job-key'))?.currentVersion === 2, 'the job to rotate the key');
    } finally {
      await dev.close();
    }
  });

  it('rotates a due key exactly once with two engines on one store: only the leader runs the job', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const first = await openTestEngine({ clock, lifecycleIntervalMs: 20 });
    let second: Engine | undefined;
    try {
      second = await Engine.open({ store: await first.storage.reopen(), clock, lifecycleIntervalMs: 20, checkpointFile: join(first.dir, 'second-checkpoints.jsonl') });
      const ctx: CallContext = { principal: systemPrincipal('test'), source: 'test' };
      await second.sys.unseal(ctx, first.share);
      assert.equal(first.engine.isSchedulerLeader(), true, 'the first engine leads');
      assert.equal(second.isSchedulerLeader(), false, 'the second one does not: one lease holder');

      const key = await first.engine.keys.create(root, { name: 'shared-key', spec: 'AES_256_GCM', rotationPeriodDays: 1 });
      clock.advance(DAY);
      await until(async () => (await first.engine.store.getKeyByName('shared-key'))?.currentVersion === 2, 'the leader to rotate the key');
      // Many more job intervals on both engines: nobody rotates it again.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await first.engine.store.getKeyByName('shared-key'))?.currentVersion, 2);
      const rotations = scheduledRotations(await allAuditEntries(first.engine), key.id);
      assert.equal(rotations.length, 1, JSON.stringify(rotations));
      assert.equal(rotations[0]?.outcome, 'success');
    } finally {
      await second?.close().catch(() => undefined);
      await first.close();
    }
  });

  it('rotates once when two sweeps overlap (a lease changing hands): the later one finds it done or loses the revision check', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const first = await openTestEngine({ clock, lifecycleIntervalMs: 3_600_000 });
    let second: Engine | undefined;
    try {
      second = await Engine.open({ store: await first.storage.reopen(), clock, lifecycleIntervalMs: 3_600_000, checkpointFile: null });
      await second.sys.unseal({ principal: systemPrincipal('test') }, first.share);
      const key = await first.engine.keys.create(root, { name: 'overlap-key', spec: 'AES_256_GCM', rotationPeriodDays: 1 });
      clock.advance(DAY);
      const [a, b] = await Promise.all([first.engine.lifecycle.rotateDueKeys(), second.lifecycle.rotateDueKeys()]);
      assert.equal(a.rotated.length + b.rotated.length, 1, `${JSON.stringify(a)} ${JSON.stringify(b)}`);
      assert.deepEqual([...a.failed, ...b.failed], []);
      assert.equal((await first.engine.store.getKey(key.id))?.currentVersion, 2);
      const successes = scheduledRotations(await allAuditEntries(first.engine), key.id).filter((e) => e.outcome === 'success');
      assert.equal(successes.length, 1);
    } finally {
      await second?.close().catch(() => undefined);
      await first.close();
    }
  });
});
