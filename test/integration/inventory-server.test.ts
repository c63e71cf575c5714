import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Static } from '@sinclair/typebox';
import type { DeletedSource, DiscoverResult, ImportResult, InventoryList, SourceList } from '../../src/server/schemas/inventory.ts';
import { startFakeProvider, type FakeProvider, type FakeReply, type RecordedRequest } from '../inventory/fake-provider.ts';
import { assertError, TestServer } from './server-harness.ts';

const AZURE_TOKEN = 'eyJ.azure-integration-token.never-kept';

/** An Azure Key Vault with two keys, one page each. */
function azure(req: RecordedRequest, self: { url: string }): FakeReply {
  if (req.headers['authorization'] !== `Bearer ${AZURE_TOKEN}`) return { status: 401, body: { error: { code: 'Unauthorized', message: 'bad token' } } };
  const url = new URL(req.url, self.url);
  const created = 1717200000;
  if (url.pathname === '/keys') {
    const second = url.searchParams.has('$skiptoken');
    return { body: { value: [{ kid: `${self.url}/keys/${second ? 'k2' : 'k1'}` }], nextLink: second ? null : `${self.url}/keys?api-version=7.4&$skiptoken=1` } };
  }
  const m = /^\/keys\/(k[12])(\/versions|\/rotationpolicy)?$/.exec(url.pathname);
  if (!m) return { status: 404, body: { error: { code: 'KeyNotFound', message: 'no key' } } };
  if (m[2] === '/versions') return { body: { value: [{ attributes: { created } }] } };
  if (m[2] === '/rotationpolicy') return { status: 404, body: { error: { code: 'NotFound', message: 'no policy' } } };
  return { body: { key: { kid: `${self.url}/keys/${m[1]}/v1`, kty: 'oct-HSM', key_size: 256 }, attributes: { enabled: true, created }, tags: { owner: 'ops' } } };
}

const CSV = 'Name,Type,Owner,Environment,Last Rotated\nsmtp-password,password,mail-team,prod,2024-02-01\nstripe-key,API key,payments,prod,not a date\n';

describe('inventory over HTTP', () => {
  let server: TestServer;
  let vault: FakeProvider;
  before(async () => {
    server = await TestServer.start();
    await server.initAndUnseal();
    vault = await startFakeProvider(azure);
    const key = await server.request('POST', '/v1/keys', { body: { name: 'orders', spec: 'HMAC_SHA256', owner: 'shop' } });
    assert.equal(key.status, 201, key.text);
  });
  after(async () => {
    await vault.close();
    await server.close();
  });

  it('imports a CSV and answers with the rows it rejected, by line', async () => {
    const r = await server.request<Static<typeof ImportResult>>('POST', '/v1/inventory/import', { body: { source: 'it-sheet', format: 'csv', content: CSV } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.source, 'import:it-sheet');
    assert.equal(r.body.imported, 1);
    assert.deepEqual(r.body.rejected, [{ line: 3, reason: 'last rotated: "not a date" is not a date (use YYYY-MM-DD, or an ISO 8601 time)' }]);
    assert.deepEqual(r.body.stats, { found: 1, added: 1, updated: 0, unchanged: 0, gone: 0, returned: 0 });
  });

  it('discovers an Azure Key Vault with a token that appears in no answer and no log line', async () => {
    const r = await server.request<Static<typeof DiscoverResult>>('POST', '/v1/inventory/discover', { body: { connector: 'azure-kv', endpoint: vault.url, credentials: { token: AZURE_TOKEN } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.source, `azure-kv:${new URL(vault.url).host}`);
    assert.equal(r.body.stats.added, 2);
    const sources = await server.request<Static<typeof SourceList>>('GET', '/v1/inventory/sources');
    assert.deepEqual(sources.body.sources.map((s) => [s.name, s.items]).sort(), [
      [`azure-kv:${new URL(vault.url).host}`, 2],
      ['import:it-sheet', 1],
    ]);
    for (const response of server.responses) assert.ok(!response.text.includes(AZURE_TOKEN), `${response.method} ${response.path} leaks the token`);
    assert.ok(!server.logLines.join('\n').includes(AZURE_TOKEN), 'the server log never holds the token');
  });

  it('answers connector_failed (502) naming the endpoint when the provider refuses', async () => {
    const r = await server.request('POST', '/v1/inventory/discover', { body: { connector: 'azure-kv', endpoint: vault.url, credentials: { token: 'wrong' } } });
    assertError(r, 502, 'connector_failed');
    assert.match((r.body as { error: { message: string } }).error.message, new RegExp(`azure-kv at ${vault.url}: GET /keys: HTTP 401`));
  });

  it('lists managed, imported and discovered items with filters and pages', async () => {
    const all = await server.request<Static<typeof InventoryList>>('GET', '/v1/inventory/items?limit=2');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.items[0] && [all.body.items[0].source, all.body.items[0].name], ['keyward', 'orders'], 'managed keys first');
    assert.ok(all.body.next);
    const rest = await server.request<Static<typeof InventoryList>>('GET', `/v1/inventory/items?limit=2&after=${encodeURIComponent(all.body.next)}`);
    assert.equal(rest.body.next, null);
    assert.deepEqual([...all.body.items, ...rest.body.items].map((i) => i.name).sort(), ['k1', 'k2', 'orders', 'smtp-password']);
    const hmac = await server.request<Static<typeof InventoryList>>('GET', '/v1/inventory/items?type=hmac&gone=false');
    assert.deepEqual(hmac.body.items.map((i) => i.name), ['orders']);
    const one = await server.request('GET', `/v1/inventory/items/${rest.body.items[0]?.id ?? ''}`);
    assert.equal(one.status, 200, one.text);
    assertError(await server.request('GET', '/v1/inventory/items?type=spaceship'), 400, 'validation_failed');
    assertError(await server.request('GET', '/v1/inventory/items/inv_000000000000000000000000'), 404, 'not_found');
  });

  it('refuses unknown fields and a missing connector in a discovery request', async () => {
    assertError(await server.request('POST', '/v1/inventory/discover', { body: { connector: 'azure-kv', endpoint: vault.url, credentials: { password: 'x' } } }), 400, 'validation_failed');
    assertError(await server.request('POST', '/v1/inventory/discover', { body: { connector: 'dropbox' } }), 400, 'validation_failed');
  });

  it('deletes a source by its URL-encoded name', async () => {
    const name = `azure-kv:${new URL(vault.url).host}`;
    const r = await server.request<Static<typeof DeletedSource>>('DELETE', `/v1/inventory/sources/${encodeURIComponent(name)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { source: name, deleted: 2 });
    assertError(await server.request('DELETE', '/v1/inventory/sources/keyward'), 400, 'validation_failed');
    const missing = await server.request<{ error: { message: string } }>('DELETE', `/v1/inventory/sources/${encodeURIComponent('aws-kms:111122223333/eu-west-1')}`);
    assertError(missing, 404, 'not_found');
    assert.equal(missing.body.error.message, 'no inventory source "aws-kms:111122223333/eu-west-1"', 'an encoded "/" reaches the route as part of the name');
  });
});
