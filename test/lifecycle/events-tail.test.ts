import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { systemClock } from '../../src/core/clock.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { EventTail, type EventSubscription } from '../../src/lifecycle/events/event-tail.ts';
import type { KeyEvent } from '../../src/lifecycle/events/key-event.ts';
import type { AuditDraft } from '../../src/storage/records.ts';
import { openTestStore, testBackend, type TestStore } from '../test-backend.ts';

function draft(action: string, keyName: string): AuditDraft {
  return {
    time: new Date().toISOString(),
    actor: 'user:test',
    action,
    keyId: null,
    keyVersion: null,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: null,
    details: { keyName },
  };
}

/** The next `n` events of a subscription (failing on `idle` or `closed` first). */
async function take(sub: EventSubscription, n: number): Promise<KeyEvent[]> {
  const out: KeyEvent[] = [];
  while (out.length < n) {
    const next = await sub.next(5000);
    if (typeof next === 'string') throw new Error(`got ${next} after ${out.length} of ${n} events`);
    out.push(next);
  }
  return out;
}

describe(`the event tail on ${testBackend.label}`, () => {
  let storage: TestStore;
  let audit: AuditLog;
  let tail: EventTail;
  before(async () => {
    storage = await openTestStore();
    audit = new AuditLog({ store: storage.store, origin: await storage.store.instanceId(), clock: systemClock });
    // A tiny buffer, so subscribers fall behind it and must read the store.
    tail = new EventTail({ store: storage.store, onCommit: (listener) => audit.subscribe(listener), pollIntervalMs: 20, bufferSize: 2 });
  });
  after(async () => {
    tail.closeAll();
    await audit.close();
    await storage.cleanup();
  });

  it('gives a subscriber the events committed after it opened, in order, and nothing else', async () => {
    await audit.record(draft('key.create', 'before'));
    const sub = await tail.open(null, () => true);
    try {
      await audit.record(draft('key.create', 'a'));
      await audit.record(draft('crypto.encrypt', 'a'));
      await audit.record(draft('key.rotate', 'a'));
      const events = await take(sub, 2);
      assert.deepEqual(events.map((e) => [e.type, e.keyName]), [['key.created', 'a'], ['key.rotated', 'a']]);
      assert.equal(events[1]!.seq, events[0]!.seq + 2);
      assert.equal(await sub.next(50), 'idle');
    } finally {
      sub.close();
    }
  });

  it('replays from an old sequence number through the store, then goes live, each event exactly once', async () => {
    const start = (await storage.store.auditHead()).seq;
    for (let i = 0; i < 6; i++) await audit.record(draft('key.create', `r${i}`));
    const sub = await tail.open(start, () => true);
    try {
      const replayed = await take(sub, 6);
      assert.deepEqual(replayed.map((e) => e.keyName), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      await audit.record(draft('key.create', 'live'));
      assert.deepEqual((await take(sub, 1)).map((e) => e.keyName), ['live']);
      assert.equal(await sub.next(50), 'idle');
    } finally {
      sub.close();
    }
  });

  it('sees entries another node committed (no commit notification) by polling the head', async () => {
    const other = await storage.reopen();
    const otherAudit = new AuditLog({ store: other, origin: await other.instanceId(), clock: systemClock });
    const sub = await tail.open(null, () => true);
    try {
      await otherAudit.record(draft('key.suspend', 'remote'));
      assert.deepEqual((await take(sub, 1)).map((e) => [e.action, e.keyName]), [['key.suspend', 'remote']]);
    } finally {
      sub.close();
      await otherAudit.close();
    }
  });

  it('passes events through the acceptor, and ends a waiting next when closed', async () => {
    const sub = await tail.open(null, async (e) => e.keyName === 'mine');
    await audit.record(draft('key.create', 'theirs'));
    await audit.record(draft('key.create', 'mine'));
    assert.deepEqual((await take(sub, 1)).map((e) => e.keyName), ['mine']);
    const waiting = sub.next(10_000);
    sub.close();
    assert.equal(await waiting, 'closed');
    assert.equal(await sub.next(10), 'closed');
    assert.equal(tail.subscriberCount, 0);
  });

  it('refuses to resume after a sequence number the log has not reached', async () => {
    const head = (await storage.store.auditHead()).seq;
    await assert.rejects(tail.open(head + 10, () => true), (e: unknown) => e instanceof KeywardError && e.code === 'validation_failed');
    assert.equal(tail.subscriberCount, 0);
  });
});
