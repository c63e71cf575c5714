import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { DeliveryQueue } from '../../src/lifecycle/events/delivery-queue.ts';
import { CURSOR_ID, DELIVERY_KIND, WEBHOOK_KIND, type DeliveryData, type WebhookData, type WebhookDocument } from '../../src/lifecycle/events/webhook-records.ts';
import type { AuditDraft } from '../../src/storage/records.ts';
import { openTestStore, testBackend, type TestStore } from '../test-backend.ts';

function draft(action: string, keyName: string): AuditDraft {
  return { time: '2026-01-01T00:00:00.000Z', actor: 'user:test', action, keyId: null, keyVersion: null, outcome: 'success', errorCode: null, requestId: null, correlationId: null, source: null, details: { keyName } };
}

describe(`the webhook delivery queue on ${testBackend.label}`, () => {
  const clock = new ManualClock('2026-01-01T00:00:00.000Z');
  let storage: TestStore;
  let audit: AuditLog;
  let queue: DeliveryQueue;
  before(async () => {
    storage = await openTestStore();
    audit = new AuditLog({ store: storage.store, origin: await storage.store.instanceId(), clock });
    queue = new DeliveryQueue(storage.store, clock);
  });
  after(async () => {
    await audit.close();
    await storage.cleanup();
  });

  async function webhook(id: string, filter: Partial<Pick<WebhookData, 'types' | 'key'>> = {}): Promise<WebhookDocument> {
    const data: WebhookData = {
      url: 'https://hooks.example.com/',
      description: null,
      types: filter.types ?? null,
      key: filter.key ?? null,
      secret: 'unused',
      startSeq: (await storage.store.auditHead()).seq,
      createdAt: clock.now().toISOString(),
      createdBy: 'user:test',
    };
    return storage.store.transaction((tx) => tx.putDocument({ kind: WEBHOOK_KIND, id, data, updatedAt: data.createdAt }, null));
  }

  const pending = async (webhookId: string): Promise<DeliveryData[]> => (await queue.list(webhookId, { status: 'pending', limit: 100 })).deliveries.map((d) => d.data);

  it('reads nothing and writes nothing while there are no webhooks', async () => {
    await audit.record(draft('key.create', 'x'));
    assert.equal(await queue.enqueueFromAudit([]), false);
    assert.equal(await storage.store.getDocument(DELIVERY_KIND, CURSOR_ID), null);
  });

  it('files one pending delivery per event and matching webhook, after the webhook’s creation only, once', async () => {
    await audit.record(draft('key.create', 'early'));
    const all = await webhook('wh_aaaaaaaaaaaaaaaaaaaaaaa1');
    const pay = await webhook('wh_aaaaaaaaaaaaaaaaaaaaaaa2', { types: ['key.rotated'], key: 'pay-*' });
    await audit.record(draft('key.create', 'pay-1'));
    await audit.record(draft('crypto.encrypt', 'pay-1'));
    await audit.record(draft('key.rotate', 'pay-1'));
    await audit.record(draft('key.rotate', 'hr-1'));
    assert.equal(await queue.enqueueFromAudit([all, pay]), false);
    assert.deepEqual((await pending(all.id)).map((d) => [d.eventType, (JSON.parse(d.body) as { keyName: string }).keyName]), [['key.created', 'pay-1'], ['key.rotated', 'pay-1'], ['key.rotated', 'hr-1']]);
    assert.deepEqual((await pending(pay.id)).map((d) => [d.eventType, (JSON.parse(d.body) as { keyName: string }).keyName]), [['key.rotated', 'pay-1']]);
    const cursor = await storage.store.getDocument<{ afterSeq: number }>(DELIVERY_KIND, CURSOR_ID);
    assert.equal(cursor?.data.afterSeq, (await storage.store.auditHead()).seq);
    assert.equal(await queue.enqueueFromAudit([all, pay]), false);
    assert.equal((await pending(all.id)).length, 3, 'running again files nothing twice');
  });

  // SQLite has one node per database file: only PostgreSQL has two nodes that can race.
  it('lets only one of two racing enqueuers (two leaders, briefly) file the same entries', { skip: testBackend.name !== 'postgres' && 'one node per SQLite database' }, async () => {
    const hooks = await storage.store.listDocuments<WebhookData>(WEBHOOK_KIND, { limit: 10 });
    await audit.record(draft('key.create', 'race'));
    const other = new DeliveryQueue(await storage.reopen(), clock);
    const results = await Promise.allSettled([queue.enqueueFromAudit(hooks), other.enqueueFromAudit(hooks)]);
    const failures = results.filter((r) => r.status === 'rejected');
    for (const f of failures) assert.ok(f.reason instanceof KeywardError && f.reason.code === 'conflict', String(f.reason));
    const raced = (await pending('wh_aaaaaaaaaaaaaaaaaaaaaaa1')).filter((d) => (JSON.parse(d.body) as { keyName: string }).keyName === 'race');
    assert.equal(raced.length, 1);
  });

  it('hands out due deliveries by due time, reschedules failures, finishes, and prunes old finished ones', async () => {
    await audit.record(draft('key.create', 'more'));
    await queue.enqueueFromAudit(await storage.store.listDocuments<WebhookData>(WEBHOOK_KIND, { limit: 10 }));
    const due = await queue.due(100);
    const waiting = (await pending('wh_aaaaaaaaaaaaaaaaaaaaaaa1')).length + (await pending('wh_aaaaaaaaaaaaaaaaaaaaaaa2')).length;
    assert.ok(waiting >= 5);
    assert.equal(due.length, waiting, 'every pending delivery is due: all were filed now');
    const first = await queue.getDelivery(due[0]!.deliveryId);
    assert.ok(first);
    const attempt = { at: clock.now().toISOString(), durationMs: 3, statusCode: 500, error: 'HTTP 500' };
    assert.equal(await queue.recordAttempt(first, attempt, { ok: false, retryInMs: 10_000 }), true);
    assert.equal(await queue.recordAttempt(first, attempt, { ok: false, retryInMs: 10_000 }), false, 'a stale copy is refused');
    assert.equal((await queue.due(100)).some((d) => d.deliveryId === first.id), false, 'not due before its retry time');
    clock.advance(10_000);
    const again = await queue.due(100);
    assert.equal(again[again.length - 1]?.deliveryId, first.id, 'the retried one is due last: its due time is the latest');
    const retried = await queue.getDelivery(first.id);
    assert.ok(retried);
    assert.equal(await queue.recordAttempt(retried, { ...attempt, statusCode: 204, error: null }, { ok: true, retryInMs: null }), true);
    const done = await queue.getDelivery(first.id);
    assert.deepEqual([done?.data.status, done?.data.attempts.length, done?.data.queueId], ['delivered', 2, null]);
    assert.equal((await queue.due(100)).some((d) => d.deliveryId === first.id), false);

    assert.equal(await queue.prune(clock.now().getTime() - 1000, 100), 0, 'finished just now: kept');
    clock.advance(60_000);
    assert.equal(await queue.prune(clock.now().getTime() - 1000, 100), 1);
    assert.equal(await queue.getDelivery(first.id), null);
  });
});
