import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rotationImpact } from '../../src/lifecycle/rotation/impact.ts';
import type { AuditRecord } from '../../src/storage/records.ts';

const KEY = 'key_000000000000000000000001';
let seq = 0;

/** One scripted audit entry about KEY. */
function entry(time: string, actor: string, action: string, keyVersion: number | null, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq: ++seq,
    chainHash: '00',
    time,
    actor,
    action,
    keyId: KEY,
    keyVersion,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: null,
    details: {},
    ...extra,
  };
}

/**
 * v1 created Jan 1, v2 on Feb 1, v3 on Mar 1. Who keeps using what:
 * - app-billing decrypts v1 data until Mar 20 (47 days after v2 superseded v1): stale.
 * - app-reports decrypts v2 data on Mar 3 (2 days after v3): not stale yet.
 * - app-edge encrypts with v1 on Feb 1, 30 s after the rotation (a node with stale metadata): not stale.
 * - app-new only uses the current version: not listed.
 * - app-legacy is refused v1 after the minimum version was raised: listed with `refused`.
 * - everything before a version was superseded does not count.
 */
const history: AuditRecord[] = [
  entry('2026-01-01T00:00:00.000Z', 'user:alice', 'key.create', 1),
  entry('2026-01-10T00:00:00.000Z', 'app-billing', 'crypto.encrypt', 1),
  entry('2026-01-20T00:00:00.000Z', 'app-billing', 'crypto.decrypt', 1),
  entry('2026-02-01T00:00:00.000Z', 'system:scheduler', 'key.rotate', 2),
  entry('2026-02-01T00:00:30.000Z', 'app-edge', 'crypto.encrypt', 1),
  entry('2026-02-02T00:00:00.000Z', 'app-billing', 'crypto.decrypt', 1),
  entry('2026-02-03T00:00:00.000Z', 'app-new', 'crypto.encrypt', 2),
  entry('2026-02-10T00:00:00.000Z', 'app-reports', 'crypto.decrypt', 2),
  entry('2026-03-01T00:00:00.000Z', 'user:alice', 'key.rotate', 3),
  entry('2026-03-03T00:00:00.000Z', 'app-reports', 'crypto.decrypt', 2),
  entry('2026-03-05T00:00:00.000Z', 'app-new', 'crypto.decrypt', 3),
  entry('2026-03-10T00:00:00.000Z', 'app-billing', 'crypto.decrypt', 1, { outcome: 'failure', errorCode: 'decryption_failed' }),
  entry('2026-03-20T00:00:00.000Z', 'app-billing', 'crypto.decrypt', 1),
  entry('2026-03-21T00:00:00.000Z', 'user:alice', 'key.set-min-decryption-version', 3),
  entry('2026-03-22T00:00:00.000Z', 'app-legacy', 'crypto.decrypt', 1, { outcome: 'denied', errorCode: 'key_version_disabled' }),
  entry('2026-03-23T00:00:00.000Z', 'app-other', 'crypto.decrypt', 1, { keyId: 'key_000000000000000000000002' }),
];

