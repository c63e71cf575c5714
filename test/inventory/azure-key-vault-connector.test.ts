import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { azureKeyVaultConnector, rotationFromPolicy } from '../../src/inventory/connectors/azure-key-vault.ts';
import { rejectsWith } from '../engine/helpers.ts';
import { startFakeProvider, testContext, type FakeProvider, type FakeReply, type RecordedRequest } from './fake-provider.ts';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.example.azure-token';
const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
const ecJwk = ec.publicKey.export({ format: 'jwk' });
const at = (iso: string): number => new Date(iso).getTime() / 1000;

interface FakeKey {
  readonly bundle: Record<string, unknown>;
  readonly versions: number[];
  readonly policy: unknown;
}

function keys(base: string): Record<string, FakeKey> {
  return {
    'tls-signing': {
      bundle: {
        key: { kid: `${base}/keys/tls-signing/v3`, kty: 'RSA-HSM', key_ops: ['sign', 'verify'], n: rsaJwk.n, e: rsaJwk.e },
        attributes: { enabled: true, created: at('2025-06-01T00:00:00Z'), updated: at('2025-06-01T00:00:00Z'), exp: at('2027-06-01T00:00:00Z'), recoveryLevel: 'Recoverable' },
        tags: { Owner: 'web-team', Environment: 'staging' },
      },
      versions: [at('2023-06-01T00:00:00Z'), at('2024-06-01T00:00:00Z'), at('2025-06-01T00:00:00Z')],
      policy: { id: `${base}/keys/tls-signing/rotationpolicy`, lifetimeActions: [{ trigger: { timeAfterCreate: 'P1Y' }, action: { type: 'Rotate' } }, { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }], attributes: { expiryTime: 'P2Y' } },
    },
    'ec-key': {
      bundle: { key: { kid: `${base}/keys/ec-key/v1`, kty: 'EC', crv: 'P-384', key_ops: ['sign'], x: ecJwk.x, y: ecJwk.y }, attributes: { enabled: false, created: at('2024-01-01T00:00:00Z') } },
      versions: [at('2024-01-01T00:00:00Z')],
      policy: null,
    },
    'wrap-key': {
      bundle: { key: { kid: `${base}/keys/wrap-key/v1`, kty: 'oct-HSM', key_ops: ['wrapKey', 'unwrapKey'], key_size: 256 }, attributes: { enabled: true, created: at('2024-01-01T00:00:00Z'), exp: at('2026-01-01T00:00:00Z') } },
      versions: [at('2024-01-01T00:00:00Z')],
      policy: { lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'rotate' } }], attributes: { expiryTime: 'P90D' } },
    },
  };
}

function keyVault(options: { foreignNextLink?: boolean } = {}) {
  return (req: RecordedRequest, self: { url: string }): FakeReply => {
    if (req.headers['authorization'] !== `Bearer ${TOKEN}`) return { status: 401, body: { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } } };
    const url = new URL(req.url, self.url);
    if (url.searchParams.get('api-version') !== '7.4') return { status: 400, body: { error: { code: 'BadParameter', message: 'api-version' } } };
    const all = keys(self.url);
    const names = Object.keys(all);
    if (url.pathname === '/keys') {
      // One key per page: the connector must follow nextLink (absolute, on the vault).
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
      const name = names[skip] as string;
      const next = skip + 1 < names.length ? `${options.foreignNextLink ? 'https://attacker.example' : self.url}/keys?api-version=7.4&maxresults=25&$skiptoken=${skip + 1}` : null;
      const bundle = all[name]?.bundle as { attributes: unknown };
      return { body: { value: [{ kid: `${self.url}/keys/${name}`, attributes: bundle.attributes, managed: false }], nextLink: next } };
    }
    const m = /^\/keys\/([^/]+)(\/versions|\/rotationpolicy)?$/.exec(url.pathname);
    const key = m ? all[decodeURIComponent(m[1] as string)] : undefined;
    if (!m || !key) return { status: 404, body: { error: { code: 'KeyNotFound', message: 'A key with (name/id) was not found in this key vault.' } } };
    if (m[2] === '/versions') return { body: { value: key.versions.map((created, i) => ({ kid: `${self.url}/keys/${m[1]}/v${i + 1}`, attributes: { enabled: true, created } })), nextLink: null } };
    if (m[2] === '/rotationpolicy') return key.policy === null ? { status: 404, body: { error: { code: 'RotationPolicyNotFound', message: 'no policy' } } } : { body: key.policy };
    return { body: key.bundle };
  };
}

