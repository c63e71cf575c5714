import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { SseParser, type SseMessage } from '../../src/cli/event-stream.ts';
import { assertError, listeningUrl, spawnCli, TestServer, waitFor } from './server-harness.ts';

interface EventData {
  id: string;
  type: string;
  seq: number;
  action: string;
  keyName: string | null;
  version: number | null;
  details: Record<string, unknown>;
}

/**
 * An open event stream, read as a browser's EventSource would parse it. node:http on a connection
 * of its own (not fetch): cancelling a fetch body mid-stream makes undici open a spare connection
 * that holds up the server's shutdown until its keep-alive timeout.
 */
class StreamReader {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly #request: ClientRequest;
  readonly #parser = new SseParser();
  readonly #messages: SseMessage[] = [];
  readonly #waiters = new Set<() => void>();
  /** Every byte of text received, comments included. */
  text = '';
  ended = false;

  constructor(request: ClientRequest, response: IncomingMessage) {
    this.#request = request;
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.text += chunk;
      this.#messages.push(...this.#parser.push(chunk));
      this.#wake();
    });
    const end = (): void => {
      this.ended = true;
      this.#wake();
    };
    response.on('end', end).on('close', end).on('error', end);
  }

  /** The next `n` messages (events), failing after `ms`. */
  async take(n: number, ms = 5000): Promise<SseMessage[]> {
    await this.#until(() => this.#messages.length >= n || this.ended, ms);
    if (this.#messages.length < n) throw new Error(`expected ${n} events, got ${this.#messages.length}; stream so far:\n${this.text}`);
    return this.#messages.splice(0, n);
  }

  /** Resolves once the server has ended the stream. */
  async end(ms = 5000): Promise<void> {
    await this.#until(() => this.ended, ms);
    if (!this.ended) throw new Error('the stream did not end');
  }

  async close(): Promise<void> {
    this.#request.destroy();
    await this.#until(() => this.ended, 1000);
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async #until(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, deadline - Date.now());
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(finish);
      });
    }
  }
}

async function openStream(url: string, token: string, options: { query?: string; headers?: Record<string, string> } = {}): Promise<StreamReader> {
  const request = httpRequest(`${url}/v1/events${options.query ?? ''}`, { agent: false, headers: { authorization: `Bearer ${token}`, ...options.headers } });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const stream = new StreamReader(request, response);
  if (stream.status !== 200) {
    await stream.end();
    assert.fail(`GET /v1/events: ${stream.status} ${stream.text}`);
  }
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  return stream;
}

const data = (m: SseMessage): EventData => JSON.parse(m.data) as EventData;

