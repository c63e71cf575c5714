import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLogDigest } from '../../src/assess/audit-log-digest.ts';
import type { AuditDetailValue, AuditRecord } from '../../src/storage/records.ts';
import { daysAgo, hoursAgo, NOW } from './fixtures.ts';

let seq = 0;
function entry(action: string, over: Partial<AuditRecord> & { details?: Record<string, AuditDetailValue> } = {}): AuditRecord {
  seq++;
  return {
    seq,
    chainHash: 'h',
    time: daysAgo(1),
    actor: 'token:app',
    action,
    keyId: 'key_a',
    keyVersion: 1,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: '10.0.0.1',
    details: {},
    ...over,
  };
}

function digestOf(entries: AuditRecord[]): AuditLogDigest {
  const d = new AuditLogDigest({ now: NOW, dailyDays: 21, hourlyDays: 7 });
  for (const e of entries) d.add(e);
  return d;
}

describe('AuditLogDigest', () => {
  it('counts successful uses per key, version and actor, and tells protecting from processing', () => {
    seq = 0;
    const d = digestOf([
      entry('key.create', { time: daysAgo(30), actor: 'root:admin', details: { state: 'active' } }),
      entry('crypto.encrypt', { time: daysAgo(3) }),
      entry('crypto.decrypt', { time: daysAgo(2), actor: 'token:reader', source: '10.0.0.2' }),
      entry('crypto.decrypt', { time: daysAgo(2), outcome: 'denied', errorCode: 'permission_denied' }),
      entry('crypto.sign', { keyId: 'key_b', time: daysAgo(1) }),
    ]);
    const u = d.usage();
    assert.deepEqual(u.keys.map((k) => k.keyId), ['key_a', 'key_b']);
    const a = u.keys[0]!;
    assert.equal(a.uses, 2);
    assert.equal(a.lastProtectSeq, 2);
    assert.equal(a.lastUsedSeq, 3);
    assert.deepEqual(a.principals.map((p) => [p.actor, p.uses]), [['token:app', 1], ['token:reader', 1]]);
    assert.deepEqual(a.sources.map((s) => s.source), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(a.versions, [{ version: 1, uses: 2, lastUsedAt: daysAgo(2), lastUsedSeq: 3, lastProtectAt: daysAgo(3), lastProtectSeq: 2 }]);
    assert.equal(u.keys[1]?.lastProtectAt, daysAgo(1), 'sign protects');
    assert.equal(u.fromSeq, 1);
    assert.equal(u.toSeq, 5);
  });

  it('counts a re-encryption as processing its source and protecting its destination', () => {
    seq = 0;
    const d = digestOf([entry('crypto.re-encrypt', { keyVersion: 1, details: { destinationKeyId: 'key_b', destinationVersion: 3 } })]);
    const [a, b] = d.usage().keys;
    assert.equal(a?.lastProtectAt, null);
    assert.equal(b?.versions[0]?.version, 3);
    assert.equal(b?.lastProtectSeq, 1);
  });

  it('replays key states from the log and records uses outside the active state', () => {
    seq = 0;
    const d = digestOf([
      entry('key.create', { time: daysAgo(30), details: { state: 'active' } }),
      entry('crypto.encrypt', { time: daysAgo(20) }),
      entry('key.compromise', { time: daysAgo(10), details: { from: 'active', to: 'compromised' } }),
      entry('crypto.decrypt', { time: daysAgo(5) }),
      entry('crypto.decrypt', { keyId: 'key_unknown', time: daysAgo(5) }),
    ]);
    const [a, unknown] = d.usage().keys;
    assert.deepEqual(a?.inactiveStateUses.map((s) => [s.seq, s.state, s.kind]), [[4, 'compromised', 'process']]);
    assert.equal(a?.inactiveStateUseCount, 1);
    assert.equal(unknown?.inactiveStateUseCount, 0, 'no state is invented for a key whose creation the log does not show');
  });

  it('keeps per-day volumes and hourly decryption failures only for the recent window', () => {
    seq = 0;
    const d = digestOf([
      entry('crypto.encrypt', { time: daysAgo(40) }),
      entry('crypto.encrypt', { time: daysAgo(2) }),
      entry('crypto.decrypt', { time: daysAgo(2) }),
      entry('crypto.decrypt', { time: daysAgo(20), outcome: 'failure', errorCode: 'decryption_failed' }),
      entry('crypto.decrypt', { time: hoursAgo(2), outcome: 'failure', errorCode: 'decryption_failed' }),
      entry('crypto.decrypt', { time: hoursAgo(2), outcome: 'failure', errorCode: 'ciphertext_invalid' }),
      entry('crypto.decrypt', { time: hoursAgo(2), outcome: 'denied', errorCode: 'key_state_invalid' }),
    ]);
    const a = d.usage().keys[0]!;
    assert.deepEqual(a.daily, [{ day: daysAgo(2).slice(0, 10), actor: 'token:app', protect: 1, process: 1, lastSeq: 3 }]);
    assert.deepEqual(a.decryptFailures, [{ hour: hoursAgo(2).slice(0, 13), count: 2, firstSeq: 5, lastSeq: 6 }]);
    assert.equal(a.uses, 3, 'failures are not uses');
  });

  it('collects sensitive operations with their approval and the destruction of each key', () => {
    seq = 0;
    const d = digestOf([
      entry('key.import', { actor: 'root:admin', details: { state: 'active' } }),
      entry('key.destroy', { actor: 'user:alice', details: { approvalId: 'ap_1', from: 'deactivated', to: 'destroyed' } }),
      entry('key.destroy', { keyId: 'key_b', actor: 'user:bob', outcome: 'denied' }),
      entry('key.rotate', { actor: 'root:admin' }),
    ]);
    assert.deepEqual(d.sensitiveOperations().map((o) => [o.action, o.actor, o.approvalId]), [['key.import', 'root:admin', null], ['key.destroy', 'user:alice', 'ap_1']]);
    assert.deepEqual([...d.destructions().values()], [{ keyId: 'key_a', seq: 2, time: daysAgo(1), actor: 'user:alice', approvalId: 'ap_1' }]);
  });
});