describe('Azure Key Vault connector (REST 7.4)', () => {
  let server: FakeProvider;
  before(async () => {
    server = await startFakeProvider(keyVault());
  });
  after(() => server.close());

  it('follows nextLink, and reads each key, its versions and its rotation policy', async () => {
    const found = await azureKeyVaultConnector.discover({ endpoint: server.url }, { token: TOKEN }, testContext());
    assert.equal(found.source, `azure-kv:${new URL(server.url).host}`);
    assert.deepEqual(found.warnings, []);
    assert.equal(server.requests.filter((r) => r.url.startsWith('/keys?')).length, 3);

    const tls = found.items.find((i) => i.name === 'tls-signing');
    assert.equal(tls?.externalId, `${server.url}/keys/tls-signing`);
    assert.equal(tls?.type, 'asymmetric');
    assert.equal(tls?.algorithm, 'RSA');
    assert.equal(tls?.sizeBits, 3072);
    assert.equal(tls?.usage, 'sign,verify');
    assert.equal(tls?.createdAt, '2023-06-01T00:00:00.000Z');
    assert.equal(tls?.lastRotatedAt, '2025-06-01T00:00:00.000Z');
    assert.equal(tls?.expiresAt, '2027-06-01T00:00:00.000Z');
    assert.deepEqual(tls?.rotation, { enabled: true, periodDays: 365 });
    assert.equal(tls?.state, 'enabled');
    assert.equal(tls?.owner, 'web-team');
    assert.equal(tls?.environment, 'staging');
    assert.equal(tls?.attributes?.['protection'], 'hsm');
    assert.equal(tls?.fingerprint, `sha256:${createHash('sha256').update(rsa.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`);

    const ecKey = found.items.find((i) => i.name === 'ec-key');
    assert.equal(ecKey?.algorithm, 'EC-P-384');
    assert.equal(ecKey?.sizeBits, 384);
    assert.equal(ecKey?.state, 'disabled');
    assert.deepEqual(ecKey?.rotation, { enabled: false, periodDays: null }, 'no policy (404): not rotated');
    assert.equal(ecKey?.lastRotatedAt, null);
    assert.equal(ecKey?.fingerprint, `sha256:${createHash('sha256').update(ec.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`);

    const wrap = found.items.find((i) => i.name === 'wrap-key');
    assert.equal(wrap?.type, 'symmetric');
    assert.equal(wrap?.sizeBits, 256);
    assert.equal(wrap?.state, 'expired', 'expired before the run');
    assert.deepEqual(wrap?.rotation, { enabled: true, periodDays: 60 }, 'expiry minus time before expiry');
  });

  it('refuses a nextLink that points at another host, so the token stays with the vault', async () => {
    const evil = await startFakeProvider(keyVault({ foreignNextLink: true }));
    try {
      const err = await rejectsWith(azureKeyVaultConnector.discover({ endpoint: evil.url }, { token: TOKEN }, testContext()), 'connector_failed');
      assert.match(err.message, /refused to follow a link to another host \(attacker\.example\)/);
    } finally {
      await evil.close();
    }
  });

  it('fails with connector_failed and the vault\'s message when the token is refused', async () => {
    const err = await rejectsWith(azureKeyVaultConnector.discover({ endpoint: server.url }, { token: 'stale' }, testContext()), 'connector_failed');
    assert.equal(err.message, `azure-kv at ${server.url}: GET /keys: HTTP 401 (Unauthorized: AKV10000: Request is missing a Bearer or PoP token.)`);
  });

  it('reads rotation policies', () => {
    assert.deepEqual(rotationFromPolicy(null), { enabled: false, periodDays: null });
    assert.deepEqual(rotationFromPolicy({ lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }] }), { enabled: false, periodDays: null });
    assert.deepEqual(rotationFromPolicy({ lifetimeActions: [{ trigger: { timeAfterCreate: 'P90D' }, action: { type: 'Rotate' } }] }), { enabled: true, periodDays: 90 });
  });
});
