import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InventoryItem, ItemDraft } from '../../src/inventory/inventory-item.ts';
import { effectiveLastSeen, type StoredItem } from '../../src/inventory/inventory-records.ts';
import { reconcile, type ReconcileInput } from '../../src/inventory/reconcile.ts';

const SOURCE = 'aws-kms:111122223333/eu-west-1';

/** Runs reconcile and applies its writes to `stored`, as the store would (revisions bumped). */
function run(stored: StoredItem[], found: ItemDraft[], options: Partial<Pick<ReconcileInput, 'mode' | 'now' | 'previousFullRunAt' | 'protect'>> = {}) {
  let n = stored.length;
  const result = reconcile({
    source: SOURCE,
    provider: 'aws-kms',
    existing: stored,
    found,
    mode: options.mode ?? 'full',
    now: options.now ?? '2026-02-01T00:00:00.000Z',
    previousFullRunAt: options.previousFullRunAt ?? null,
    ...(options.protect ? { protect: options.protect } : {}),
    newId: () => `inv_${++n}`,
  });
  const next = new Map(stored.map((s) => [s.item.id, s]));
  for (const w of result.writes) {
    const current = next.get(w.item.id);
    assert.equal(current?.revision ?? null, w.expectedRevision, `write of ${w.item.name} names the revision it read`);
    next.set(w.item.id, { item: w.item, revision: (current?.revision ?? 0) + 1 });
  }
  return { result, stored: [...next.values()] };
}

const byName = (stored: StoredItem[], name: string): InventoryItem => {
  const s = stored.find((x) => x.item.name === name);
  assert.ok(s, `item ${name}`);
  return s.item;
};

