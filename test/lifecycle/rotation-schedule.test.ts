import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rotationBlocker, rotationDue, rotationDueAt } from '../../src/lifecycle/rotation/rotation-schedule.ts';
import type { KeyRecord } from '../../src/storage/records.ts';

function key(patch: Partial<KeyRecord>): KeyRecord {
  return {
    id: 'key_000000000000000000000001', name: 'k', spec: 'AES_256_GCM', usage: 'ENCRYPT_DECRYPT', state: 'active', origin: 'generated',
    owner: null, purpose: null, environment: null, tier: null, tags: {}, description: null, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'root:test',
    updatedAt: '2026-01-01T00:00:00.000Z', stateChangedAt: '2026-01-01T00:00:00.000Z', currentVersion: 1, minDecryptionVersion: 1, rotationPeriodDays: 90,
    lastRotatedAt: null, compromisedAt: null, destroyedAt: null, revision: 1, ...patch,
  };
}

describe('rotation schedules', () => {
  it('are due a period after creation, then a period after the last rotation', () => {
    assert.equal(rotationDueAt(key({}))?.toISOString(), '2026-04-01T00:00:00.000Z');
    assert.equal(rotationDueAt(key({ lastRotatedAt: '2026-03-15T12:00:00.000Z' }))?.toISOString(), '2026-06-13T12:00:00.000Z');
    assert.equal(rotationDue(key({}), new Date('2026-03-31T23:59:59.999Z')), false);
    assert.equal(rotationDue(key({}), new Date('2026-04-01T00:00:00.000Z')), true);
  });

  it('do not exist without a period, or for destroyed keys', () => {
    assert.equal(rotationDueAt(key({ rotationPeriodDays: null })), null);
    assert.equal(rotationDueAt(key({ state: 'destroyed' })), null);
  });

  it('are left to people for keys that cannot rotate or hold imported material', () => {
    assert.equal(rotationBlocker(key({})), null);
    assert.equal(rotationBlocker(key({ state: 'suspended' })), null, 'a suspended key still rotates');
    for (const state of ['pre-activation', 'deactivated', 'compromised'] as const) assert.equal(rotationBlocker(key({ state }))?.code, 'key_state_invalid', state);
    assert.equal(rotationBlocker(key({ origin: 'imported' }))?.code, 'validation_failed');
  });
});
