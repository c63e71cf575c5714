import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliTestServer } from './cli-harness.ts';

interface KeyJson {
  name: string;
  state: string;
  currentVersion: number;
  owner: string | null;
  tier: number | null;
  tags: Record<string, string>;
  minDecryptionVersion: number;
  versions?: { version: number }[];
}

describe('keyward key', () => {
  let cli: CliTestServer;
  before(async () => {
    cli = await CliTestServer.start();
  });
  after(async () => {
    await cli.close();
  });

  it('creates keys with metadata and lists them as a table and as JSON', async () => {
    const created = await cli.run(['key', 'create', 'billing', '--spec', 'AES_256_GCM', '--owner', 'team-pay', '--environment', 'prod', '--tier', '1', '--tag', 'cost-center=42', '--tag', 'pci=yes']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Name:\s+billing$/m);
    assert.match(created.stdout, /^Tags:\s+cost-center=42, pci=yes$/m);
    assert.equal((await cli.run(['key', 'create', 'signer', '--spec', 'ECC_NIST_P256', '--json'])).code, 0);
    assert.equal((await cli.run(['key', 'create', 'archive', '--spec', 'AES_256_GCM', '--environment', 'dev'])).code, 0);

    const table = await cli.run(['key', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+SPEC\s+STATE\s+VERSION\s+ENVIRONMENT\s+OWNER\s+TIER\s+ID$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['archive', 'billing', 'signer']);
    assert.match(lines[2] ?? '', /^billing\s+AES_256_GCM\s+active\s+1\s+prod\s+team-pay\s+1\s+key_[0-9a-f]{24}$/);
    const columnOfState = (lines[0] ?? '').indexOf('STATE');
    assert.ok(lines.slice(1).every((l) => l.slice(columnOfState).startsWith('active')), 'columns are aligned');

    const json = await cli.run(['key', 'list', '--environment', 'prod', '--json']);
    const page = JSON.parse(json.stdout) as { keys: KeyJson[]; next: string | null };
    assert.deepEqual(page.keys.map((k) => k.name), ['billing']);
    assert.equal(page.next, null);

    const firstPage = await cli.run(['key', 'list', '--limit', '2']);
    assert.equal(firstPage.stdout.trimEnd().split('\n').length, 3);
    assert.match(firstPage.stderr, /More keys: add --after billing, or --all\./);
    const all = await cli.run(['key', 'list', '--limit', '1', '--all', '--json']);
    assert.deepEqual((JSON.parse(all.stdout) as { keys: KeyJson[] }).keys.map((k) => k.name), ['archive', 'billing', 'signer']);
    const tagged = await cli.run(['key', 'list', '--tag', 'pci=yes', '--json']);
    assert.deepEqual((JSON.parse(tagged.stdout) as { keys: KeyJson[] }).keys.map((k) => k.name), ['billing']);
  });

  it('shows, rotates, disables, enables and updates a key', async () => {
    assert.equal((await cli.run(['key', 'create', 'orders', '--spec', 'AES_256_GCM'])).code, 0);
    const rotated = await cli.run(['key', 'rotate', 'orders']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.stdout, 'Rotated "orders": version 2 is current.\n');

    const shown = await cli.run(['key', 'show', 'orders']);
    assert.match(shown.stdout, /^Current version:\s+2$/m);
    assert.match(shown.stdout, /^VERSION\s+CREATED\s+ORIGIN\s+ENCRYPTIONS\s+DESTROYED$/m);
    const shownJson = JSON.parse((await cli.run(['key', 'show', 'orders', '--json'])).stdout) as KeyJson;
    assert.deepEqual(shownJson.versions?.map((v) => v.version), [1, 2]);

    const disabled = await cli.run(['key', 'disable', 'orders', '--reason', 'incident 7']);
    assert.equal(disabled.stdout, 'Key "orders" is now suspended.\n');
    const refused = await cli.run(['encrypt', 'orders', '--text', 'x']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^keyward: key_state_invalid: /);
    const enabled = await cli.run(['key', 'enable', 'orders']);
    assert.equal(enabled.stdout, 'Key "orders" is now active.\n');
    const again = await cli.run(['key', 'enable', 'orders']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /invalid_state_transition/);

    const updated = JSON.parse((await cli.run(['key', 'update', 'orders', '--owner', 'team-shop', '--tier', '2', '--tag', 'a=b', '--json'])).stdout) as KeyJson;
    assert.deepEqual([updated.owner, updated.tier, updated.tags], ['team-shop', 2, { a: 'b' }]);
    const cleared = JSON.parse((await cli.run(['key', 'update', 'orders', '--clear', 'owner', '--clear', 'tags', '--json'])).stdout) as KeyJson;
    assert.deepEqual([cleared.owner, cleared.tier, cleared.tags], [null, 2, {}]);
    const minVersion = await cli.run(['key', 'min-decryption-version', 'orders', '2']);
    assert.equal(minVersion.stdout, 'Key "orders" now decrypts only versions 2 and later.\n');

    const missing = await cli.run(['key', 'show', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^keyward: key_not_found: .*"nope".* \(request req_[0-9a-f]{24}\)\n$/);
  });

  it('walks the whole life of a key to destroyed, and prints public keys', async () => {
    assert.equal((await cli.run(['key', 'create', 'sig', '--spec', 'ED25519', '--pre-activation'])).code, 0);
    const pem = await cli.run(['key', 'public-key', 'sig']);
    assert.equal(pem.code, 0, pem.stderr);
    assert.match(pem.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    for (const [command, state] of [['activate', 'active'], ['deactivate', 'deactivated'], ['compromise', 'compromised']] as const) {
      const r = await cli.run(['key', command, 'sig']);
      assert.equal(r.stdout, `Key "sig" is now ${state}.\n`, r.stderr);
    }
    const destroyed = await cli.run(['key', 'destroy', 'sig', '--yes', '--reason', 'end of life']);
    assert.equal(destroyed.stdout, 'Key "sig" is now destroyed.\n', destroyed.stderr);
  });

  it('imports key material from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-cli-'));
    try {
      writeFileSync(join(dir, 'k.bin'), Buffer.alloc(32, 7));
      const imported = await cli.run(['key', 'import', 'byok', '--material-file', join(dir, 'k.bin'), '--json']);
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal((JSON.parse(imported.stdout) as { origin: string }).origin, 'imported');
      writeFileSync(join(dir, 'short.bin'), Buffer.alloc(5));
      const short = await cli.run(['key', 'import', 'byok2', '--material-file', join(dir, 'short.bin')]);
      assert.equal(short.code, 1);
      assert.match(short.stderr, /^keyward: (validation_failed|key_spec_invalid): /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