describe('inventory reconciliation', () => {
  const first: ItemDraft[] = [
    { name: 'billing', externalId: 'arn:key/1', type: 'symmetric', state: 'enabled', owner: 'alice' },
    { name: 'signing', externalId: 'arn:key/2', type: 'asymmetric', state: 'enabled' },
    { name: 'sheet-only', type: 'password' },
  ];

  it('adds what it finds the first time, with first- and last-seen times', () => {
    const { result, stored } = run([], first, { now: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual(result.stats, { found: 3, added: 3, updated: 0, unchanged: 0, gone: 0, returned: 0 });
    const billing = byName(stored, 'billing');
    assert.equal(billing.firstSeenAt, '2026-01-01T00:00:00.000Z');
    assert.equal(billing.source, SOURCE);
    assert.equal(billing.gone, false);
    assert.equal(byName(stored, 'sheet-only').state, 'unknown');
  });

  it('matches found items by external id (even renamed) and by name, without duplicating', () => {
    const { stored } = run([], first, { now: '2026-01-01T00:00:00.000Z' });
    const { result, stored: after } = run(
      stored,
      [
        { name: 'billing-renamed', externalId: 'arn:key/1', type: 'symmetric', state: 'disabled' },
        { name: 'signing', externalId: 'arn:key/2', type: 'asymmetric', state: 'enabled' },
        { name: 'sheet-only', type: 'password' },
      ],
      { previousFullRunAt: '2026-01-01T00:00:00.000Z' },
    );
    assert.deepEqual(result.stats, { found: 3, added: 0, updated: 1, unchanged: 2, gone: 0, returned: 0 });
    assert.equal(after.length, 3);
    const renamed = byName(after, 'billing-renamed');
    assert.equal(renamed.id, byName(stored, 'billing').id);
    assert.equal(renamed.state, 'disabled');
    assert.equal(renamed.owner, 'alice', 'an unknown fact keeps its stored value');
    assert.equal(result.writes.length, 1, 'a full run does not rewrite unchanged items');
  });

  it('marks items a full run no longer finds as gone, keeps them, and un-gones them when they return', () => {
    const { stored } = run([], first, { now: '2026-01-01T00:00:00.000Z' });
    const second = run(stored, [first[0] as ItemDraft], { now: '2026-02-01T00:00:00.000Z', previousFullRunAt: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual(second.result.stats, { found: 1, added: 0, updated: 0, unchanged: 1, gone: 2, returned: 0 });
    const signing = byName(second.stored, 'signing');
    assert.equal(signing.gone, true);
    assert.equal(signing.goneAt, '2026-02-01T00:00:00.000Z');
    assert.equal(signing.lastSeenAt, '2026-01-01T00:00:00.000Z');
    assert.equal(second.stored.length, 3, 'gone items are not deleted');

    const third = run(second.stored, first, { now: '2026-03-01T00:00:00.000Z', previousFullRunAt: '2026-02-01T00:00:00.000Z' });
    assert.deepEqual(third.result.stats, { found: 3, added: 0, updated: 2, unchanged: 1, gone: 0, returned: 2 });
    const back = byName(third.stored, 'signing');
    assert.equal(back.gone, false);
    assert.equal(back.goneAt, null);
    assert.equal(back.lastSeenAt, '2026-03-01T00:00:00.000Z');
    assert.equal(back.id, signing.id);
  });

  it('a gone item keeps the last time a full run saw it, even if it was not rewritten then', () => {
    const { stored } = run([], first, { now: '2026-01-01T00:00:00.000Z' });
    const second = run(stored, first, { now: '2026-02-01T00:00:00.000Z', previousFullRunAt: '2026-01-01T00:00:00.000Z' });
    assert.equal(second.result.writes.length, 0);
    assert.equal(effectiveLastSeen(byName(second.stored, 'billing'), '2026-02-01T00:00:00.000Z').lastSeenAt, '2026-02-01T00:00:00.000Z');
    const third = run(second.stored, [], { now: '2026-03-01T00:00:00.000Z', previousFullRunAt: '2026-02-01T00:00:00.000Z' });
    assert.equal(byName(third.stored, 'billing').lastSeenAt, '2026-02-01T00:00:00.000Z');
  });

  it('a partial run adds and updates but marks nothing gone, and records what it saw', () => {
    const { stored } = run([], first, { now: '2026-01-01T00:00:00.000Z' });
    const { result, stored: after } = run(stored, [{ name: 'sheet-only', type: 'password' }, { name: 'new-one', type: 'secret' }], { mode: 'partial' });
    assert.deepEqual(result.stats, { found: 2, added: 1, updated: 0, unchanged: 1, gone: 0, returned: 0 });
    assert.equal(byName(after, 'sheet-only').lastSeenAt, '2026-02-01T00:00:00.000Z');
    assert.equal(byName(after, 'signing').gone, false);
  });

  it('a row that gains an external id stays the same item', () => {
    const { stored } = run([], [{ name: 'sheet-only', type: 'password' }]);
    const { result, stored: after } = run(stored, [{ name: 'sheet-only', type: 'password', externalId: 'vault:kv/app' }]);
    assert.equal(result.stats.added, 0);
    assert.equal(byName(after, 'sheet-only').externalId, 'vault:kv/app');
  });

  it('does not call an item gone when a rejected row still names it, and marks nothing gone when a rejected row names nothing', () => {
    const { stored } = run([], first);
    const named = run(stored, [first[0] as ItemDraft], { protect: [{ name: 'signing', externalId: null }] });
    assert.equal(byName(named.stored, 'signing').gone, false);
    assert.equal(byName(named.stored, 'sheet-only').gone, true);
    const anonymous = run(stored, [first[0] as ItemDraft], { protect: [{ name: null, externalId: null }] });
    assert.equal(anonymous.result.stats.gone, 0);
    assert.match(anonymous.result.goneSkipped ?? '', /1 rejected row/);
  });

  it('orders updates before inserts, so a lookup freed by an update can be taken in the same run', () => {
    const { stored } = run([], [{ name: 'k', type: 'secret' }]);
    const { result } = run(stored, [
      { name: 'k', type: 'secret', externalId: 'id-1' },
      { name: 'k', type: 'secret' },
    ]);
    assert.deepEqual(result.writes.map((w) => w.expectedRevision), [1, null]);
  });
});
