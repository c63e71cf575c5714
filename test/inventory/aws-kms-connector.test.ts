import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { awsKmsConnector } from '../../src/inventory/connectors/aws-kms.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { rejectsWith } from '../engine/helpers.ts';
import { checkSigV4, startFakeProvider, testContext, type FakeProvider, type FakeReply, type RecordedRequest } from './fake-provider.ts';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const arn = (id: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const epoch = (iso: string): number => new Date(iso).getTime() / 1000;

interface FakeKey {
  readonly id: string;
  readonly meta: Record<string, unknown>;
  readonly rotation?: { KeyRotationEnabled: boolean; RotationPeriodInDays?: number };
  readonly tags?: { TagKey: string; TagValue: string }[];
  readonly rotations?: string[];
  readonly lastUsed?: string;
  readonly describeError?: string;
}

const KEYS: FakeKey[] = [
  {
    id: 'k1',
    meta: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Enabled: true, KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', Description: 'card data', CreationDate: epoch('2024-01-10T00:00:00Z') },
    rotation: { KeyRotationEnabled: true, RotationPeriodInDays: 180 },
    tags: [
      { TagKey: 'Owner', TagValue: 'alice@example.com' },
      { TagKey: 'env', TagValue: 'production' },
    ],
    rotations: ['2024-07-10T00:00:00Z', '2025-01-06T00:00:00Z'],
    lastUsed: '2026-02-27T12:00:00Z',
  },
  { id: 'k2', meta: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', KeyState: 'Disabled', Enabled: false, KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', CreationDate: epoch('2023-05-01T00:00:00Z') } },
  {
    id: 'k3',
    meta: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Enabled: true, KeyManager: 'AWS', Origin: 'AWS_KMS', Description: 'Default key for S3', CreationDate: epoch('2020-01-01T00:00:00Z') },
    rotation: { KeyRotationEnabled: true },
  },
  { id: 'k4', meta: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'PendingDeletion', Enabled: false, KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', CreationDate: epoch('2022-01-01T00:00:00Z'), DeletionDate: epoch('2026-03-10T00:00:00Z') } },
  { id: 'k5', meta: {}, describeError: 'AccessDeniedException' },
];
const ALIASES = [
  { AliasName: 'alias/billing', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/billing`, TargetKeyId: 'k1' },
  { AliasName: 'alias/aws/s3', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/s3`, TargetKeyId: 'k3' },
  { AliasName: 'alias/unused' },
];

/** Pages of two, whatever Limit asks: the connector must follow NextMarker. */
function page<T>(list: readonly T[], marker: unknown, field: string): Record<string, unknown> {
  const start = typeof marker === 'string' ? Number(marker) : 0;
  const end = start + 2;
  return { [field]: list.slice(start, end), Truncated: end < list.length, ...(end < list.length ? { NextMarker: String(end) } : {}) };
}

function awsError(type: string, message: string, status = 400): FakeReply {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }, body: { __type: type, message } };
}

