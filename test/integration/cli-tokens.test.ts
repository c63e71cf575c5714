import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CliTestServer } from './cli-harness.ts';

interface TokenJson {
  token?: string;
  accessor: string;
  permissions: string[];
  renewable: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  description: string | null;
}

describe('keyward token', () => {
  let cli: CliTestServer;
  before(async () => {
    cli = await CliTestServer.start();
    assert.equal((await cli.server.request('POST', '/v1/keys', { body: { name: 'billing', spec: 'AES_256_GCM' } })).status, 201);
  });
  after(async () => {
    await cli.close();
  });

  it('creates a token that works within its permissions, and stops working once revoked (exit 4)', async () => {
    const created = await cli.run(['token', 'create', '--permission', 'crypto.*@billing', '--ttl', '30m', '--description', 'billing app']);
    assert.equal(created.code, 0, created.stderr);
    const token = /^Token:\s+(kwt_\S+)$/m.exec(created.stdout)?.[1] ?? '';
    const accessor = /^Accessor:\s+([0-9a-f]{24})$/m.exec(created.stdout)?.[1] ?? '';
    assert.ok(token && accessor, created.stdout);
    assert.match(created.stdout, /shown only this once/);
    assert.equal(created.stderr, '');

    const used = await cli.run(['encrypt', 'billing', '--text', 'hi'], { env: { KEYWARD_TOKEN: token } });
    assert.equal(used.code, 0, used.stderr);
    const denied = await cli.run(['key', 'list'], { env: { KEYWARD_TOKEN: token } });
    assert.equal(denied.code, 4);
    assert.match(denied.stderr, /^keyward: permission_denied: /);

    const self = JSON.parse((await cli.run(['token', 'lookup', '--json'], { env: { KEYWARD_TOKEN: token } })).stdout) as TokenJson;
    assert.deepEqual([self.accessor, self.permissions, self.description, self.token], [accessor, ['crypto.*@billing'], 'billing app', undefined]);
    const expiresIn = Date.parse(self.expiresAt ?? '') - Date.now();
    assert.ok(expiresIn > 29 * 60_000 && expiresIn <= 30 * 60_000, 'a 30 minute TTL');

    const listed = await cli.run(['token', 'list']);
    assert.match(listed.stdout, /^ACCESSOR\s+TYPE\s+EXPIRES\s+RENEWABLE\s+REVOKED\s+PERMISSIONS\s+DESCRIPTION$/m);
    assert.match(listed.stdout, new RegExp(`^${accessor}\\s+service\\s+\\S+\\s+no\\s+-\\s+crypto\\.\\*@billing\\s+billing app$`, 'm'));
    assert.ok(!listed.stdout.includes(token), 'a list never shows tokens');

    const revoked = await cli.run(['token', 'revoke', accessor]);
    assert.equal(revoked.stdout, `Revoked token ${accessor}.\n`, revoked.stderr);
    const after = await cli.run(['encrypt', 'billing', '--text', 'hi'], { env: { KEYWARD_TOKEN: token } });
    assert.equal(after.code, 4);
    assert.match(after.stderr, /^keyward: unauthenticated: /);
    assert.ok(!after.stderr.includes(token));
    const looked = JSON.parse((await cli.run(['token', 'lookup', accessor, '--json'])).stdout) as TokenJson;
    assert.notEqual(looked.revokedAt, null);
  });

  it('renews and revokes its own token', async () => {
    const created = JSON.parse((await cli.run(['token', 'create', '--permission', 'keys.read', '--ttl', '600', '--renewable', '--json'])).stdout) as TokenJson;
    assert.equal(created.renewable, true);
    const env = { KEYWARD_TOKEN: created.token ?? '' };
    const renewed = await cli.run(['token', 'renew', '--ttl', '1h', '--json'], { env });
    assert.equal(renewed.code, 0, renewed.stderr);
    const expiresIn = Date.parse((JSON.parse(renewed.stdout) as TokenJson).expiresAt ?? '') - Date.now();
    assert.ok(expiresIn > 59 * 60_000, 'renewed for an hour');

    const refused = await cli.run(['token', 'revoke', created.token ?? '']);
    assert.equal(refused.code, 2, 'a token is not an accessor');
    assert.ok(!refused.stderr.includes(created.token ?? '-'));

    assert.equal((await cli.run(['token', 'revoke', '--self'], { env })).code, 0);
    assert.equal((await cli.run(['token', 'lookup'], { env })).code, 4);
  });
});
