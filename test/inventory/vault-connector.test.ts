import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { vaultConnector } from '../../src/inventory/connectors/vault-transit.ts';
import { rejectsWith } from '../engine/helpers.ts';
import { startFakeProvider, testContext, type FakeProvider, type FakeReply, type RecordedRequest } from './fake-provider.ts';

const TOKEN = 'hvs.CAESIexampleVaultTokenThatMustNeverLeak';
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spkiSha256 = (der: Buffer): string => `sha256:${createHash('sha256').update(der).digest('hex')}`;
const edRaw = (ed.publicKey.export({ format: 'jwk' }) as { x: string }).x;

const KEYS: Record<string, unknown> = {
  'app-key': {
    type: 'aes256-gcm96',
    latest_version: 3,
    min_decryption_version: 2,
    min_encryption_version: 0,
    auto_rotate_period: 2592000,
    deletion_allowed: false,
    exportable: false,
    supports_encryption: true,
    supports_signing: false,
    keys: { '1': 1704067200, '2': 1706745600, '3': 1709251200 },
  },
  signer: {
    type: 'ed25519',
    latest_version: 1,
    auto_rotate_period: 0,
    supports_signing: true,
    keys: { '1': { creation_time: '2024-02-01T10:00:00.123456789Z', name: 'ed25519', public_key: Buffer.from(edRaw, 'base64url').toString('base64') } },
  },
  'rsa-enc': {
    type: 'rsa-2048',
    latest_version: 1,
    auto_rotate_period: 0,
    supports_encryption: true,
    supports_signing: true,
    keys: { '1': { creation_time: '2024-03-01T00:00:00Z', name: 'rsa-2048', public_key: rsa.publicKey.export({ type: 'spki', format: 'pem' }) } },
  },
  forbidden: null,
};

function vault(keys: Record<string, unknown>, options: { namespace?: string } = {}) {
  return (req: RecordedRequest): FakeReply => {
    if (req.headers['x-vault-token'] !== TOKEN) return { status: 403, body: { errors: ['permission denied'] } };
    if (options.namespace !== undefined && req.headers['x-vault-namespace'] !== options.namespace) return { status: 404, body: { errors: [] } };
    const url = new URL(req.url, 'http://vault');
    const isList = req.method === 'LIST' || (req.method === 'GET' && url.searchParams.get('list') === 'true');
    if (url.pathname === '/v1/team/transit/keys' && isList) {
      const names = Object.keys(keys);
      return names.length === 0 ? { status: 404, body: { errors: [] } } : { body: { request_id: 'r1', data: { keys: names } } };
    }
    const m = /^\/v1\/team\/transit\/keys\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const name = decodeURIComponent(m[1] as string);
      const data = keys[name];
      if (data === null) return { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
      if (data === undefined) return { status: 404, body: { errors: [] } };
      return { body: { request_id: 'r2', data: { name, ...data } } };
    }
    return { status: 405, body: { errors: ['unsupported path'] } };
  };
}

