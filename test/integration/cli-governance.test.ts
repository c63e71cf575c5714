import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CliTestServer } from './cli-harness.ts';

const PASSWORD = 'correct horse battery staple';

/** The governance commands end to end: people log in, a sensitive operation waits for two approvers. */
describe('keyward login / user / binding / approval / breakglass / review', () => {
  let cli: CliTestServer;
  const tokens: Record<string, string> = {};

  const loginAs = async (name: string): Promise<string> => {
    const r = await cli.run(['login', name, '--json'], { env: { KEYWARD_TOKEN: '', KEYWARD_PASSWORD: PASSWORD } });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { token: string }).token;
  };

  before(async () => {
    cli = await CliTestServer.start();
    assert.equal((await cli.run(['key', 'create', 'ledger', '--spec', 'AES_256_GCM', '--environment', 'prod', '--tier', '2'])).code, 0);
    for (const [name, role] of [['kim', 'key-admin'], ['olga', 'security-officer'], ['otto', 'security-officer'], ['ursula', 'key-user']] as const) {
      const created = await cli.run(['user', 'create', name, '--email', `${name}@example.com`, '--team', 'ledger', '--password'], { env: { KEYWARD_PASSWORD: PASSWORD } });
      assert.equal(created.code, 0, created.stderr);
      const bound = await cli.run(['binding', 'create', '--role', role, '--subject', `user:${name}`, '--scope', 'env:prod']);
      assert.equal(bound.code, 0, bound.stderr);
      tokens[name] = await loginAs(name);
    }
  });

  after(async () => {
    await cli.close();
  });

  it('login prints a token; a wrong password exits 4 and never echoes the password', async () => {
    const bad = await cli.run(['login', 'kim'], { env: { KEYWARD_TOKEN: '', KEYWARD_PASSWORD: 'not the password at all' } });
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /unauthenticated/);
    assert.ok(!bad.stderr.includes('not the password at all') && !bad.stdout.includes('not the password at all'));
    const me = await cli.run(['whoami', '--json'], { env: { KEYWARD_TOKEN: tokens['kim'] ?? '' } });
    assert.equal(me.code, 0, me.stderr);
    const parsed = JSON.parse(me.stdout) as { actor: string; grants: { role: string; scope: string }[] };
    assert.equal(parsed.actor, 'user:kim');
    assert.deepEqual(parsed.grants.map((g) => [g.role, g.scope]), [['key-admin', 'env:prod']]);
  });

  it('separation of duties: a second role on the same prod key is refused, naming the rule', async () => {
    const r = await cli.run(['binding', 'create', '--role', 'key-user', '--subject', 'user:kim', '--scope', 'key:ledger']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /sod_violation: .*admin-and-user/);
  });

  it('a key admin’s destroy request exits 6; two officers approve it; the key is destroyed', async () => {
    assert.equal((await cli.run(['key', 'deactivate', 'ledger'])).code, 0);
    const asked = await cli.run(['key', 'destroy', 'ledger', '--yes', '--reason', 'retired'], { env: { KEYWARD_TOKEN: tokens['kim'] ?? '' } });
    assert.equal(asked.code, 6, asked.stderr);
    const id = /(apr_[0-9a-f]+)/.exec(asked.stderr)?.[1];
    assert.ok(id, asked.stderr);
    const pending = await cli.run(['approval', 'list', '--status', 'pending'], { env: { KEYWARD_TOKEN: tokens['olga'] ?? '' } });
    assert.match(pending.stdout, new RegExp(id));
    const self = await cli.run(['approval', 'approve', id], { env: { KEYWARD_TOKEN: tokens['kim'] ?? '' } });
    assert.equal(self.code, 4, 'a key admin is not an approver');
    const first = await cli.run(['approval', 'approve', id, '--comment', 'ticket 7'], { env: { KEYWARD_TOKEN: tokens['olga'] ?? '' } });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Status:\s+pending/);
    const twice = await cli.run(['approval', 'approve', id], { env: { KEYWARD_TOKEN: tokens['olga'] ?? '' } });
    assert.match(twice.stderr, /distinct-approvers/);
    const second = await cli.run(['approval', 'approve', id], { env: { KEYWARD_TOKEN: tokens['otto'] ?? '' } });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Status:\s+executed/);
    const shown = JSON.parse((await cli.run(['key', 'show', 'ledger', '--json'])).stdout) as { state: string };
    assert.equal(shown.state, 'destroyed');
  });

  it('break-glass runs at once, is listed open, and closes after two other officers review it', async () => {
    assert.equal((await cli.run(['key', 'create', 'ledger-2', '--spec', 'AES_256_GCM', '--environment', 'prod'])).code, 0);
    const used = await cli.run(['breakglass', 'use', '--action', 'key.compromise', '--key', 'ledger-2', '--justification', 'found in a public gist at 03:12 UTC', '--json'], {
      env: { KEYWARD_TOKEN: tokens['olga'] ?? '' },
    });
    assert.equal(used.code, 0, used.stderr);
    const id = (JSON.parse(used.stdout) as { id: string }).id;
    const open = await cli.run(['breakglass', 'list', '--open']);
    assert.match(open.stdout, new RegExp(id));
    // Root is not gated; a security officer's grant that reaches every key needs approval.
    assert.equal((await cli.run(['user', 'create', 'petra', '--password'], { env: { KEYWARD_PASSWORD: PASSWORD } })).code, 0);
    assert.equal((await cli.run(['binding', 'create', '--role', 'security-officer', '--subject', 'user:petra', '--scope', 'all'])).code, 0);
    const petra = await loginAs('petra');
    const wide = await cli.run(['binding', 'create', '--role', 'auditor', '--subject', 'user:otto', '--scope', 'all'], { env: { KEYWARD_TOKEN: petra } });
    assert.equal(wide.code, 6, wide.stderr);
    assert.match(wide.stderr, /approval required/);
  });

  it('access review: import, run (exit 1 on findings), apply suspends the departed', async () => {
    const csv = 'id,email,name,team,status\n1,kim@example.com,Kim,ledger,active\n2,olga@example.com,Olga,ledger,active\n3,otto@example.com,Otto,ledger,active\n4,ursula@example.com,Ursula,ledger,terminated\n';
    const imported = await cli.run(['review', 'import', '-', '--format', 'csv'], { input: csv });
    assert.equal(imported.code, 0, imported.stderr);
    const run = await cli.run(['review', 'run']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /departed-active\s+ursula/);
    const applied = await cli.run(['review', 'apply']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /departed: ursula/);
    const refused = await cli.run(['whoami'], { env: { KEYWARD_TOKEN: tokens['ursula'] ?? '' } });
    assert.equal(refused.code, 4);
  });
});
