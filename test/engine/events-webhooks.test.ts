import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/core/clock.ts';
import { Engine } from '../../src/engine.ts';
import type { CreateWebhookInput, DeliveryView, WebhookView } from '../../src/engine/events-service.ts';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, RETRY_JITTER } from '../../src/lifecycle/events/retry-schedule.ts';
import { parseWebhookSecret } from '../../src/lifecycle/events/webhook-secret.ts';
import { verifyWebhookSignature } from '../../src/lifecycle/events/webhook-signature.ts';
import { testBackend } from '../test-backend.ts';
import { openDevEngine, rejectsWith, root, rootPrincipal, type DevEngine } from './helpers.ts';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on 127.0.0.1:<random port> that answers with the statuses it is given, then 200. */
class Receiver {
  readonly received: Received[] = [];
  readonly #server: Server;
  #script: number[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = receiver.#script.shift() ?? 200;
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/keyward`;
  }

  /** Answer the next requests with these statuses. */
  answer(...statuses: number[]): void {
    this.#script.push(...statuses);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The longest a retry can wait after `attempts` failures (its delay plus the jitter). */
const maxDelay = (attempts: number): number => Math.ceil((RETRY_DELAYS_MS[attempts - 1] as number) * (1 + RETRY_JITTER)) + 1;

async function deliveries(engine: Engine, webhookId: string, status?: DeliveryView['status']): Promise<DeliveryView[]> {
  return (await engine.events.listDeliveries(root, webhookId, status ? { status } : {})).deliveries;
}

describe('webhooks', () => {
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  let dev: DevEngine;
  let engine: Engine;
  let receiver: Receiver;
  before(async () => {
    dev = await openDevEngine({ clock, allowInsecureWebhooks: true, eventPollIntervalMs: 20 });
    engine = dev.engine;
    receiver = await Receiver.start();
  });
  after(async () => {
    await dev.close();
    await receiver.close();
  });

  /** A webhook that is deleted when the test ends, pass or fail, so it cannot receive the next test's events. */
  async function createWebhook(t: TestContext, input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const created = await engine.events.createWebhook(root, input);
    t.after(() => engine.events.deleteWebhook(root, created.webhook.id).then(() => undefined, () => undefined));
    return created;
  }

  it('delivers a signed event, retries a receiver that answers 500 twice with backoff, and logs every attempt', async (t) => {
    const { webhook, secret } = await createWebhook(t, { url: receiver.url, types: ['key.created'], description: 'ops' });
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    receiver.answer(500, 500);
    const key = await engine.keys.create(root, { name: 'billing', spec: 'AES_256_GCM' });
    await waitFor(() => receiver.received.length === 1, 'the first attempt');

    const first = receiver.received[0] as Received;
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['keyward-event-type'], 'key.created');
    assert.equal(first.headers['keyward-delivery-attempt'], '1');
    assert.ok(verifyWebhookSignature(secret, first.headers['keyward-signature'] as string, first.body, 300, clock.now()), 'signed with the secret shown at creation');
    assert.ok(!verifyWebhookSignature(secret, first.headers['keyward-signature'] as string, first.body.replace('billing', 'billinG'), 300, clock.now()), 'a changed body fails');
    const event = JSON.parse(first.body) as { id: string; type: string; seq: number; keyId: string; keyName: string; version: number };
    assert.deepEqual([event.type, event.keyId, event.keyName, event.version, event.id], ['key.created', key.id, 'billing', 1, `evt_${event.seq}`]);
    assert.equal(first.headers['keyward-event-id'], event.id);

    // Not due yet: nothing is sent however long real time passes.
    await waitFor(async () => (await deliveries(engine, webhook.id))[0]?.attempts.length === 1, 'the first attempt to be recorded');
    const [pending] = await deliveries(engine, webhook.id);
    assert.equal(pending?.status, 'pending');
    const wait = Date.parse(pending?.nextAttemptAt ?? '') - clock.now().getTime();
    assert.ok(wait >= RETRY_DELAYS_MS[0]! * (1 - RETRY_JITTER) && wait <= maxDelay(1), `first retry after ${wait} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(receiver.received.length, 1);

    clock.advance(maxDelay(1));
    await waitFor(() => receiver.received.length === 2, 'the second attempt');
    await waitFor(async () => (await deliveries(engine, webhook.id))[0]?.attempts.length === 2, 'the second attempt to be recorded');
    clock.advance(maxDelay(2));
    await waitFor(async () => (await deliveries(engine, webhook.id))[0]?.status === 'delivered', 'the delivery to succeed');