/** A KMS endpoint speaking the JSON 1.1 protocol over `keys`. */
function kms(keys: readonly FakeKey[], options: { unsupported?: readonly string[]; denied?: readonly string[]; signatureProblems?: string[] } = {}) {
  return (req: RecordedRequest): FakeReply => {
    const problem = checkSigV4(req, { ...CREDENTIALS, region: REGION });
    if (problem) {
      options.signatureProblems?.push(problem);
      return awsError('InvalidSignatureException', problem);
    }
    if (req.method !== 'POST' || req.url !== '/') return awsError('UnknownOperationException', 'not a KMS request', 404);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return awsError('SerializationException', `content type ${String(req.headers['content-type'])}`);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.replace(/^TrentService\./, '');
    if (op === target) return awsError('UnknownOperationException', `target ${target}`);
    if (options.unsupported?.includes(op)) return awsError('UnknownOperationException', `${op} is not supported`);
    if (options.denied?.includes(op)) return awsError('AccessDeniedException', `not authorized to perform kms:${op}`);
    const input = JSON.parse(req.body || '{}') as Record<string, unknown>;
    const key = keys.find((k) => k.id === input['KeyId']);
    const ok = (body: unknown): FakeReply => ({ headers: { 'content-type': 'application/x-amz-json-1.1' }, body });
    switch (op) {
      case 'ListKeys':
        return ok(page(keys.map((k) => ({ KeyId: k.id, KeyArn: arn(k.id) })), input['Marker'], 'Keys'));
      case 'ListAliases':
        return ok(page(ALIASES.filter((a) => !a.TargetKeyId || keys.some((k) => k.id === a.TargetKeyId)), input['Marker'], 'Aliases'));
      case 'DescribeKey':
        if (!key) return awsError('NotFoundException', 'no such key');
        if (key.describeError) return awsError(key.describeError, `User is not authorized to perform kms:DescribeKey on ${arn(key.id)}`);
        return ok({ KeyMetadata: { AWSAccountId: ACCOUNT, KeyId: key.id, Arn: arn(key.id), ...key.meta } });
      case 'GetKeyRotationStatus':
        if (!key?.rotation) return awsError('UnsupportedOperationException', 'rotation is not supported for this key');
        return ok({ KeyId: key.id, ...key.rotation });
      case 'ListResourceTags':
        return ok(page(key?.tags ?? [], input['Marker'], 'Tags'));
      case 'ListKeyRotations':
        return ok({ Rotations: (key?.rotations ?? []).map((d) => ({ KeyId: key?.id, RotationDate: epoch(d), RotationType: 'AUTOMATIC' })), Truncated: false });
      case 'GetKeyLastUsage':
        return ok({ KeyId: key?.id, KeyLastUsage: key?.lastUsed ? { Operation: 'Decrypt', Timestamp: epoch(key.lastUsed) } : {}, TrackingStartDate: epoch('2025-01-01T00:00:00Z') });
      default:
        return awsError('UnknownOperationException', `${op} is not supported`);
    }
  };
}