describe('Vault / OpenBao transit connector', () => {
  let server: FakeProvider;
  before(async () => {
    server = await startFakeProvider(vault(KEYS, { namespace: 'admin/payments' }));
  });
  after(() => server.close());

  it('lists the mount and reads every key: type, versions, rotation, fingerprints', async () => {
    const found = await vaultConnector.discover({ endpoint: server.url, mount: 'team/transit', namespace: 'admin/payments' }, { token: TOKEN }, testContext());
    assert.equal(found.source, 'vault:admin/payments/team/transit');
    assert.deepEqual(found.config, { endpoint: server.url, mount: 'team/transit', namespace: 'admin/payments' });
    const list = server.requests[0];
    assert.equal(list?.method, 'GET');
    assert.equal(list?.url, '/v1/team/transit/keys?list=true');

    const app = found.items.find((i) => i.name === 'app-key');
    assert.equal(app?.externalId, 'team/transit/keys/app-key');
    assert.equal(app?.type, 'symmetric');
    assert.equal(app?.sizeBits, 256);
    assert.equal(app?.usage, 'ENCRYPT_DECRYPT');
    assert.equal(app?.createdAt, '2024-01-01T00:00:00.000Z');
    assert.equal(app?.lastRotatedAt, '2024-03-01T00:00:00.000Z');
    assert.deepEqual(app?.rotation, { enabled: true, periodDays: 30 });
    assert.equal(app?.attributes?.['minDecryptionVersion'], '2');
    assert.equal(app?.attributes?.['latestVersion'], '3');

    const signer = found.items.find((i) => i.name === 'signer');
    assert.equal(signer?.type, 'asymmetric');
    assert.equal(signer?.createdAt, '2024-02-01T10:00:00.123Z');
    assert.equal(signer?.lastRotatedAt, null, 'one version: never rotated');
    assert.deepEqual(signer?.rotation, { enabled: false, periodDays: null });
    assert.equal(signer?.fingerprint, spkiSha256(ed.publicKey.export({ type: 'spki', format: 'der' })));

    const rsaKey = found.items.find((i) => i.name === 'rsa-enc');
    assert.equal(rsaKey?.sizeBits, 2048);
    assert.equal(rsaKey?.usage, 'ENCRYPT_DECRYPT,SIGN_VERIFY');
    assert.equal(rsaKey?.fingerprint, spkiSha256(rsa.publicKey.export({ type: 'spki', format: 'der' })));

    assert.deepEqual(found.items.find((i) => i.name === 'forbidden'), { name: 'forbidden', externalId: 'team/transit/keys/forbidden', location: `${server.url} (namespace admin/payments)` });
    assert.equal(found.warnings.length, 1);
    assert.match(found.warnings[0] ?? '', /key "forbidden": vault at .*: GET \/v1\/team\/transit\/keys\/forbidden: HTTP 403 \(1 error occurred: \* permission denied\)/);
  });

  it('treats the 404 Vault gives an empty LIST as no keys', async () => {
    const empty = await startFakeProvider(vault({}));
    try {
      const found = await vaultConnector.discover({ endpoint: empty.url, mount: 'team/transit' }, { token: TOKEN }, testContext());
      assert.deepEqual(found.items, []);
      assert.equal(found.source, 'vault:team/transit');
    } finally {
      await empty.close();
    }
  });

  it('fails with connector_failed naming the endpoint and status when the token is refused, never the token', async () => {
    const err = await rejectsWith(vaultConnector.discover({ endpoint: server.url, mount: 'team/transit' }, { token: 'hvs.wrong-token-value' }, testContext()), 'connector_failed');
    assert.equal(err.message, `vault at ${server.url}: LIST /v1/team/transit/keys: HTTP 403 (permission denied)`);
    assert.deepEqual(err.details, { connector: 'vault', endpoint: server.url, status: 403 });
  });

  it('scrubs the token from a provider message that echoes it', async () => {
    const echo = await startFakeProvider((req) => ({ status: 400, body: { errors: [`bad token ${String(req.headers['x-vault-token'])}`] } }));
    try {
      const err = await rejectsWith(vaultConnector.discover({ endpoint: echo.url }, { token: TOKEN }, testContext()), 'connector_failed');
      assert.ok(!err.message.includes(TOKEN), err.message);
      assert.match(err.message, /bad token \[redacted\]/);
    } finally {
      await echo.close();
    }
  });

  it('gives up on a server that does not answer, after the timeout', async () => {
    const silent = await startFakeProvider(() => new Promise<FakeReply>(() => undefined));
    try {
      const started = Date.now();
      const err = await rejectsWith(vaultConnector.discover({ endpoint: silent.url }, { token: TOKEN }, testContext({ timeoutMs: 300 })), 'connector_failed');
      assert.match(err.message, /no answer within 0 s|no answer within/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close().catch(() => undefined);
    }
  });

  it('refuses redirects, plain http beyond loopback, and a missing token', async () => {
    const redirect = await startFakeProvider(() => ({ status: 307, headers: { location: 'http://elsewhere.example/' } }));
    try {
      const err = await rejectsWith(vaultConnector.discover({ endpoint: redirect.url }, { token: TOKEN }, testContext()), 'connector_failed');
      assert.match(err.message, /redirect \(HTTP 307\)/);
    } finally {
      await redirect.close();
    }
    await rejectsWith(vaultConnector.discover({ endpoint: 'http://vault.example.com:8200' }, { token: TOKEN }, testContext()), 'validation_failed');
    await rejectsWith(vaultConnector.discover({ endpoint: server.url }, {}, testContext()), 'validation_failed');
    await rejectsWith(vaultConnector.discover({ endpoint: server.url, mount: '../sys' }, { token: TOKEN }, testContext()), 'validation_failed');
  });
});
