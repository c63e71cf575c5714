import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallContext } from '../../src/auth/principal.ts';
import { allInventory, registrationStatus } from '../../src/inventory/all-inventory.ts';
import type { InventoryItem } from '../../src/inventory/inventory-item.ts';
import { auditEntriesAfter, auditHeadSeq, lastAuditEntry, rejectsWith, root, useDevEngine } from './helpers.ts';
import { startFakeProvider, type FakeProvider, type FakeReply, type RecordedRequest } from '../inventory/fake-provider.ts';

const VAULT_TOKEN = 'hvs.engine-test-token-never-stored';

/** A transit mount whose keys the test changes between discoveries. */
function transit(state: { keys: Record<string, number> }) {
  return (req: RecordedRequest): FakeReply => {
    if (req.headers['x-vault-token'] !== VAULT_TOKEN) return { status: 403, body: { errors: ['permission denied'] } };
    const url = new URL(req.url, 'http://vault');
    if (url.pathname === '/v1/transit/keys') return { body: { data: { keys: Object.keys(state.keys) } } };
    const name = decodeURIComponent(url.pathname.replace('/v1/transit/keys/', ''));
    const versions = state.keys[name];
    if (versions === undefined) return { status: 404, body: { errors: [] } };
    const keys = Object.fromEntries(Array.from({ length: versions }, (_, i) => [String(i + 1), 1735689600 + i * 86400]));
    return { body: { data: { name, type: 'aes256-gcm96', latest_version: versions, auto_rotate_period: 0, keys, supports_encryption: true } } };
  };
}

const SHEET = 'name,type,owner,environment,tier,created\napi-gateway-token,API token,platform,production,2,2024-01-01\ndb-password,password,dba,staging,1,2023-06-01\n';

