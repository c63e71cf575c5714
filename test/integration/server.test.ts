import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { InitResult, SealStatus } from '../../src/server/schemas/sys.ts';
import type { KeyList, KeyView, PublicKey } from '../../src/server/schemas/keys.ts';
import type { DecryptResult, EncryptResult, MacResult, SignResult, VerifyResult } from '../../src/server/schemas/crypto.ts';
import { buildServer } from '../../src/server/app.ts';
import { settleScheduler, testBackend } from '../test-backend.ts';
import { TestServer, assertError, b64, fromB64 } from './server-harness.ts';

type Key = Static<typeof KeyView>;
const PLAINTEXT = 'card 4111-1111-1111-1111 exp 12/29';
const CONTEXT = { tenant: 'acme', purpose: 'billing' };

describe(`Keyward over HTTP: init, unseal and a key lifecycle on ${testBackend.label}`, () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });

  it('starts uninitialised and answers the public routes without a token', async () => {
    const health = await server.request<{ status: string; initialized: boolean; sealed: boolean }>('GET', '/v1/sys/health', { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual({ ...health.body, time: undefined }, { status: 'ok', initialized: false, sealed: true, time: undefined });
    const status = await server.request<Static<typeof SealStatus>>('GET', '/v1/sys/seal-status', { token: null });
    assert.deepEqual(status.body, { initialized: false, sealed: true, threshold: null, shares: null, progress: 0 });
  });

  it('initialises once, returning shares and a root token whose hash alone is stored', async () => {
    const init = await server.request<Static<typeof InitResult>>('POST', '/v1/sys/init', { body: { shares: 3, threshold: 2 }, token: null });
    assert.equal(init.status, 200, init.text);
    assert.equal(init.body.shares.length, 3);
    assert.equal(init.body.threshold, 2);
    assert.match(init.body.rootToken, /^kwr_[A-Za-z0-9_-]{43}$/);
    server.rootToken = init.body.rootToken;
    server.shares = init.body.shares;

    const hash = createHash('sha256').update(init.body.rootToken).digest();
    const stored = await server.engine.store.getTokenByHash(hash);
    assert.deepEqual([stored?.type, stored?.permissions, stored?.expiresAt], ['root', ['*'], null]);
    // The database holds the hash, never the token text.
    const contents = await server.storage.storedContents();
    assert.ok(contents.length > 0, `the ${server.storage.label} contents could be read`);
    assert.ok(!contents.includes(Buffer.from(init.body.rootToken)), `no token text in the ${server.storage.label} database`);

    assertError(await server.request('POST', '/v1/sys/init', { body: {}, token: null }), 409, 'already_initialized');
    assert.ok(await server.engine.store.getTokenByHash(hash), 'a refused init keeps the token');
  });

  it('refuses key operations while sealed, then unseals share by share', async () => {
    assertError(await server.request('GET', '/v1/keys'), 503, 'sealed');
    const first = await server.request<Static<typeof SealStatus>>('POST', '/v1/sys/unseal', { body: { share: server.shares[0] }, token: null });
    assert.deepEqual([first.body.sealed, first.body.progress], [true, 1]);
    assertError(await server.request('POST', '/v1/sys/unseal', { body: { share: server.shares[0] }, token: null }), 400, 'duplicate_share');
    const second = await server.request<Static<typeof SealStatus>>('POST', '/v1/sys/unseal', { body: { share: server.shares[1] }, token: null });
    assert.deepEqual([second.body.sealed, second.body.progress], [false, 0]);
    await settleScheduler(server.engine);
  });

  it('creates, lists, describes and updates a key', async () => {
    const created = await server.request<Key>('POST', '/v1/keys', {
      body: { name: 'billing', spec: 'AES_256_GCM', owner: 'team-pay', environment: 'prod', tier: 1, tags: { team: 'pay' } },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.body.state, created.body.currentVersion, created.body.createdBy.startsWith('root:')], ['active', 1, true]);
    assert.equal('revision' in created.body, false);
    await server.request('POST', '/v1/keys', { body: { name: 'other', spec: 'AES_256_GCM', environment: 'dev' } });

    const listed = await server.request<Static<typeof KeyList>>('GET', '/v1/keys?environment=prod&tag=team%3Dpay&prefix=bil&tier=1&limit=10');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.keys.map((k) => k.name), ['billing']);
    const page = await server.request<Static<typeof KeyList>>('GET', '/v1/keys?limit=1');
    assert.deepEqual([page.body.keys.length, page.body.next], [1, 'billing']);
    const rest = await server.request<Static<typeof KeyList>>(`GET`, `/v1/keys?limit=1&after=${page.body.next}`);
    assert.deepEqual(rest.body.keys.map((k) => k.name), ['other']);

    const described = await server.request<Key>('GET', '/v1/keys/billing');
    assert.equal(described.body.versions?.length, 1);
    const updated = await server.request<Key>('PATCH', '/v1/keys/billing', { body: { description: 'card data', tier: 2 } });
    assert.deepEqual([updated.status, updated.body.description, updated.body.tier], [200, 'card data', 2]);
    assertError(await server.request('GET', '/v1/keys/nope'), 404, 'key_not_found');
  });

  it('encrypts and decrypts with a context, keeps old ciphertexts readable after rotation, and honours states', async () => {
    const headers = { 'x-correlation-id': 'order-42:step.1' };
    const enc = await server.request<Static<typeof EncryptResult>>('POST', '/v1/crypto/encrypt', { body: { key: 'billing', plaintext: b64(PLAINTEXT), context: CONTEXT }, headers });
    assert.equal(enc.status, 200, enc.text);
    assert.match(enc.body.ciphertext, /^kw:v1:key_[0-9a-f]{24}:1:/);
    assert.equal(enc.headers.get('x-correlation-id'), headers['x-correlation-id']);

    const dec = await server.request<Static<typeof DecryptResult>>('POST', '/v1/crypto/decrypt', { body: { ciphertext: enc.body.ciphertext, context: CONTEXT } });
    assert.equal(fromB64(dec.body.plaintext), PLAINTEXT);
    assertError(await server.request('POST', '/v1/crypto/decrypt', { body: { ciphertext: enc.body.ciphertext, context: { tenant: 'evil' } } }), 400, 'decryption_failed');

    const rotated = await server.request<Key>('POST', '/v1/keys/billing/rotate');
    assert.deepEqual([rotated.status, rotated.body.currentVersion], [200, 2]);
    const old = await server.request<Static<typeof DecryptResult>>('POST', '/v1/crypto/decrypt', { body: { ciphertext: enc.body.ciphertext, context: CONTEXT } });
    assert.deepEqual([fromB64(old.body.plaintext), old.body.version], [PLAINTEXT, 1]);
    const fresh = await server.request<Static<typeof EncryptResult>>('POST', '/v1/crypto/encrypt', { body: { key: 'billing', plaintext: b64('x') } });
    assert.equal(fresh.body.version, 2);

    const deactivated = await server.request<Key>('POST', '/v1/keys/billing/state', { body: { action: 'deactivate', reason: 'retired' } });
    assert.deepEqual([deactivated.status, deactivated.body.state], [200, 'deactivated']);
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'billing', plaintext: b64('no') } }), 409, 'key_state_invalid');
    const still = await server.request<Static<typeof DecryptResult>>('POST', '/v1/crypto/decrypt', { body: { ciphertext: enc.body.ciphertext, context: CONTEXT } });
    assert.equal(fromB64(still.body.plaintext), PLAINTEXT);
    assertError(await server.request('POST', '/v1/keys/billing/state', { body: { action: 'resume' } }), 409, 'invalid_state_transition');
  });

  it('signs and verifies with an ECC key and MACs with an HMAC key', async () => {
    assert.equal((await server.request('POST', '/v1/keys', { body: { name: 'signer', spec: 'ECC_NIST_P256' } })).status, 201);
    const message = b64('release v1.2.3');
    const signed = await server.request<Static<typeof SignResult>>('POST', '/v1/crypto/sign', { body: { key: 'signer', message } });
    assert.deepEqual([signed.status, signed.body.algorithm], [200, 'ECDSA_SHA_256']);
    const ok = await server.request<Static<typeof VerifyResult>>('POST', '/v1/crypto/verify', { body: { key: 'signer', message, signature: signed.body.signature } });
    assert.deepEqual([ok.body.valid, ok.body.version], [true, 1]);
    const bad = await server.request<Static<typeof VerifyResult>>('POST', '/v1/crypto/verify', { body: { key: 'signer', message: b64('release v6.6.6'), signature: signed.body.signature } });
    assert.deepEqual([bad.body.valid, bad.body.version], [false, null]);
    const pub = await server.request<Static<typeof PublicKey>>('GET', '/v1/keys/signer/public-key');
    assert.match(pub.body.publicKey, /^-----BEGIN PUBLIC KEY-----/);

    await server.request('POST', '/v1/keys', { body: { name: 'hooks', spec: 'HMAC_SHA256' } });
    const mac = await server.request<Static<typeof MacResult>>('POST', '/v1/crypto/mac', { body: { key: 'hooks', message } });
    assert.equal(Buffer.from(mac.body.mac, 'base64').length, 32);
    const checked = await server.request<Static<typeof VerifyResult>>('POST', '/v1/crypto/verify-mac', { body: { key: 'hooks', message, mac: mac.body.mac } });
    assert.equal(checked.body.valid, true);
    assertError(await server.request('POST', '/v1/crypto/mac', { body: { key: 'signer', message } }), 400, 'key_usage_invalid');
  });

  it('generates data keys and random bytes, re-encrypts, and imports key material', async () => {
    await server.request('POST', '/v1/keys', { body: { name: 'envelope', spec: 'AES_256_GCM' } });
    const dk = await server.request<{ plaintext?: string; ciphertext: string }>('POST', '/v1/crypto/generate-data-key', { body: { key: 'envelope', bytes: 32 } });
    assert.equal(Buffer.from(dk.body.plaintext ?? '', 'base64').length, 32);
    const wrappedOnly = await server.request<{ plaintext?: string }>('POST', '/v1/crypto/generate-data-key', { body: { key: 'envelope', includePlaintext: false } });
    assert.equal(wrappedOnly.body.plaintext, undefined);
    const random = await server.request<{ random: string }>('POST', '/v1/crypto/random', { body: { bytes: 16 } });
    assert.equal(Buffer.from(random.body.random, 'base64').length, 16);

    const imported = await server.request<Key>('POST', '/v1/keys/import', { body: { name: 'byok', spec: 'AES_256_GCM', material: Buffer.alloc(32, 7).toString('base64') } });
    assert.deepEqual([imported.status, imported.body.origin], [201, 'imported']);
    const re = await server.request<{ keyId: string; sourceKeyId: string; ciphertext: string }>('POST', '/v1/crypto/re-encrypt', {
      body: { ciphertext: dk.body.ciphertext, destinationKey: 'byok' },
    });
    assert.equal(re.status, 200, re.text);
    assert.equal(re.body.keyId, imported.body.id);
    const min = await server.request<Key>('POST', '/v1/keys/envelope/min-decryption-version', { body: { version: 1 } });
    assert.equal(min.body.minDecryptionVersion, 1);
  });

  it('keeps the root token across a restart of the HTTP layer (tokens live in the store)', async () => {
    const again = await buildServer({ engine: server.engine });
    try {
      const ok = await again.inject({ method: 'GET', url: '/v1/keys', headers: { 'x-keyward-token': server.rootToken ?? '' } });
      assert.equal(ok.statusCode, 200, ok.body);
    } finally {
      await again.close();
    }
  });

  it('seals on request: key operations answer 503 sealed until unsealed again', async () => {
    const sealed = await server.request<Static<typeof SealStatus>>('POST', '/v1/sys/seal');
    assert.equal(sealed.body.sealed, true);
    assertError(await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'envelope', plaintext: b64('x') } }), 503, 'sealed');
    await server.unseal();
    assert.equal((await server.request('POST', '/v1/crypto/encrypt', { body: { key: 'envelope', plaintext: b64('x') } })).status, 200);
  });
});
