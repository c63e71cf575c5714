import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import type { CallContext } from '../../src/auth/principal.ts';
import { testBackend } from '../test-backend.ts';
import { auditEntriesAfter, auditHeadSeq, rejectsWith, root, useDevEngine } from './helpers.ts';

const DAY = 86_400_000;
const app = (name: string): CallContext => ({ principal: { type: 'token', actor: `token:${name}`, permissions: ['*'] } });

describe(`rotation impact on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  const engine = useDevEngine({ clock, lifecycleIntervalMs: 3_600_000 });

  it('names who still uses the old version after a rotation, from real operations', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'impact-key', spec: 'AES_256_GCM' });
    const orders = await e.crypto.encrypt(app('orders'), { key: 'impact-key', plaintext: Buffer.from('o') });
    const invoices = await e.crypto.encrypt(app('invoices'), { key: 'impact-key', plaintext: Buffer.from('i'), context: { tenant: 'a' } });
    clock.advance(DAY);
    await e.keys.rotate(root, 'impact-key');
    const rotatedAt = clock.now().toISOString();

    clock.advance(2 * DAY);
    await e.crypto.decrypt(app('invoices'), { ciphertext: invoices.ciphertext, context: { tenant: 'a' } });
    clock.advance(8 * DAY);
    await e.crypto.decrypt(app('orders'), { ciphertext: orders.ciphertext });
    const ordersLast = clock.now().toISOString();
    await e.crypto.encrypt(app('fresh'), { key: 'impact-key', plaintext: Buffer.from('f') });

    const seq = await auditHeadSeq(e);
    const impact = await e.lifecycle.rotationImpact(root, 'impact-key');
    assert.equal(impact.keyName, 'impact-key');
    assert.equal(impact.currentVersion, 2);
    assert.equal(impact.versions[0]?.supersededAt, rotatedAt);
    assert.deepEqual(impact.principals.map((p) => [p.actor, p.stale]), [
      ['token:orders', true],
      ['token:invoices', false],
    ]);
    const orders2 = impact.principals[0]!;
    assert.equal(orders2.lastAt, ordersLast);
    assert.deepEqual(orders2.process?.versions, [1]);
    assert.equal(orders2.process?.maxDaysAfterRotation, 10);

    const [audited] = (await auditEntriesAfter(e, seq)).filter((x) => x.action === 'key.rotation-impact');
    assert.equal(audited?.outcome, 'success');
    assert.equal(audited.details['principals'], 2);
    assert.equal(audited.details['stale'], 1);

    const lax = await e.lifecycle.rotationImpact(root, 'impact-key', { staleAfterDays: 30 });
    assert.equal(lax.summary.stale, 0);
    const recent = await e.lifecycle.rotationImpact(root, 'impact-key', { since: new Date(clock.now().getTime() - DAY).toISOString() });
    assert.deepEqual(recent.principals.map((p) => p.actor), ['token:orders'], 'only entries since then');
  });

  it('reports nothing for a key never rotated, and checks its options', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'impact-new', spec: 'AES_256_GCM' });
    const impact = await e.lifecycle.rotationImpact(root, 'impact-new');
    assert.deepEqual(impact.principals, []);
    assert.equal(impact.entriesScanned, 0);
    await rejectsWith(e.lifecycle.rotationImpact(root, 'impact-new', { staleAfterDays: -1 }), 'validation_failed');
    await rejectsWith(e.lifecycle.rotationImpact(root, 'impact-new', { since: 'yesterday' }), 'validation_failed');
    await rejectsWith(e.lifecycle.rotationImpact(root, 'no-such-key'), 'key_not_found');
  });
});