describe('AWS KMS connector (JSON 1.1 protocol, SigV4)', () => {
  let server: FakeProvider;
  const signatureProblems: string[] = [];
  before(async () => {
    server = await startFakeProvider(kms(KEYS, { signatureProblems }));
  });
  after(() => server.close());

  it('lists every key across pages and describes each, with aliases, tags, rotation and last use', async () => {
    const found = await awsKmsConnector.discover({ endpoint: server.url, region: REGION }, CREDENTIALS, testContext());
    assert.deepEqual(signatureProblems, [], 'every request carries a valid SigV4 signature');
    assert.equal(found.source, `aws-kms:${ACCOUNT}/${REGION}`);
    assert.deepEqual(found.config, { region: REGION, endpoint: server.url, account: ACCOUNT });
    const targets = server.requests.map((r) => String(r.headers['x-amz-target']));
    assert.equal(targets.filter((t) => t === 'TrentService.ListKeys').length, 3, 'five keys in pages of two');
    assert.equal(targets.filter((t) => t === 'TrentService.ListAliases').length, 2);
    assert.equal(found.items.length, 5);

    const billing = found.items.find((i) => i.externalId === arn('k1'));
    assert.deepEqual(
      { ...billing, attributes: undefined },
      {
        name: 'billing',
        externalId: arn('k1'),
        type: 'symmetric',
        algorithm: 'SYMMETRIC_DEFAULT',
        sizeBits: 256,
        usage: 'ENCRYPT_DECRYPT',
        purpose: 'card data',
        owner: 'alice@example.com',
        environment: 'prod',
        location: REGION,
        createdAt: '2024-01-10T00:00:00.000Z',
        lastRotatedAt: '2025-01-06T00:00:00.000Z',
        lastUsedAt: '2026-02-27T12:00:00.000Z',
        expiresAt: null,
        rotation: { enabled: true, periodDays: 180 },
        state: 'enabled',
        fingerprint: null,
        tags: { Owner: 'alice@example.com', env: 'production' },
        attributes: undefined,
      },
    );
    assert.equal(billing?.attributes?.['keyManager'], 'CUSTOMER');

    const signing = found.items.find((i) => i.externalId === arn('k2'));
    assert.equal(signing?.name, 'k2', 'a key without alias is named by its id');
    assert.equal(signing?.type, 'asymmetric');
    assert.equal(signing?.sizeBits, 2048);
    assert.equal(signing?.state, 'disabled');
    assert.deepEqual(signing?.rotation, { enabled: false, periodDays: null });

    const s3 = found.items.find((i) => i.externalId === arn('k3'));
    assert.equal(s3?.name, 'aws/s3');
    assert.deepEqual(s3?.rotation, { enabled: true, periodDays: 365 });
    assert.equal(found.items.find((i) => i.externalId === arn('k4'))?.state, 'pending-deletion');

    const denied = found.items.find((i) => i.externalId === arn('k5'));
    assert.deepEqual(denied, { name: 'k5', externalId: arn('k5'), location: REGION }, 'a key that cannot be described is still reported');
    assert.equal(found.warnings.length, 1);
    assert.match(found.warnings[0] ?? '', /k5: .*AccessDeniedException \(HTTP 400\)/);
    // Rotation status only for symmetric keys with KMS material that are not pending deletion; tags only for customer keys.
    const rotationAsked = server.requests.filter((r) => r.headers['x-amz-target'] === 'TrentService.GetKeyRotationStatus').map((r) => (JSON.parse(r.body) as { KeyId: string }).KeyId);
    assert.deepEqual(rotationAsked.sort(), ['k1', 'k3']);
  });

  it('drops an operation the endpoint does not have, once, instead of failing', async () => {
    const partial = await startFakeProvider(kms(KEYS.slice(0, 1), { unsupported: ['ListKeyRotations', 'GetKeyLastUsage'] }));
    try {
      const found = await awsKmsConnector.discover({ endpoint: partial.url, region: REGION }, CREDENTIALS, testContext());
      assert.equal(found.items[0]?.lastRotatedAt, null);
      assert.equal(found.items[0]?.lastUsedAt, undefined, 'last use unknown, so a stored value is kept');
      assert.deepEqual(found.warnings, ['the endpoint does not support ListKeyRotations; last rotation is unknown', 'the endpoint does not support GetKeyLastUsage; last use is unknown']);
    } finally {
      await partial.close();
    }
  });

  it('drops an optional operation the credential may not call, with one warning rather than one per key', async () => {
    const denied = await startFakeProvider(kms(KEYS.slice(0, 3), { denied: ['GetKeyLastUsage'] }));
    try {
      const found = await awsKmsConnector.discover({ endpoint: denied.url, region: REGION }, CREDENTIALS, testContext({ concurrency: 1 }));
      assert.deepEqual(found.warnings, ['not allowed to call GetKeyLastUsage (AccessDeniedException); last use is unknown']);
      assert.equal(denied.requests.filter((r) => r.headers['x-amz-target'] === 'TrentService.GetKeyLastUsage').length, 1);
    } finally {
      await denied.close();
    }
  });

  it('fails with connector_failed naming the endpoint and status, never the secret, when the credential is refused', async () => {
    const wrong = { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret-at-all-0123456789' };
    const err = await rejectsWith(awsKmsConnector.discover({ endpoint: server.url, region: REGION }, wrong, testContext()), 'connector_failed');
    assert.match(err.message, new RegExp(`aws-kms at ${server.url}: ListKeys: InvalidSignatureException \\(HTTP 400\\)`));
    assert.ok(!JSON.stringify({ m: err.message, d: err.details }).includes(wrong.secretAccessKey));
    assert.equal(err.details['status'], 400);
  });

  it('tells an unreachable endpoint and a missing region apart', async () => {
    const closed = await startFakeProvider(() => ({}));
    await closed.close();
    const err = await rejectsWith(awsKmsConnector.discover({ endpoint: closed.url, region: REGION }, CREDENTIALS, testContext()), 'connector_failed');
    assert.match(err.message, /ListKeys: cannot connect \(ECONNREFUSED\)/);
    await rejectsWith(awsKmsConnector.discover({ endpoint: server.url }, CREDENTIALS, testContext()), 'validation_failed');
    const half = await awsKmsConnector.discover({ endpoint: server.url, region: REGION }, { accessKeyId: 'AKID' }, testContext()).catch((e: unknown) => e);
    assert.ok(half instanceof KeywardError && half.code === 'validation_failed');
  });

  it('names no source for an account without keys unless told the account', async () => {
    const empty = await startFakeProvider(kms([]));
    try {
      assert.equal((await awsKmsConnector.discover({ endpoint: empty.url, region: REGION }, CREDENTIALS, testContext())).source, null);
      assert.equal((await awsKmsConnector.discover({ endpoint: empty.url, region: REGION, account: ACCOUNT }, CREDENTIALS, testContext())).source, `aws-kms:${ACCOUNT}/${REGION}`);
    } finally {
      await empty.close();
    }
  });
});