describe('engine.inventory', () => {
  const engine = useDevEngine();
  const vaultState = { keys: { 'app-key': 2, 'old-key': 1 } as Record<string, number> };
  let vault: FakeProvider;
  before(async () => {
    vault = await startFakeProvider(transit(vaultState));
    await engine().keys.create(root, { name: 'billing', spec: 'AES_256_GCM', owner: 'pay', environment: 'prod', tier: 1 });
    await engine().keys.create(root, { name: 'signer', spec: 'ECC_NIST_P256', owner: 'web', environment: 'dev' });
  });
  after(() => vault.close());

  it('lists managed keys as source keyward, computed from the keys table, with last use from the audit log', async () => {
    const { ciphertext } = await engine().crypto.encrypt(root, { key: 'billing', plaintext: Buffer.from('x') });
    assert.ok(ciphertext);
    const { items } = await engine().inventory.list(root, { source: 'keyward' });
    assert.deepEqual(items.map((i) => [i.name, i.type, i.state, i.provider]), [
      ['billing', 'symmetric', 'enabled', 'keyward'],
      ['signer', 'asymmetric', 'enabled', 'keyward'],
    ]);
    const billing = items[0] as InventoryItem;
    assert.equal(billing.tier, 1);
    assert.ok(billing.lastUsedAt !== null, 'encrypt is a use');
    assert.equal(items[1]?.lastUsedAt, null, 'never used');
    assert.equal((await engine().inventory.get(root, billing.id)).name, 'billing');
  });

  it('imports a spreadsheet, audited with counts, and reports rejected rows', async () => {
    const seq = await auditHeadSeq(engine());
    const result = await engine().inventory.import(root, { source: 'ops-sheet', format: 'csv', content: `${SHEET}bad-row,unicorn,,,,\n` });
    assert.equal(result.source, 'import:ops-sheet');
    assert.deepEqual(result.stats, { found: 2, added: 2, updated: 0, unchanged: 0, gone: 0, returned: 0 });
    assert.deepEqual(result.rejected, [{ line: 4, reason: 'unknown type "unicorn" (symmetric, asymmetric, hmac, api-token, certificate, password, secret)' }]);
    const [entry] = await auditEntriesAfter(engine(), seq);
    assert.equal(entry?.action, 'inventory.import');
    assert.equal(entry?.outcome, 'success');
    assert.deepEqual({ ...entry?.details }, { source: 'import:ops-sheet', format: 'csv', mode: 'full', found: 2, added: 2, updated: 0, unchanged: 0, gone: 0, returned: 0, rows: 3, rejected: 1 });

    const again = await engine().inventory.import(root, { source: 'ops-sheet', format: 'csv', content: SHEET });
    assert.deepEqual(again.stats, { found: 2, added: 0, updated: 0, unchanged: 2, gone: 0, returned: 0 });
  });

  it('discovers a Vault mount, reconciles later runs (gone, return), and never stores or audits the token', async () => {
    const seq = await auditHeadSeq(engine());
    const first = await engine().inventory.discover(root, { connector: 'vault', config: { endpoint: vault.url }, credentials: { token: VAULT_TOKEN } });
    assert.equal(first.source, 'vault:transit');
    assert.deepEqual(first.stats, { found: 2, added: 2, updated: 0, unchanged: 0, gone: 0, returned: 0 });

    delete vaultState.keys['old-key'];
    vaultState.keys['app-key'] = 3;
    const second = await engine().inventory.discover(root, { connector: 'vault', config: { endpoint: vault.url }, credentials: { token: VAULT_TOKEN } });
    assert.deepEqual(second.stats, { found: 1, added: 0, updated: 1, unchanged: 0, gone: 1, returned: 0 });
    const gone = await engine().inventory.list(root, { source: 'vault:transit', gone: true });
    assert.deepEqual(gone.items.map((i) => [i.name, i.gone]), [['old-key', true]]);

    vaultState.keys['old-key'] = 1;
    const third = await engine().inventory.discover(root, { connector: 'vault', config: { endpoint: vault.url }, credentials: { token: VAULT_TOKEN } });
    assert.deepEqual(third.stats, { found: 2, added: 0, updated: 1, unchanged: 1, gone: 0, returned: 1 });
    const present = await engine().inventory.list(root, { source: 'vault:transit' });
    assert.equal(present.items.length, 2);
    for (const item of present.items) {
      assert.equal(item.gone, false);
      assert.ok(item.lastSeenAt >= item.firstSeenAt);
    }

    const entries = await auditEntriesAfter(engine(), seq);
    assert.deepEqual(entries.map((e) => e.action), ['inventory.discover', 'inventory.discover', 'inventory.list', 'inventory.discover', 'inventory.list']);
    assert.deepEqual({ ...entries[1]?.details }, {
      connector: 'vault',
      config: { endpoint: vault.url, mount: 'transit' },
      source: 'vault:transit',
      found: 1,
      added: 0,
      updated: 1,
      unchanged: 0,
      gone: 1,
      returned: 0,
      warnings: 0,
    });
    const stored = JSON.stringify(await allStoredDocuments());
    assert.ok(!stored.includes(VAULT_TOKEN), 'the token is in no document');
    assert.ok(!JSON.stringify(entries).includes(VAULT_TOKEN), 'nor in the audit log');
    const [source] = (await engine().inventory.sources(root)).filter((s) => s.name === 'vault:transit');
    assert.deepEqual(source?.config, { endpoint: vault.url, mount: 'transit' });
    assert.equal(source?.items, 2);
    assert.equal(source?.goneItems, 0);
    assert.equal(source?.lastRun?.kind, 'discovery');
  });

  it('audits a failed discovery with connector_failed and changes nothing', async () => {
    const before = (await engine().inventory.list(root, { source: 'vault:transit' })).items;
    await rejectsWith(engine().inventory.discover(root, { connector: 'vault', config: { endpoint: vault.url }, credentials: { token: 'hvs.wrong' } }), 'connector_failed');
    const entry = await lastAuditEntry(engine());
    assert.equal(entry.action, 'inventory.discover');
    assert.equal(entry.outcome, 'failure');
    assert.equal(entry.errorCode, 'connector_failed');
    assert.deepEqual((await engine().inventory.list(root, { source: 'vault:transit' })).items.map((i) => i.gone), before.map((i) => i.gone));
  });

  it('filters by type, environment, owner and gone, and pages through managed and stored items', async () => {
    assert.deepEqual((await engine().inventory.list(root, { type: 'password' })).items.map((i) => i.name), ['db-password']);
    assert.deepEqual((await engine().inventory.list(root, { environment: 'Production' })).items.map((i) => i.name).sort(), ['api-gateway-token', 'billing']);
    assert.deepEqual((await engine().inventory.list(root, { owner: 'web' })).items.map((i) => i.name), ['signer']);
    const all: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await engine().inventory.list(root, { limit: 2, ...(after ? { after } : {}) });
      all.push(...page.items.map((i) => i.name));
      if (page.next === null) break;
      after = page.next;
    }
    assert.deepEqual(all.slice(0, 2), ['billing', 'signer'], 'managed keys first');
    assert.deepEqual(all.slice(2).sort(), ['api-gateway-token', 'app-key', 'db-password', 'old-key']);
    await rejectsWith(engine().inventory.list(root, { after: 'bogus' }), 'validation_failed');
    await rejectsWith(engine().inventory.list(root, { source: 'dropbox:x' }), 'validation_failed');
  });

  it('gives the audit checks every item in one shape, with who registered what', async () => {
    const items = await allInventory(engine().store, { now: new Date(), lastUsed: true });
    assert.equal(items.length, 6);
    assert.ok(items.find((i) => i.name === 'billing')?.lastUsedAt);
    const status = registrationStatus(items);
    const byName = (name: string): string | undefined => status.get(items.find((i) => i.name === name)?.id ?? '');
    assert.equal(byName('billing'), 'registered');
    assert.equal(byName('db-password'), 'registered');
    assert.equal(byName('app-key'), 'discovered', 'a Vault key nobody owns');
  });

  it('refuses callers without the inventory permissions, and audits the refusal', async () => {
    const reader: CallContext = { principal: { type: 'token', actor: 'token:reader', permissions: ['inventory.list', 'inventory.read'] } };
    assert.ok((await engine().inventory.list(reader, {})).items.length > 0);
    await rejectsWith(engine().inventory.import(reader, { source: 'x', format: 'csv', content: SHEET }), 'permission_denied');
    const sent = vault.requests.length;
    await rejectsWith(engine().inventory.discover(reader, { connector: 'vault', config: { endpoint: vault.url }, credentials: { token: VAULT_TOKEN } }), 'permission_denied');
    const entry = await lastAuditEntry(engine());
    assert.equal(entry.action, 'inventory.discover');
    assert.equal(entry.outcome, 'denied');
    assert.equal(vault.requests.length, sent, 'a refused discovery sends nothing');
  });

  it('deletes a source and its items, but never the keyward source', async () => {
    const result = await engine().inventory.deleteSource(root, 'import:ops-sheet');
    assert.deepEqual(result, { source: 'import:ops-sheet', deleted: 2 });
    assert.deepEqual((await engine().inventory.list(root, { source: 'import:ops-sheet' })).items, []);
    assert.equal((await engine().inventory.sources(root)).some((s) => s.name === 'import:ops-sheet'), false);
    await rejectsWith(engine().inventory.deleteSource(root, 'import:ops-sheet'), 'not_found');
    await rejectsWith(engine().inventory.deleteSource(root, 'keyward'), 'validation_failed');
    await rejectsWith(engine().inventory.get(root, 'inv_000000000000000000000000'), 'not_found');
  });

  async function allStoredDocuments(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const kind of await engine().store.documentKinds()) out.push(...(await engine().store.listDocuments(kind, { limit: 10_000 })));
    return out;
  }
});
