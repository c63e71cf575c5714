import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { parsePolicy } from '../../src/policy/parse-policy.ts';
import type { Policy } from '../../src/policy/policy-model.ts';
import { PolicyVersions } from '../../src/policy/policy-versions.ts';
import type { Store } from '../../src/storage/store.ts';
import { openTestStore, testBackend, type TestStore } from '../test-backend.ts';

function policyText(days: number): { text: string; policy: Policy } {
  const text = `version: 1\nmetadata: { name: nodes }\nrules:\n  rotation:\n    maxPeriodDays: [{ days: ${days} }]\n`;
  const parsed = parsePolicy(text);
  assert.ok(parsed.ok);
  return { text, policy: parsed.policy };
}

async function setPolicy(store: Store, versions: PolicyVersions, days: number): Promise<number> {
  const prepared = await versions.prepare({ ...policyText(days), author: 'test', comment: null, now: '2026-01-01T00:00:00.000Z' });
  await store.transaction((tx) => prepared.write(tx));
  return prepared.version.version;
}

describe(`policy versions shared by two nodes on ${testBackend.label}`, () => {
  let storage: TestStore;
  let other: Store;
  const clock = new ManualClock();
  before(async () => {
    storage = await openTestStore();
    other = await storage.reopen();
  });
  after(async () => {
    await storage.cleanup();
  });

  it('sees another node\'s new version once its cache TTL has passed, and its own at once', async () => {
    const nodeA = new PolicyVersions(storage.store, clock, 2000);
    const nodeB = new PolicyVersions(other, clock, 2000);
    assert.equal(await nodeB.current(), null);
    assert.equal(await setPolicy(storage.store, nodeA, 90), 1);
    nodeA.invalidate();
    assert.equal((await nodeA.current())?.version, 1, 'the writer invalidates its cache');
    assert.equal(await nodeB.current(), null, 'the other node still has its cached answer');
    clock.advance(2001);
    const seen = await nodeB.current();
    assert.equal(seen?.version, 1);
    assert.equal(seen?.policy.rotation?.limits[0]?.days, 90);
  });

  it('lets only one of two concurrent sets win; the other gets conflict', async () => {
    const nodeA = new PolicyVersions(storage.store, clock, 0);
    const nodeB = new PolicyVersions(other, clock, 0);
    const a = await nodeA.prepare({ ...policyText(30), author: 'a', comment: null, now: '2026-01-02T00:00:00.000Z' });
    const b = await nodeB.prepare({ ...policyText(60), author: 'b', comment: null, now: '2026-01-02T00:00:00.000Z' });
    assert.equal(a.version.version, b.version.version, 'both read the same head');
    await storage.store.transaction((tx) => a.write(tx));
    await assert.rejects(
      other.transaction((tx) => b.write(tx)),
      (err: unknown) => err instanceof KeywardError && err.code === 'conflict',
    );
    assert.equal((await nodeB.current())?.author, 'a');
    assert.deepEqual((await nodeB.list({ limit: 10 })).map((v) => [v.version, v.author]), [
      [1, 'test'],
      [2, 'a'],
    ]);
  });
});