    assert.equal(receiver.received.length, 3);
    for (const [i, r] of receiver.received.entries()) {
      assert.equal(r.headers['keyward-event-id'], event.id, 'every attempt carries the same event id');
      assert.equal(r.headers['keyward-delivery-attempt'], String(i + 1));
      assert.equal(r.body, first.body, 'and the same body');
      assert.ok(verifyWebhookSignature(secret, r.headers['keyward-signature'] as string, r.body, 300, clock.now()));
    }
    const [log] = await deliveries(engine, webhook.id);
    assert.deepEqual(log?.attempts.map((a) => [a.statusCode, a.error]), [[500, 'HTTP 500'], [500, 'HTTP 500'], [200, null]]);
    assert.ok(log?.attempts.every((a) => a.durationMs >= 0));
    assert.deepEqual([log?.eventType, log?.seq, log?.nextAttemptAt, log?.finishedAt], ['key.created', event.seq, null, clock.now().toISOString()]);
  });

  it('marks a delivery failed after the last attempt, and keeps it in the log', async (t) => {
    receiver.received.length = 0;
    const { webhook } = await createWebhook(t, { url: receiver.url, key: 'doomed' });
    receiver.answer(...Array.from({ length: MAX_ATTEMPTS }, () => 503));
    await engine.keys.create(root, { name: 'doomed', spec: 'HMAC_SHA256' });
    for (let attempts = 1; attempts <= MAX_ATTEMPTS; attempts++) {
      await waitFor(async () => (await deliveries(engine, webhook.id))[0]?.attempts.length === attempts, `attempt ${attempts} to be recorded`);
      if (attempts < MAX_ATTEMPTS) clock.advance(maxDelay(attempts));
    }
    const [failed] = await deliveries(engine, webhook.id, 'failed');
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.attempts.length, MAX_ATTEMPTS);
    assert.equal(failed?.nextAttemptAt, null);
    assert.deepEqual(await deliveries(engine, webhook.id, 'pending'), []);
    clock.advance(24 * 3600_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(receiver.received.length, MAX_ATTEMPTS, 'no attempt after the last');
  });

  it('sends only the events a webhook asks for, and only those after its creation', async (t) => {
    await engine.keys.create(root, { name: 'pay-early', spec: 'AES_256_GCM' });
    receiver.received.length = 0;
    const { webhook } = await createWebhook(t, { url: receiver.url, types: ['key.state-changed', 'key.rotated'], key: 'pay-*' });
    await engine.keys.rotate(root, 'pay-early');
    await engine.keys.create(root, { name: 'pay-late', spec: 'AES_256_GCM' });
    await engine.keys.changeState(root, 'pay-late', 'suspend');
    await engine.keys.create(root, { name: 'hr', spec: 'AES_256_GCM' });
    await engine.keys.changeState(root, 'hr', 'suspend');
    await waitFor(async () => (await deliveries(engine, webhook.id, 'delivered')).length === 2, 'two deliveries');
    await new Promise((r) => setTimeout(r, 100));
    const got = receiver.received.map((r) => JSON.parse(r.body) as { type: string; keyName: string; action: string });
    assert.deepEqual(got.map((e) => [e.type, e.keyName, e.action]).sort(), [['key.rotated', 'pay-early', 'key.rotate'], ['key.state-changed', 'pay-late', 'key.suspend']]);
  });

  it('cancels the pending deliveries of a deleted webhook and sends it nothing more', async (t) => {
    receiver.received.length = 0;
    const { webhook } = await createWebhook(t, { url: receiver.url, key: 'gone-*' });
    receiver.answer(500);
    await engine.keys.create(root, { name: 'gone-1', spec: 'AES_256_GCM' });
    await waitFor(async () => (await deliveries(engine, webhook.id))[0]?.attempts.length === 1, 'the failed first attempt');
    const id = (await deliveries(engine, webhook.id))[0]?.id as string;
    await engine.events.deleteWebhook(root, webhook.id);
    await rejectsWith(engine.events.describeWebhook(root, webhook.id), 'not_found');
    clock.advance(maxDelay(1));
    await engine.keys.create(root, { name: 'gone-2', spec: 'AES_256_GCM' });
    await waitFor(async () => (await engine.store.getDocument<{ status: string }>('webhook-delivery', `d.${id}`))?.data.status === 'cancelled', 'the delivery to be cancelled');
    assert.equal(receiver.received.length, 1);
  });

  it('pings a webhook on request, signed, and records the ping in its delivery log', async (t) => {
    receiver.received.length = 0;
    const { webhook, secret } = await createWebhook(t, { url: receiver.url });
    const ping = await engine.events.testWebhook(root, webhook.id);
    assert.deepEqual([ping.status, ping.eventType, ping.seq, ping.attempts[0]?.statusCode], ['delivered', 'webhook.ping', null, 200]);
    const [got] = receiver.received;
    assert.equal(got?.headers['keyward-event-type'], 'webhook.ping');
    assert.ok(verifyWebhookSignature(secret, got?.headers['keyward-signature'] as string, got?.body ?? '', 300, clock.now()));
    receiver.answer(404);
    const refused = await engine.events.testWebhook(root, webhook.id);
    assert.deepEqual([refused.status, refused.attempts[0]?.statusCode, refused.attempts[0]?.error], ['failed', 404, 'HTTP 404']);
    const log = await deliveries(engine, webhook.id);
    assert.deepEqual(log.map((d) => d.id).sort(), [ping.id, refused.id].sort());
  });

  it('keeps the signing secret only wrapped: it is nowhere in the database', async (t) => {
    const { webhook, secret } = await createWebhook(t, { url: receiver.url });
    await engine.flushAudit();
    const stored = await dev.storage.storedContents();
    const bytes = parseWebhookSecret(secret);
    for (const form of [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
      assert.equal(stored.includes(Buffer.from(form)), false, 'the secret (in any encoding) is not stored');
    }
    assert.ok(stored.includes(Buffer.from(webhook.id)));
    const listed = await engine.events.listWebhooks(root);
    assert.ok(!JSON.stringify(listed).includes(secret.slice(6)));
  });

  it('refuses URLs that are not https, or plain http beyond loopback, and callers without webhook permissions', async () => {
    for (const url of ['http://example.com/hook', 'http://10.0.0.5/hook', 'ftp://127.0.0.1/hook', 'https://user:pw@example.com/hook', 'not a url']) {
      await rejectsWith(engine.events.createWebhook(root, { url }), 'validation_failed', url);
    }
    await rejectsWith(engine.events.createWebhook(root, { url: 'https://example.com/hook', types: ['key.exploded'] }), 'validation_failed');
    const user = { principal: { type: 'token' as const, actor: 'token:test', permissions: ['key.*', 'events.subscribe'] } };
    await rejectsWith(engine.events.createWebhook(user, { url: 'https://example.com/hook' }), 'permission_denied');
    await rejectsWith(engine.events.listWebhooks(user), 'permission_denied');
  });
});

