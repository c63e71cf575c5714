import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gcpKmsConnector } from '../../src/inventory/connectors/gcp-kms.ts';
import { rejectsWith } from '../engine/helpers.ts';
import { startFakeProvider, testContext, type FakeProvider, type FakeReply, type RecordedRequest } from './fake-provider.ts';

const TOKEN = 'ya29.a0-example-oauth-access-token';
const PARENT = 'projects/acme-prod/locations/europe-west1';

const RINGS = [`${PARENT}/keyRings/payments`, `${PARENT}/keyRings/signing`];
const KEYS: Record<string, unknown[]> = {
  [RINGS[0] as string]: [
    {
      name: `${RINGS[0]}/cryptoKeys/card-dek`,
      purpose: 'ENCRYPT_DECRYPT',
      createTime: '2023-04-01T08:00:00.000000Z',
      nextRotationTime: '2026-04-01T08:00:00Z',
      rotationPeriod: '7776000s',
      primary: { name: `${RINGS[0]}/cryptoKeys/card-dek/cryptoKeyVersions/5`, state: 'ENABLED', createTime: '2026-01-01T08:00:00Z', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION', protectionLevel: 'HSM' },
      versionTemplate: { protectionLevel: 'HSM', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
      labels: { owner: 'payments-team', environment: 'production', tier: '1' },
    },
    {
      name: `${RINGS[0]}/cryptoKeys/old-dek`,
      purpose: 'ENCRYPT_DECRYPT',
      createTime: '2020-01-01T00:00:00Z',
      primary: { name: `${RINGS[0]}/cryptoKeys/old-dek/cryptoKeyVersions/1`, state: 'DISABLED', createTime: '2020-01-01T00:00:00Z', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
      versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
    },
    {
      name: `${RINGS[0]}/cryptoKeys/webhook-mac`,
      purpose: 'MAC',
      createTime: '2024-06-01T00:00:00Z',
      primary: { name: `${RINGS[0]}/cryptoKeys/webhook-mac/cryptoKeyVersions/1`, state: 'ENABLED', createTime: '2024-06-01T00:00:00Z', algorithm: 'HMAC_SHA256' },
      versionTemplate: { algorithm: 'HMAC_SHA256' },
    },
  ],
  [RINGS[1] as string]: [{ name: `${RINGS[1]}/cryptoKeys/invoices`, purpose: 'ASYMMETRIC_SIGN', createTime: '2022-02-02T00:00:00Z', versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'RSA_SIGN_PSS_3072_SHA256' } }],
};
const VERSIONS: Record<string, unknown[]> = {
  [`${RINGS[1]}/cryptoKeys/invoices`]: [
    { name: `${RINGS[1]}/cryptoKeys/invoices/cryptoKeyVersions/1`, state: 'DESTROYED', createTime: '2022-02-02T00:00:00Z' },
    { name: `${RINGS[1]}/cryptoKeys/invoices/cryptoKeyVersions/2`, state: 'ENABLED', createTime: '2025-02-02T00:00:00Z' },
  ],
};

/** Pages of two by pageToken, as the REST API pages. */
function paged(list: readonly unknown[], field: string, token: string | null): FakeReply {
  const start = token ? Number(token) : 0;
  const end = start + 2;
  return { body: { [field]: list.slice(start, end), ...(end < list.length ? { nextPageToken: String(end) } : {}), totalSize: list.length } };
}

function cloudKms(req: RecordedRequest): FakeReply {
  if (req.headers['authorization'] !== `Bearer ${TOKEN}`) return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } };
  const url = new URL(req.url, 'http://kms');
  const token = url.searchParams.get('pageToken');
  if (url.searchParams.get('pageSize') !== '1000') return { status: 400, body: { error: { code: 400, message: 'expected pageSize', status: 'INVALID_ARGUMENT' } } };
  const path = decodeURIComponent(url.pathname.replace(/^\/v1\//, ''));
  if (path === `${PARENT}/keyRings`) return paged(RINGS.map((name) => ({ name, createTime: '2020-01-01T00:00:00Z' })), 'keyRings', token);
  const ring = /^(.*)\/cryptoKeys$/.exec(path)?.[1];
  if (ring && KEYS[ring]) return paged(KEYS[ring] ?? [], 'cryptoKeys', token);
  const key = /^(.*)\/cryptoKeyVersions$/.exec(path)?.[1];
  if (key && VERSIONS[key]) return paged(VERSIONS[key] ?? [], 'cryptoKeyVersions', token);
  return { status: 404, body: { error: { code: 404, message: `${path} not found`, status: 'NOT_FOUND' } } };
}

describe('GCP Cloud KMS connector (REST)', () => {
  let server: FakeProvider;
  before(async () => {
    server = await startFakeProvider(cloudKms);
  });
  after(() => server.close());

  it('lists key rings and crypto keys across pages, and versions of keys without a primary', async () => {
    const found = await gcpKmsConnector.discover({ endpoint: server.url, project: 'acme-prod', location: 'europe-west1' }, { token: TOKEN }, testContext());
    assert.equal(found.source, 'gcp-kms:acme-prod/europe-west1');
    assert.deepEqual(found.warnings, []);
    assert.deepEqual(found.items.map((i) => i.name).sort(), ['payments/card-dek', 'payments/old-dek', 'payments/webhook-mac', 'signing/invoices']);
    const paths = server.requests.map((r) => r.url);
    assert.ok(paths.some((p) => p.includes('/cryptoKeys?') && p.includes('pageToken=2')), 'follows nextPageToken');

    const dek = found.items.find((i) => i.name === 'payments/card-dek');
    assert.equal(dek?.externalId, `${RINGS[0]}/cryptoKeys/card-dek`);
    assert.equal(dek?.type, 'symmetric');
    assert.equal(dek?.sizeBits, 256);
    assert.deepEqual(dek?.rotation, { enabled: true, periodDays: 90 });
    assert.equal(dek?.lastRotatedAt, '2026-01-01T08:00:00.000Z');
    assert.equal(dek?.state, 'enabled');
    assert.equal(dek?.owner, 'payments-team');
    assert.equal(dek?.environment, 'prod');
    assert.equal(dek?.tier, 1);
    assert.equal(dek?.attributes?.['protectionLevel'], 'HSM');
    assert.equal(dek?.attributes?.['nextRotationTime'], '2026-04-01T08:00:00.000Z');

    const old = found.items.find((i) => i.name === 'payments/old-dek');
    assert.equal(old?.state, 'disabled');
    assert.equal(old?.lastRotatedAt, null, 'the first version is not a rotation');
    assert.deepEqual(old?.rotation, { enabled: false, periodDays: null });

    assert.equal(found.items.find((i) => i.name === 'payments/webhook-mac')?.type, 'hmac');
    const invoices = found.items.find((i) => i.name === 'signing/invoices');
    assert.equal(invoices?.type, 'asymmetric');
    assert.equal(invoices?.sizeBits, 3072);
    assert.equal(invoices?.state, 'enabled');
    assert.equal(invoices?.lastRotatedAt, '2025-02-02T00:00:00.000Z');
  });

  it('fails with connector_failed and Google\'s message when the token is refused', async () => {
    const err = await rejectsWith(gcpKmsConnector.discover({ endpoint: server.url, project: 'acme-prod', location: 'europe-west1' }, { token: 'ya29.expired' }, testContext()), 'connector_failed');
    assert.equal(err.message, `gcp-kms at ${server.url}: keyRings.list ${PARENT}: HTTP 401 (UNAUTHENTICATED: Request had invalid authentication credentials.)`);
  });

  it('needs a project and a token', async () => {
    await rejectsWith(gcpKmsConnector.discover({ endpoint: server.url }, { token: TOKEN }, testContext()), 'validation_failed');
    await rejectsWith(gcpKmsConnector.discover({ endpoint: server.url, project: 'acme-prod' }, {}, testContext()), 'validation_failed');
    await rejectsWith(gcpKmsConnector.discover({ endpoint: server.url, project: 'acme-prod', location: 'Europe/../x' }, { token: TOKEN }, testContext()), 'validation_failed');
  });
});
