import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../src/cli/event-stream.ts';
import { CliTestServer, startKeyward, unusedPort } from './cli-harness.ts';

interface WebhookJson {
  id: string;
  url: string;
  secret?: string;
  types: string[] | null;
}

describe('keyward webhook', () => {
  let cli: CliTestServer;
  let url: string;
  before(async () => {
    cli = await CliTestServer.start();
    // https to a port nothing listens on: accepted at creation, refused when contacted.
    url = `https://127.0.0.1:${await unusedPort()}/hooks/keyward`;
  });
  after(async () => {
    await cli.close();
  });

  it('creates a webhook and shows its secret once, lists it without the secret, tests it, shows the log, and deletes it', async () => {
    const created = await cli.run(['webhook', 'create', url, '--type', 'key.*', '--key', 'billing-*', '--description', 'ci']);
    assert.equal(created.code, 0, created.stderr);
    const secret = /^Secret:\s+(whsec_\S+)$/m.exec(created.stdout)?.[1] ?? '';
    const id = /^Id:\s+(wh_[0-9a-f]{24})$/m.exec(created.stdout)?.[1] ?? '';
    assert.ok(secret && id, created.stdout);
    assert.match(created.stdout, /shown only this once/);
    assert.match(created.stdout, /^Types:\s+key\.\*$/m);

    const listed = await cli.run(['webhook', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+URL\s+TYPES\s+KEY\s+CREATED\s+DESCRIPTION$/m);
    assert.match(listed.stdout, new RegExp(`^${id}\\s+${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+key\\.\\*\\s+billing-\\*\\s+\\S+\\s+ci$`, 'm'));
    assert.ok(!listed.stdout.includes(secret.slice(6)), 'a list never shows the secret');
    const json = JSON.parse((await cli.run(['webhook', 'list', '--json'])).stdout) as { webhooks: WebhookJson[] };
    assert.deepEqual(json.webhooks.map((w) => [w.id, w.types, w.secret]), [[id, ['key.*'], undefined]]);

    const tested = await cli.run(['webhook', 'test', id]);
    assert.equal(tested.code, 1, 'a failed ping exits 1');
    assert.match(tested.stdout, /^Result:\s+failed$/m);
    assert.match(tested.stdout, /^Error:\s+request failed: .*ECONNREFUSED/m);

    const log = await cli.run(['webhook', 'deliveries', id]);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /^DELIVERY\s+EVENT\s+SEQ\s+STATUS\s+ATTEMPTS\s+LAST ANSWER\s+NEXT ATTEMPT$/m);
    assert.match(log.stdout, new RegExp(`^${id}\\.ping-[0-9a-f]{24}\\s+webhook\\.ping\\s+-\\s+failed\\s+1\\s+request failed`, 'm'));
    const failed = JSON.parse((await cli.run(['webhook', 'deliveries', id, '--status', 'failed', '--json'])).stdout) as {
      deliveries: { attempts: { statusCode: number | null }[]; event: { type: string; webhookId: string; seq: null } }[];
    };
    assert.deepEqual(failed.deliveries.map((d) => d.attempts.map((a) => a.statusCode)), [[null]]);
    assert.deepEqual(failed.deliveries.map((d) => [d.event.type, d.event.webhookId, d.event.seq]), [['webhook.ping', id, null]]);
    assert.equal(JSON.parse((await cli.run(['webhook', 'deliveries', id, '--status', 'delivered', '--json'])).stdout).deliveries.length, 0);

    const deleted = await cli.run(['webhook', 'delete', id]);
    assert.equal(deleted.stdout, `Deleted webhook ${id} (${url}).\n`, deleted.stderr);
    assert.equal((await cli.run(['webhook', 'list'])).stdout, 'No webhooks.\n');
    const again = await cli.run(['webhook', 'delete', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^keyward: not_found: /);
  });

  it('refuses plain http beyond loopback (server side), and malformed ids and statuses (usage)', async () => {
    const insecure = await cli.run(['webhook', 'create', 'http://hooks.example.com/keyward']);
    assert.equal(insecure.code, 1);
    assert.match(insecure.stderr, /^keyward: validation_failed: url must be https:\/\//);
    assert.equal((await cli.run(['webhook', 'delete', 'nope'])).code, 2);
    assert.equal((await cli.run(['webhook', 'deliveries', 'wh_0123456789abcdef01234567', '--status', 'lost'])).code, 2);
    assert.equal((await cli.run(['webhook', 'create', url, '--type', 'key.exploded'])).code, 1);
  });
});

describe('keyward events', () => {
  let cli: CliTestServer;
  before(async () => {
    cli = await CliTestServer.start();
  });
  after(async () => {
    await cli.close();
  });

  const head = async (): Promise<number> => (await cli.server.request<{ head: number }>('GET', '/v1/audit?order=desc&limit=1')).body.head;

  it('prints events as they happen (JSON Lines with --json), starting after --after, and exits after --count', async () => {
    const after = await head();
    const follow = startKeyward(['events', '--json', '--after', String(after), '--count', '3'], { env: cli.env() });
    try {
      assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name: 'billing', spec: 'AES_256_GCM' } })).status, 201);
      assert.equal((await cli.server.request('POST', '/v1/keys/billing/rotate', { body: {} })).status, 200);
      assert.equal((await cli.server.request('POST', '/v1/keys/billing/state', { body: { action: 'deactivate' } })).status, 200);
      assert.equal(await follow.exited, 0, follow.stderr());
    } finally {
      follow.kill();
    }
    const events = follow.stdout().trim().split('\n').map((line) => JSON.parse(line) as { type: string; seq: number; keyName: string });
    assert.deepEqual(events.map((e) => [e.type, e.keyName]), [['key.created', 'billing'], ['key.rotated', 'billing'], ['key.state-changed', 'billing']]);
    assert.ok(events.every((e) => e.seq > after));

    // One line per event for people; a later start replays the same events.
    const replay = startKeyward(['events', '--after', String(after), '--count', '2', '--type', 'key.state-changed', '--type', 'key.rotated'], { env: cli.env() });
    try {
      assert.equal(await replay.exited, 0, replay.stderr());
    } finally {
      replay.kill();
    }
    const lines = replay.stdout().trim().split('\n');
    assert.equal(lines.length, 2, replay.stdout());
    assert.match(lines[0] ?? '', /^\S+Z {2}\d+ {2}key\.rotated {2}billing v2 {2}root:\S+ {2}v1 -> v2$/);
    assert.match(lines[1] ?? '', /^\S+Z {2}\d+ {2}key\.state-changed {2}billing v2 {2}root:\S+ {2}active -> deactivated$/);
  });

  it('exits 4 for a token without events.subscribe', async () => {
    const token = await cli.server.request<{ token: string }>('POST', '/v1/tokens', { body: { permissions: ['key.*'] } });
    const refused = startKeyward(['events'], { env: cli.env(token.body.token) });
    assert.equal(await refused.exited, 4);
    assert.match(refused.stderr(), /^keyward: permission_denied: /);
  });
});

describe('the CLI’s event stream parser', () => {
  it('follows the text/event-stream rules: fields, comments, multi-line data, any line ending, chunks split anywhere', () => {
    const parser = new SseParser();
    const stream = 'retry: 2000\r\n: a comment\r\n\r\nid: 5\nevent: key.created\ndata: {"a":\ndata: 1}\n\n: keep-alive\n\nid: 6\revent: key.rotated\rdata:x\r\r';
    const messages = [];
    for (let i = 0; i < stream.length; i += 7) messages.push(...parser.push(stream.slice(i, i + 7)));
    assert.deepEqual(messages, [
      { id: '5', event: 'key.created', data: '{"a":\n1}' },
      { id: '6', event: 'key.rotated', data: 'x' },
    ]);
  });
});