describe('webhooks without allowInsecureWebhooks', () => {
  let dev: DevEngine;
  before(async () => {
    dev = await openDevEngine();
  });
  after(async () => {
    await dev.close();
  });

  it('refuses plain http even to loopback', async () => {
    const err = await rejectsWith(dev.engine.events.createWebhook(root, { url: 'http://127.0.0.1:9/hook' }), 'validation_failed');
    assert.match(err.message, /https/);
    const created = await dev.engine.events.createWebhook(root, { url: 'https://hooks.example.com/keyward' });
    assert.equal(created.webhook.url, 'https://hooks.example.com/keyward');
  });
});

// Nodes share a database only on PostgreSQL (SQLite is one node per database file).
describe('events committed through another node', { skip: testBackend.name !== 'postgres' && 'one node per SQLite database' }, () => {
  let dev: DevEngine;
  let follower: Engine;
  let receiver: Receiver;
  before(async () => {
    dev = await openDevEngine({ allowInsecureWebhooks: true, eventPollIntervalMs: 20, nodeId: 'leader' });
    follower = await Engine.open({ store: await dev.storage.reopen(), checkpointFile: null, allowInsecureWebhooks: true, eventPollIntervalMs: 20, nodeId: 'follower' });
    await follower.sys.unseal({ principal: rootPrincipal }, dev.share);
    receiver = await Receiver.start();
  });
  after(async () => {
    await follower.close();
    await dev.close();
    await receiver.close();
  });

  it('are delivered by the leader’s dispatcher and streamed by the leader’s subscribers', async () => {
    assert.equal(dev.engine.isSchedulerLeader(), true);
    assert.equal(follower.isSchedulerLeader(), false);
    const { webhook, secret } = await follower.events.createWebhook(root, { url: receiver.url });
    const stream = await dev.engine.events.subscribe(root, { types: ['key.created'] });
    try {
      const key = await follower.keys.create(root, { name: 'via-follower', spec: 'AES_256_GCM' });
      const streamed = await stream.next(5000);
      assert.equal(typeof streamed === 'object' ? streamed.keyId : streamed, key.id);
      await waitFor(() => receiver.received.length === 1, 'the delivery');
      const got = receiver.received[0] as Received;
      assert.equal((JSON.parse(got.body) as { keyId: string }).keyId, key.id);
      assert.ok(verifyWebhookSignature(secret, got.headers['keyward-signature'] as string, got.body));
      await waitFor(async () => (await deliveries(follower, webhook.id, 'delivered')).length === 1, 'the delivery to be recorded');
    } finally {
      stream.close();
    }
  });
});
