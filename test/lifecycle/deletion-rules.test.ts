import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeywardError } from '../../src/core/errors.ts';
import { parseRetainUntil, requireRetentionOver, retentionHold } from '../../src/lifecycle/deletion/retention.ts';
import { resolveWaitingPeriod, waitingPeriodRange } from '../../src/lifecycle/deletion/waiting-period.ts';
import type { KeyRecord } from '../../src/storage/records.ts';

function key(tags: Record<string, string> = {}): KeyRecord {
  return {
    id: 'key_000000000000000000000001', name: 'k', spec: 'AES_256_GCM', usage: 'ENCRYPT_DECRYPT', state: 'deactivated', origin: 'generated',
    owner: null, purpose: null, environment: null, tier: null, tags, description: null, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'root:test',
    updatedAt: '2026-01-01T00:00:00.000Z', stateChangedAt: '2026-01-01T00:00:00.000Z', currentVersion: 1, minDecryptionVersion: 1, rotationPeriodDays: null,
    lastRotatedAt: null, compromisedAt: null, destroyedAt: null, revision: 1,
  };
}

describe('the retain-until tag', () => {
  it('keeps a key through the whole UTC day of a date, or until an exact time', () => {
    assert.equal(parseRetainUntil('2030-06-30')?.toISOString(), '2030-07-01T00:00:00.000Z');
    assert.equal(parseRetainUntil('2030-06-30T10:00:00+02:00')?.toISOString(), '2030-06-30T08:00:00.000Z');
    assert.equal(parseRetainUntil(' 2030-12-31 ')?.toISOString(), '2031-01-01T00:00:00.000Z');
  });

  it('is not a date when it is anything else', () => {
    for (const bad of ['2030-02-30', '2030-13-01', 'tomorrow', '30/06/2030', '', '2030-06-30T10:00', '1e12']) assert.equal(parseRetainUntil(bad), null, bad);
  });
});

describe('retention holds', () => {
  const now = new Date('2026-05-01T00:00:00.000Z');

  it('holds until the later of the tag and the policy', async () => {
    assert.equal(await retentionHold(key(), now), null);
    assert.equal(await retentionHold(key({ 'retain-until': '2026-04-01' }), now), null, 'a past date holds nothing');
    const byTag = await retentionHold(key({ 'retain-until': '2026-06-01' }), now, { retentionEnd: () => new Date('2026-05-15T00:00:00Z') });
    assert.deepEqual({ until: byTag?.until, source: byTag?.source }, { until: '2026-06-02T00:00:00.000Z', source: 'tag' });
    const byPolicy = await retentionHold(key({ 'retain-until': '2026-06-01' }), now, { retentionEnd: async () => new Date('2027-01-01T00:00:00Z') });
    assert.deepEqual({ until: byPolicy?.until, source: byPolicy?.source }, { until: '2027-01-01T00:00:00.000Z', source: 'policy' });
  });

  it('fails closed on a malformed tag, and when the policy cannot be read', async () => {
    const hold = await retentionHold(key({ 'retain-until': 'soon' }), now);
    assert.equal(hold?.until, null);
    assert.match(hold?.reason ?? '', /not a date/);
    await assert.rejects(requireRetentionOver(key(), now, { retentionEnd: () => Promise.reject(new Error('policy store down')) }), /policy store down/);
  });

  it('refuses destruction with retention_active naming the end', async () => {
    await assert.rejects(requireRetentionOver(key({ 'retain-until': '2026-05-01' }), now), (err: unknown) => {
      assert.ok(err instanceof KeywardError);
      assert.equal(err.code, 'retention_active');
      assert.equal(err.details['retainedUntil'], '2026-05-02T00:00:00.000Z');
      return true;
    });
    await requireRetentionOver(key({ 'retain-until': '2026-04-30' }), now);
  });
});

describe('the deletion waiting period', () => {
  it('is 7 to 30 days, 30 by default', () => {
    const range = waitingPeriodRange(null);
    assert.equal(resolveWaitingPeriod(undefined, range), 30);
    assert.equal(resolveWaitingPeriod(7, range), 7);
    for (const bad of [6, 31, 7.5, Number.NaN]) assert.throws(() => resolveWaitingPeriod(bad, range), /7 to 30/);
  });

  it('can be narrowed by a policy, never widened', () => {
    const narrowed = waitingPeriodRange({ minDays: 14, maxDays: 90, defaultDays: 21 });
    assert.deepEqual(narrowed, { minDays: 14, maxDays: 30, defaultDays: 21 });
    assert.equal(resolveWaitingPeriod(undefined, narrowed), 21);
    assert.throws(() => resolveWaitingPeriod(10, narrowed), /14 to 30/);
    assert.equal(resolveWaitingPeriod(undefined, waitingPeriodRange({ minDays: 7, maxDays: 10 })), 10, 'the default is clamped into the range');
    assert.throws(() => waitingPeriodRange({ minDays: 1, maxDays: 3 }), /leaves nothing/);
  });
});