describe('GET /v1/events (Server-Sent Events)', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    root = server.rootToken as string;
  });
  after(async () => {
    await server.close();
  });

  const post = async (path: string, body: unknown, status = 200): Promise<void> => {
    const r = await server.request('POST', path, { body });
    assert.equal(r.status, status, r.text);
  };

  it('streams key created, rotated and state-changed events in order, and resumes exactly after Last-Event-ID', async () => {
    const stream = await openStream(server.url, root);
    let first: SseMessage;
    try {
      await post('/v1/keys', { name: 'billing', spec: 'AES_256_GCM' }, 201);
      await post('/v1/crypto/encrypt', { key: 'billing', plaintext: Buffer.from('not an event').toString('base64') });
      await post('/v1/keys/billing/rotate', {});
      await post('/v1/keys/billing/state', { action: 'suspend', reason: 'maintenance' });
      const messages = await stream.take(3);
      assert.deepEqual(messages.map((m) => m.event), ['key.created', 'key.rotated', 'key.state-changed']);
      const events = messages.map(data);
      assert.deepEqual(events.map((e) => e.keyName), ['billing', 'billing', 'billing']);
      assert.deepEqual(events.map((e) => e.version), [1, 2, 2]);
      for (const [i, m] of messages.entries()) {
        assert.equal(m.id, String(events[i]!.seq), 'the SSE id is the event seq');
        assert.equal(events[i]!.id, `evt_${events[i]!.seq}`);
      }
      assert.ok(events[0]!.seq < events[1]!.seq && events[1]!.seq < events[2]!.seq);
      assert.equal(events[1]!.seq - events[0]!.seq, 2, 'the encrypt entry in between is not an event');
      assert.deepEqual([events[2]!.action, events[2]!.details['from'], events[2]!.details['to'], events[2]!.details['reason']], ['key.suspend', 'active', 'suspended', 'maintenance']);
      first = messages[0]!;
    } finally {
      await stream.close();
    }

    // The reconnection EventSource makes: the last id seen, in Last-Event-ID.
    const resumed = await openStream(server.url, root, { headers: { 'last-event-id': first.id ?? '' } });
    try {
      const replayed = await resumed.take(2);
      assert.deepEqual(replayed.map((m) => m.event), ['key.rotated', 'key.state-changed']);
      await post('/v1/keys/billing/state', { action: 'resume' });
      const [live] = await resumed.take(1);
      assert.equal(live!.event, 'key.state-changed');
      assert.deepEqual([data(live!).details['from'], data(live!).details['to']], ['suspended', 'active']);
      assert.ok(Number(live!.id) > Number(replayed[1]!.id));
    } finally {
      await resumed.close();
    }

    // ?after= does the same for clients that cannot set the header; the header wins over it.
    const byQuery = await openStream(server.url, root, { query: `?after=${first.id}&types=key.state-changed` });
    try {
      const [m] = await byQuery.take(1);
      assert.equal(data(m!).details['to'], 'suspended');
    } finally {
      await byQuery.close();
    }
  });

  it('filters by event type and key name glob', async () => {
    const stream = await openStream(server.url, root, { query: '?types=key.created,key.destroyed&key=team-*' });
    try {
      await post('/v1/keys', { name: 'other', spec: 'AES_256_GCM' }, 201);
      await post('/v1/keys', { name: 'team-a', spec: 'AES_256_GCM' }, 201);
      await post('/v1/keys/team-a/rotate', {});
      await post('/v1/keys', { name: 'team-b', spec: 'HMAC_SHA256' }, 201);
      const messages = await stream.take(2);
      assert.deepEqual(messages.map((m) => [m.event, data(m).keyName]), [['key.created', 'team-a'], ['key.created', 'team-b']]);
    } finally {
      await stream.close();
    }
  });

  it('refuses a token without events.subscribe (403), and shows a key-scoped subscriber only the events of its keys', async () => {
    const noGrant = await server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['key.*', 'crypto.*'] } });
    assert.equal(noGrant.status, 201, noGrant.text);
    assertError(await server.request('GET', '/v1/events', { token: noGrant.body.token }), 403, 'permission_denied');

    const scoped = await server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['events.subscribe@pay-*'] } });
    assert.equal(scoped.status, 201, scoped.text);
    const stream = await openStream(server.url, scoped.body.token);
    try {
      await post('/v1/keys', { name: 'pay-1', spec: 'AES_256_GCM' }, 201);
      await post('/v1/keys', { name: 'hr-1', spec: 'AES_256_GCM' }, 201);
      await post('/v1/keys/hr-1/rotate', {});
      await post('/v1/keys/pay-1/rotate', {});
      const messages = await stream.take(2);
      assert.deepEqual(messages.map((m) => [m.event, data(m).keyName]), [['key.created', 'pay-1'], ['key.rotated', 'pay-1']]);
      assert.ok(!stream.text.includes('hr-1'), 'nothing about a key outside the grant reaches the stream');
    } finally {
      await stream.close();
    }
  });

  it('refuses a malformed Last-Event-ID, a resume point beyond the newest entry, and an unknown event type', async () => {
    assertError(await server.request('GET', '/v1/events', { headers: { 'last-event-id': 'abc' } }), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/events?after=99999999'), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/events?types=key.exploded'), 400, 'validation_failed');
  });

  it('audits each subscription as events.subscribe', async () => {
    const stream = await openStream(server.url, root, { query: '?key=billing' });
    await stream.close();
    const audit = await server.request<{ entries: { action: string; details: Record<string, unknown> }[] }>('GET', '/v1/audit?action=events.subscribe&order=desc&limit=1');
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.body.entries[0]?.details['key'], 'billing');
  });
});

describe('event streams and shutdown', () => {
  it('closing the server ends open streams instead of waiting for them', async () => {
    const server = await TestServer.start();
    let stream: StreamReader | undefined;
    try {
      await server.initAndUnseal();
      stream = await openStream(server.url, server.rootToken as string);
      await stream.take(0);
      const started = Date.now();
      await server.app.close();
      assert.ok(Date.now() - started < 10_000, `app.close took ${Date.now() - started} ms`);
      await stream.end();
      assert.equal(server.engine.events.streamCount, 0);
    } finally {
      await stream?.close();
      await server.close();
    }
  });

  it('a server with an open stream exits 0 on SIGTERM, promptly', async () => {
    const cli = spawnCli(['server', '--dev', '--port', '0', '--log-level', 'warn']);
    try {
      const url = await listeningUrl(cli);
      const token = /Root token:\s+(\S+)/.exec(cli.stdout())?.[1] ?? '';
      const stream = await openStream(url, token);
      await stream.take(0);
      const killedAt = Date.now();
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
      assert.ok(Date.now() - killedAt < 15_000, `exited ${Date.now() - killedAt} ms after SIGTERM`);
      await stream.end();
    } finally {
      cli.kill();
    }
    await waitFor(() => cli.child.exitCode !== null || cli.child.signalCode !== null, 'the server process to be gone');
  });
});
