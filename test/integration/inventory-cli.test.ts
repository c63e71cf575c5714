import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider, type FakeReply, type RecordedRequest } from '../inventory/fake-provider.ts';
import { spawnCli, TestServer } from './server-harness.ts';

const VAULT_TOKEN = 'hvs.cli-test-token-0123456789';

function vaultHandler(req: RecordedRequest): FakeReply {
  if (req.headers['x-vault-token'] !== VAULT_TOKEN) return { status: 403, body: { errors: ['permission denied'] } };
  if (req.url.startsWith('/v1/transit/keys?')) return { body: { data: { keys: ['payments'] } } };
  return { body: { data: { type: 'aes256-gcm96', latest_version: 1, keys: { '1': 1735689600 }, auto_rotate_period: 7776000 } } };
}

async function run(server: TestServer, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, { KEYWARD_ADDR: server.url, KEYWARD_TOKEN: server.rootToken ?? '', ...env });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('keyward inventory (CLI)', () => {
  let server: TestServer;
  let vault: FakeProvider;
  let dir: string;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    vault = await startFakeProvider(vaultHandler);
    dir = mkdtempSync(join(tmpdir(), 'keyward-inventory-cli-'));
  });
  after(async () => {
    await vault.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a spreadsheet and prints rejected rows on stderr', async () => {
    const file = join(dir, 'keys.csv');
    writeFileSync(file, 'Name,Type,Owner\nledger-dek,AES key,finance\nbroken,unicorn,finance\n');
    const r = await run(server, ['inventory', 'import', file, '--source', 'finance']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Imported 1 of 2 rows into import:finance: 1 added, 0 updated, 0 unchanged, 0 gone.\n');
    assert.match(r.stderr, /line 3: unknown type "unicorn"/);
  });

  it('discovers Vault with VAULT_TOKEN from the environment', async () => {
    const r = await run(server, ['inventory', 'discover', 'vault', '--endpoint', vault.url, '--json'], { VAULT_TOKEN });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { source: string; stats: { added: number } };
    assert.equal(result.source, 'vault:transit');
    assert.equal(result.stats.added, 1);
    assert.ok(!r.stderr.includes(VAULT_TOKEN) && !r.stdout.includes(VAULT_TOKEN));
  });

  it('refuses to discover without a token, before sending anything', async () => {
    const sent = vault.requests.length;
    const r = await run(server, ['inventory', 'discover', 'vault', '--endpoint', vault.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no token: set VAULT_TOKEN or give --token-file/);
    assert.equal(vault.requests.length, sent);
  });

  it('lists, filters and shows items', async () => {
    const list = await run(server, ['inventory', 'list', '--present']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+SOURCE\s+NAME\s+TYPE\s+STATE/);
    assert.match(list.stdout, /import:finance\s+ledger-dek\s+symmetric\s+enabled\s+finance/);
    assert.match(list.stdout, /vault:transit\s+payments\s+symmetric\s+enabled.*every 90 d/);
    const json = await run(server, ['inventory', 'list', '--source', 'vault:transit', '--json']);
    const { items } = JSON.parse(json.stdout) as { items: { id: string; name: string }[] };
    assert.deepEqual(items.map((i) => i.name), ['payments']);
    const show = await run(server, ['inventory', 'show', items[0]?.id ?? '']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /External id:\s+transit\/keys\/payments/);
    const sources = await run(server, ['inventory', 'sources']);
    assert.match(sources.stdout, /vault:transit\s+1\s+0\s+discovery/);
  });

  it('deletes a source only with --yes', async () => {
    const refused = await run(server, ['inventory', 'delete-source', 'import:finance']);
    assert.equal(refused.code, 2);
    const r = await run(server, ['inventory', 'delete-source', 'import:finance', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Deleted import:finance and its 1 items.\n');
  });
});