describe('rotation impact over a scripted audit history', () => {
  const now = new Date('2026-03-25T00:00:00.000Z');
  const impact = rotationImpact({ keyId: KEY, entries: history, now });

  it('names the principals still on superseded versions, stale ones first', () => {
    assert.deepEqual(impact.principals.map((p) => [p.actor, p.stale]), [
      ['app-billing', true],
      ['app-legacy', false],
      ['app-reports', false],
      ['app-edge', false],
    ]);
    assert.deepEqual(impact.summary, { principals: 4, stale: 1, refused: 1 });
    assert.equal(impact.staleAfterDays, 7);
    assert.equal(impact.currentVersion, 3);
  });

  it('gives each one its last use, count and versions, counting only uses after the superseding rotation', () => {
    const billing = impact.principals.find((p) => p.actor === 'app-billing');
    assert.deepEqual(billing?.process, { count: 2, firstAt: '2026-02-02T00:00:00.000Z', lastAt: '2026-03-20T00:00:00.000Z', versions: [1], maxDaysAfterRotation: 47 });
    assert.equal(billing.protect, null, 'its encryption with v1 came before the rotation');
    assert.equal(billing.lastAt, '2026-03-20T00:00:00.000Z');

    const reports = impact.principals.find((p) => p.actor === 'app-reports');
    assert.deepEqual(reports?.process, { count: 1, firstAt: '2026-03-03T00:00:00.000Z', lastAt: '2026-03-03T00:00:00.000Z', versions: [2], maxDaysAfterRotation: 2 });

    const edge = impact.principals.find((p) => p.actor === 'app-edge');
    assert.deepEqual(edge?.protect?.versions, [1]);
    assert.equal(edge.protect.maxDaysAfterRotation, 0);
    assert.equal(edge.process, null);

    const legacy = impact.principals.find((p) => p.actor === 'app-legacy');
    assert.deepEqual({ count: legacy?.refused?.count, lastAt: legacy?.refused?.lastAt }, { count: 1, lastAt: '2026-03-22T00:00:00.000Z' });
    assert.equal(legacy?.stale, false, 'a refused attempt did not use the old version');
    assert.ok(!impact.principals.some((p) => p.actor === 'app-new' || p.actor === 'app-other'));
  });

  it('reports each version with its rotation and its use after it, learned from the log alone', () => {
    assert.deepEqual(impact.versions, [
      { version: 1, createdAt: '2026-01-01T00:00:00.000Z', supersededAt: '2026-02-01T00:00:00.000Z', usesAfterRotation: 3, lastUsedAfterRotation: '2026-03-20T00:00:00.000Z' },
      { version: 2, createdAt: '2026-02-01T00:00:00.000Z', supersededAt: '2026-03-01T00:00:00.000Z', usesAfterRotation: 1, lastUsedAfterRotation: '2026-03-03T00:00:00.000Z' },
      { version: 3, createdAt: '2026-03-01T00:00:00.000Z', supersededAt: null, usesAfterRotation: 0, lastUsedAfterRotation: null },
    ]);
    assert.equal(impact.entriesScanned, history.length - 1, 'the other key\'s entry is not read');
  });

  it('moves the stale line with staleAfterDays', () => {
    const strict = rotationImpact({ keyId: KEY, entries: history, now, staleAfterDays: 1 });
    assert.deepEqual(strict.principals.filter((p) => p.stale).map((p) => p.actor).sort(), ['app-billing', 'app-reports']);
    const lax = rotationImpact({ keyId: KEY, entries: history, now, staleAfterDays: 60 });
    assert.equal(lax.summary.stale, 0);
  });

  it('uses version times given by the store when the log does not hold the rotations', () => {
    const usesOnly = history.filter((e) => !e.action.startsWith('key.'));
    const withVersions = rotationImpact({
      keyId: KEY,
      entries: usesOnly,
      now,
      versions: [
        { version: 1, createdAt: '2026-01-01T00:00:00.000Z' },
        { version: 2, createdAt: '2026-02-01T00:00:00.000Z' },
        { version: 3, createdAt: '2026-03-01T00:00:00.000Z' },
      ],
    });
    assert.deepEqual(withVersions.principals, impact.principals);
    const blind = rotationImpact({ keyId: KEY, entries: usesOnly, now });
    assert.deepEqual(blind.principals, [], 'without rotation times nothing can be called superseded');
  });

  it('counts the source versions of a rewrap batch as uses of those versions', () => {
    const rewrap = entry('2026-03-24T00:00:00.000Z', 'svc:rewrapper', 'key.rewrap', 3, { details: { sourceVersions: { '1': '40', '2': '2' } } });
    const result = rotationImpact({ keyId: KEY, entries: [...history, rewrap], now });
    const rewrapper = result.principals.find((p) => p.actor === 'svc:rewrapper');
    assert.deepEqual(rewrapper?.process?.versions, [1, 2]);
  });
});
