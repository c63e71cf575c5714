import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { KEY_SPECS, SPEC_INFO, type KeySpec, type KeyUsage } from '../../src/crypto/key-specs.ts';
import { formatCiphertext, parseCiphertext } from '../../src/crypto/ciphertext-format.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt } from '../../src/crypto/aes-gcm.ts';
import { ciphertextAad } from '../../src/keys/key-crypto.ts';
import type { KeyMetadataInput } from '../../src/keys/key-input.ts';
import type { Engine } from '../../src/engine.ts';
import { lastAuditEntry, rejectsWith, root, useDevEngine } from './helpers.ts';

const USAGE_FOR: Readonly<Record<KeySpec, KeyUsage>> = {
  AES_256_GCM: 'ENCRYPT_DECRYPT',
  RSA_2048: 'SIGN_VERIFY',
  RSA_3072: 'ENCRYPT_DECRYPT',
  RSA_4096: 'SIGN_VERIFY',
  ECC_NIST_P256: 'SIGN_VERIFY',
  ECC_NIST_P384: 'SIGN_VERIFY',
  ED25519: 'SIGN_VERIFY',
  HMAC_SHA256: 'GENERATE_VERIFY_MAC',
  HMAC_SHA512: 'GENERATE_VERIFY_MAC',
};

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('creating keys', () => {
  const engine = useDevEngine();

  for (const spec of KEY_SPECS) {
    const rsa = SPEC_INFO[spec].family === 'rsa';
    it(`creates a ${spec} key${rsa ? ' with an explicit usage' : ''} as active version 1`, async () => {
      const usage = USAGE_FOR[spec];
      const name = `create-${spec.toLowerCase().replace(/_/g, '-')}`;
      const view = await engine().keys.create(root, rsa ? { name, spec, usage } : { name, spec });
      assert.match(view.id, /^key_[0-9a-f]{24}$/);
      assert.equal(view.name, name);
      assert.equal(view.spec, spec);
      assert.equal(view.usage, usage);
      assert.equal(view.state, 'active');
      assert.equal(view.origin, 'generated');
      assert.equal(view.currentVersion, 1);
      assert.equal(view.minDecryptionVersion, 1);
      assert.equal(view.createdBy, 'root:test');
      assert.deepEqual(view.tags, {});
      assert.equal(view.versions?.length, 1);
      const v1 = view.versions?.[0];
      assert.ok(v1);
      assert.equal(v1.version, 1);
      assert.equal(v1.destroyed, false);
      assert.equal(v1.origin, 'generated');
      const asymmetric = SPEC_INFO[spec].family !== 'aes' && SPEC_INFO[spec].family !== 'hmac';
      if (asymmetric) {
        assert.ok(v1.publicKey, 'asymmetric keys have a public key');
        const pub = createPublicKey(v1.publicKey);
        assert.equal(pub.type, 'public');
        const { publicKey } = await engine().keys.publicKey(root, name);
        assert.equal(publicKey, v1.publicKey);
      } else {
        assert.equal(v1.publicKey, null);
        await rejectsWith(engine().keys.publicKey(root, name), 'key_usage_invalid', 'symmetric keys have no public key');
      }
      const described = await engine().keys.describe(root, view.id);
      assert.equal(described.name, name, 'found by id');
      const entry = await lastAuditEntry(engine());
      assert.equal(entry.outcome, 'success');
    });
  }

  it('uses the spec’s only usage when none is given, and accepts it when given', async () => {
    assert.equal((await engine().keys.create(root, { name: 'default-usage', spec: 'ECC_NIST_P256' })).usage, 'SIGN_VERIFY');
    assert.equal((await engine().keys.create(root, { name: 'explicit-usage', spec: 'HMAC_SHA512', usage: 'GENERATE_VERIFY_MAC' })).usage, 'GENERATE_VERIFY_MAC');
  });

  it('refuses a name that is taken with key_exists, and leaves the first key alone', async () => {
    const first = await engine().keys.create(root, { name: 'taken', spec: 'AES_256_GCM' });
    await rejectsWith(engine().keys.create(root, { name: 'taken', spec: 'HMAC_SHA256' }), 'key_exists');
    const entry = await lastAuditEntry(engine());
    assert.equal(entry.action, 'key.create');
    assert.equal(entry.outcome, 'failure');
    assert.equal(entry.errorCode, 'key_exists');
    const still = await engine().keys.describe(root, 'taken');
    assert.equal(still.id, first.id);
    assert.equal(still.spec, 'AES_256_GCM');
  });

  for (const name of ['', '-leading-dash', '.leading-dot', 'has space', 'slash/name', 'colon:name', 'ünïcode', 'a'.repeat(129)]) {
    it(`refuses the name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} with validation_failed`, async () => {
      const err = await rejectsWith(engine().keys.create(root, { name, spec: 'AES_256_GCM' }), 'validation_failed');
      assert.equal(err.details['field'], 'name');
    });
  }

  it('refuses a name of the form of a key id, which would shadow that id', async () => {
    const a = await engine().keys.create(root, { name: 'id-shadow-target', spec: 'AES_256_GCM' });
    const err = await rejectsWith(engine().keys.create(root, { name: a.id, spec: 'HMAC_SHA256' }), 'validation_failed', "another key's id");
    assert.equal(err.details['field'], 'name');
    await rejectsWith(engine().keys.create(root, { name: 'key_0123456789abcdef01234567', spec: 'AES_256_GCM' }), 'validation_failed', 'id-shaped name');
    assert.equal((await engine().keys.describe(root, a.id)).name, 'id-shadow-target', 'the id still resolves to its key');
    // Names that merely start with key_ are fine and found by name.
    for (const name of ['key_1', 'key_0123456789ABCDEF01234567', 'key_0123456789abcdef012345678']) {
      await engine().keys.create(root, { name, spec: 'AES_256_GCM' });
      assert.equal((await engine().keys.describe(root, name)).name, name);
    }
  });

  it('accepts a 128-character name and names with . _ -', async () => {
    await engine().keys.create(root, { name: 'a'.repeat(128), spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 'A0.b_c-d', spec: 'AES_256_GCM' });
  });

  it('refuses an unknown spec with key_spec_invalid', async () => {
    for (const spec of ['AES_128_GCM', 'aes_256_gcm', '', 'RSA_1024']) {
      await rejectsWith(engine().keys.create(root, { name: 'bad-spec', spec: spec as KeySpec }), 'key_spec_invalid', spec);
    }
  });

  it('refuses a usage the spec does not support with key_usage_invalid', async () => {
    const cases: [KeySpec, string][] = [
      ['AES_256_GCM', 'SIGN_VERIFY'],
      ['AES_256_GCM', 'GENERATE_VERIFY_MAC'],
      ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'],
      ['ED25519', 'GENERATE_VERIFY_MAC'],
      ['HMAC_SHA256', 'ENCRYPT_DECRYPT'],
      ['RSA_2048', 'GENERATE_VERIFY_MAC'],
      ['RSA_2048', 'BOGUS'],
    ];
    for (const [spec, usage] of cases) {
      await rejectsWith(engine().keys.create(root, { name: 'bad-usage', spec, usage: usage as KeyUsage }), 'key_usage_invalid', `${spec}/${usage}`);
    }
  });

  it('refuses an RSA key without a usage with key_usage_invalid', async () => {
    const err = await rejectsWith(engine().keys.create(root, { name: 'rsa-no-usage', spec: 'RSA_2048' }), 'key_usage_invalid');
    assert.match(err.message, /ENCRYPT_DECRYPT or SIGN_VERIFY/);
  });

  it('creates keys in pre-activation when asked', async () => {
    const view = await engine().keys.create(root, { name: 'pre-act', spec: 'AES_256_GCM', preActivation: true });
    assert.equal(view.state, 'pre-activation');
  });
});

describe('key metadata', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'meta-target', spec: 'HMAC_SHA256' });
  });

  it('stores the metadata given at creation', async () => {
    const view = await engine().keys.create(root, {
      name: 'meta',
      spec: 'AES_256_GCM',
      owner: 'team-billing',
      purpose: 'card tokens',
      environment: 'prod',
      tier: 1,
      tags: { 'cost-center': '42', 'app:name': 'billing' },
      description: 'the billing key',
      rotationPeriodDays: 90,
    });
    assert.equal(view.owner, 'team-billing');
    assert.equal(view.purpose, 'card tokens');
    assert.equal(view.environment, 'prod');
    assert.equal(view.tier, 1);
    assert.deepEqual(view.tags, { 'cost-center': '42', 'app:name': 'billing' });
    assert.equal(view.description, 'the billing key');
    assert.equal(view.rotationPeriodDays, 90);
    const described = await engine().keys.describe(root, 'meta');
    assert.deepEqual({ ...described, versions: undefined }, { ...view, versions: undefined });
  });

  const invalid: [string, KeyMetadataInput, string][] = [
    ['an unknown environment', { environment: 'production' as never }, 'environment'],
    ['tier 0', { tier: 0 as never }, 'tier'],
    ['tier 4', { tier: 4 as never }, 'tier'],
    ['a tag with a bad name', { tags: { 'bad name': 'x' } }, 'tags'],
    ['a tag name starting with a dash', { tags: { '-x': 'x' } }, 'tags'],
    ['a tag value that is not text', { tags: { ok: 5 as never } }, 'tags'],
    ['a tag value over 256 characters', { tags: { ok: 'v'.repeat(257) } }, 'tags'],
    ['more than 50 tags', { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v'])) }, 'tags'],
    ['tags that are an array', { tags: ['a'] as never }, 'tags'],
    ['an owner over 1024 characters', { owner: 'o'.repeat(1025) }, 'owner'],
    ['a purpose over 1024 characters', { purpose: 'p'.repeat(1025) }, 'purpose'],
    ['a description over 1024 characters', { description: 'd'.repeat(1025) }, 'description'],
    ['an owner that is not text', { owner: 7 as never }, 'owner'],
    ['a rotation period of 0 days', { rotationPeriodDays: 0 }, 'rotationPeriodDays'],
    ['a rotation period of 3651 days', { rotationPeriodDays: 3651 }, 'rotationPeriodDays'],
    ['a fractional rotation period', { rotationPeriodDays: 1.5 }, 'rotationPeriodDays'],
  ];
  for (const [label, meta, field] of invalid) {
    it(`refuses ${label} with validation_failed on create and update`, async () => {
      const err = await rejectsWith(engine().keys.create(root, { name: 'meta-invalid', spec: 'AES_256_GCM', ...meta }), 'validation_failed', `create: ${label}`);
      assert.equal(err.details['field'], field);
      const err2 = await rejectsWith(engine().keys.update(root, 'meta-target', meta), 'validation_failed', `update: ${label}`);
      assert.equal(err2.details['field'], field);
      await rejectsWith(engine().keys.describe(root, 'meta-invalid'), 'key_not_found', 'nothing was created');
    });
  }

  it('accepts the limits: 1024-character text, 50 tags, 256-character tag values, 3650 days', async () => {
    const view = await engine().keys.create(root, {
      name: 'meta-limits',
      spec: 'AES_256_GCM',
      owner: 'o'.repeat(1024),
      tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'v'.repeat(256)])),
      rotationPeriodDays: 3650,
    });
    assert.equal(Object.keys(view.tags).length, 50);
  });

  it('updates only the fields given, and can clear them with null', async () => {
    const created = await engine().keys.create(root, { name: 'meta-update', spec: 'AES_256_GCM', owner: 'alice', environment: 'dev', tags: { a: '1' } });
    const updated = await engine().keys.update(root, 'meta-update', { owner: 'bob', tier: 2, tags: { b: '2' } });
    assert.equal(updated.owner, 'bob');
    assert.equal(updated.tier, 2);
    assert.equal(updated.environment, 'dev', 'untouched field kept');
    assert.deepEqual(updated.tags, { b: '2' }, 'tags are replaced as a whole');
    assert.equal(updated.currentVersion, 1);
    assert.equal(updated.createdAt, created.createdAt);
    assert.ok(updated.updatedAt >= created.updatedAt);
    const entry = await lastAuditEntry(engine());
    assert.equal(entry.action, 'key.update');
    assert.deepEqual(entry.details['changed'], ['owner', 'tier', 'tags']);

    const cleared = await engine().keys.update(root, 'meta-update', { environment: null, owner: null });
    assert.equal(cleared.environment, null);
    assert.equal(cleared.owner, null);
    assert.equal((await engine().keys.describe(root, 'meta-update')).environment, null, 'persisted');
  });

  it('refuses an update with nothing to change with validation_failed', async () => {
    await engine().keys.create(root, { name: 'meta-empty', spec: 'AES_256_GCM' });
    await rejectsWith(engine().keys.update(root, 'meta-empty', {}), 'validation_failed');
  });

  it('answers key_not_found for a key that does not exist', async () => {
    await rejectsWith(engine().keys.describe(root, 'nope'), 'key_not_found');
    await rejectsWith(engine().keys.describe(root, 'key_000000000000000000000000'), 'key_not_found');
    await rejectsWith(engine().keys.update(root, 'nope', { owner: 'x' }), 'key_not_found');
    await rejectsWith(engine().keys.rotate(root, 'nope'), 'key_not_found');
    await rejectsWith(engine().keys.changeState(root, 'nope', 'suspend'), 'key_not_found');
  });
});

describe('listing keys', () => {
  const engine = useDevEngine();
  const names = (r: { keys: readonly { name: string }[] }): string[] => r.keys.map((k) => k.name);

  it('lists with filters and pages by name', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'l-a', spec: 'AES_256_GCM', environment: 'prod', owner: 'alice', tier: 1, tags: { team: 'pay' } });
    await e.keys.create(root, { name: 'l-b', spec: 'HMAC_SHA256', environment: 'dev', owner: 'bob', tier: 2, tags: { team: 'ops' } });
    await e.keys.create(root, { name: 'l-c', spec: 'AES_256_GCM', environment: 'prod', owner: 'bob', tags: { team: 'pay', pci: 'yes' } });
    await e.keys.create(root, { name: 'l-d', spec: 'ED25519', environment: 'staging', owner: 'alice', tier: 1 });
    await e.keys.create(root, { name: 'm-e', spec: 'AES_256_GCM', preActivation: true });
    await e.keys.changeState(root, 'l-b', 'suspend');

    assert.deepEqual(names(await e.keys.list(root, {})), ['l-a', 'l-b', 'l-c', 'l-d', 'm-e']);
    assert.deepEqual(names(await e.keys.list(root, { environment: 'prod' })), ['l-a', 'l-c']);
    assert.deepEqual(names(await e.keys.list(root, { owner: 'alice' })), ['l-a', 'l-d']);
    assert.deepEqual(names(await e.keys.list(root, { tier: 1 })), ['l-a', 'l-d']);
    assert.deepEqual(names(await e.keys.list(root, { spec: 'AES_256_GCM' })), ['l-a', 'l-c', 'm-e']);
    assert.deepEqual(names(await e.keys.list(root, { state: 'suspended' })), ['l-b']);
    assert.deepEqual(names(await e.keys.list(root, { state: 'pre-activation' })), ['m-e']);
    assert.deepEqual(names(await e.keys.list(root, { tag: { key: 'team', value: 'pay' } })), ['l-a', 'l-c']);
    assert.deepEqual(names(await e.keys.list(root, { tag: { key: 'pci' } })), ['l-c']);
    assert.deepEqual(names(await e.keys.list(root, { namePrefix: 'l-' })), ['l-a', 'l-b', 'l-c', 'l-d']);
    assert.deepEqual(names(await e.keys.list(root, { namePrefix: 'l-', environment: 'prod', owner: 'bob' })), ['l-c']);
    assert.deepEqual(names(await e.keys.list(root, { environment: 'ci' })), []);

    const p1 = await e.keys.list(root, { limit: 2 });
    assert.deepEqual(names(p1), ['l-a', 'l-b']);
    assert.equal(p1.next, 'l-b');
    const p2 = await e.keys.list(root, { limit: 2, after: p1.next });
    assert.deepEqual(names(p2), ['l-c', 'l-d']);
    assert.equal(p2.next, 'l-d');
    const p3 = await e.keys.list(root, { limit: 2, after: p2.next });
    assert.deepEqual(names(p3), ['m-e']);
    assert.equal(p3.next, null);
    const exact = await e.keys.list(root, { limit: 5 });
    assert.equal(exact.keys.length, 5);
    assert.equal(exact.next, null, 'no next page when the page is exactly full');

    const listed = (await e.keys.list(root, { namePrefix: 'l-a' })).keys[0];
    assert.ok(listed);
    assert.equal('versions' in listed, false, 'lists carry no versions');
    assert.equal('revision' in listed, false, 'lists carry no revision');
    const entry = await lastAuditEntry(e);
    assert.equal(entry.action, 'key.list');
    assert.equal(entry.details['returned'], 1);
  });

  it('shows a key-scoped principal only the keys it may see', async () => {
    const e = engine();
    const scoped = { principal: { type: 'token' as const, actor: 'token:lister', permissions: ['key.list@l-a', 'key.list@l-c'] } };
    assert.deepEqual(names(await e.keys.list(scoped, {})), ['l-a', 'l-c']);
  });
});

describe('describing keys', () => {
  const engine = useDevEngine();

  it('shows versions but never key material', async () => {
    const e = engine();
    for (const [name, spec, usage] of [
      ['d-aes', 'AES_256_GCM', undefined],
      ['d-ec', 'ECC_NIST_P256', undefined],
      ['d-mac', 'HMAC_SHA512', undefined],
      ['d-rsa', 'RSA_2048', 'ENCRYPT_DECRYPT'],
    ] as const) {
      await e.keys.create(root, usage ? { name, spec, usage } : { name, spec });
      await e.keys.rotate(root, name);
      const view = await e.keys.describe(root, name);
      assert.deepEqual(view.versions?.map((v) => v.version), [1, 2]);
      for (const v of view.versions ?? []) assert.deepEqual(Object.keys(v).sort(), ['createdAt', 'destroyed', 'encryptionCount', 'origin', 'publicKey', 'version']);
      const json = JSON.stringify(view);
      assert.ok(!/wrapped|material|privateKey|private key/i.test(json), `${name}: no material fields`);
      for (const stored of await e.store.listKeyVersions(view.id)) {
        const wrapped = stored.wrappedMaterial;
        assert.ok(wrapped, 'material is stored wrapped');
        for (const enc of ['base64', 'base64url', 'hex'] as const) {
          assert.ok(!json.includes(wrapped.toString(enc)), `${name} v${stored.version}: no wrapped material (${enc})`);
          // Not even a recognisable chunk of it.
          assert.ok(!json.includes(wrapped.subarray(16, 40).toString(enc)), `${name} v${stored.version}: no piece of wrapped material (${enc})`);
        }
      }
      assert.equal('revision' in view, false);
    }
  });
});

describe('rotation', () => {
  const engine = useDevEngine();

  it('creates version 2; new encryptions use it and version 1 ciphertexts still decrypt', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'rot', spec: 'AES_256_GCM' });
    const c1 = await e.crypto.encrypt(root, { key: 'rot', plaintext: text('under v1') });
    assert.equal(c1.version, 1);
    const rotated = await e.keys.rotate(root, 'rot');
    assert.equal(rotated.currentVersion, 2);
    assert.ok(rotated.lastRotatedAt);
    assert.deepEqual(rotated.versions?.map((v) => [v.version, v.origin]), [[1, 'generated'], [2, 'generated']]);
    const entry = await lastAuditEntry(e);
    assert.equal(entry.action, 'key.rotate');
    assert.equal(entry.keyVersion, 2);
    assert.equal(entry.details['previousVersion'], 1);

    const c2 = await e.crypto.encrypt(root, { key: 'rot', plaintext: text('under v2') });
    assert.equal(c2.version, 2);
    assert.equal(parseCiphertext(c2.ciphertext).version, 2);
    const d1 = await e.crypto.decrypt(root, { ciphertext: c1.ciphertext });
    assert.deepEqual([d1.plaintext.toString(), d1.version], ['under v1', 1]);
    const d2 = await e.crypto.decrypt(root, { ciphertext: c2.ciphertext });
    assert.deepEqual([d2.plaintext.toString(), d2.version], ['under v2', 2]);
  });

  it('rotating twice gives version 3 with distinct material', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'rot3', spec: 'ED25519' });
    await e.keys.rotate(root, 'rot3');
    const v3 = await e.keys.rotate(root, 'rot3');
    assert.equal(v3.currentVersion, 3);
    const pubs = v3.versions?.map((v) => v.publicKey) ?? [];
    assert.equal(new Set(pubs).size, 3, 'each version has its own key pair');
  });

  it('setMinDecryptionVersion makes older ciphertexts fail with key_version_disabled', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'minv', spec: 'AES_256_GCM' });
    const c1 = await e.crypto.encrypt(root, { key: 'minv', plaintext: text('old') });
    await e.keys.rotate(root, 'minv');
    const c2 = await e.crypto.encrypt(root, { key: 'minv', plaintext: text('new') });
    await rejectsWith(e.keys.setMinDecryptionVersion(root, 'minv', 3), 'validation_failed', 'beyond current');
    await rejectsWith(e.keys.setMinDecryptionVersion(root, 'minv', 0), 'validation_failed', 'zero');
    const view = await e.keys.setMinDecryptionVersion(root, 'minv', 2);
    assert.equal(view.minDecryptionVersion, 2);
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: c1.ciphertext }), 'key_version_disabled');
    const entry = await lastAuditEntry(e);
    assert.equal(entry.outcome, 'denied');
    assert.equal(entry.keyVersion, 1);
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: c1.ciphertext }), 'key_version_disabled');
    assert.equal((await e.crypto.decrypt(root, { ciphertext: c2.ciphertext })).plaintext.toString(), 'new');
    // It can be lowered again (the material was kept).
    await e.keys.setMinDecryptionVersion(root, 'minv', 1);
    assert.equal((await e.crypto.decrypt(root, { ciphertext: c1.ciphertext })).plaintext.toString(), 'old');
  });

  it('refuses to rotate a key whose state does not allow it with key_state_invalid', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'rot-pre', spec: 'AES_256_GCM', preActivation: true });
    await rejectsWith(e.keys.rotate(root, 'rot-pre'), 'key_state_invalid');
    await e.keys.create(root, { name: 'rot-deact', spec: 'AES_256_GCM' });
    await e.keys.changeState(root, 'rot-deact', 'deactivate');
    await rejectsWith(e.keys.rotate(root, 'rot-deact'), 'key_state_invalid');
    await e.keys.create(root, { name: 'rot-susp', spec: 'AES_256_GCM' });
    await e.keys.changeState(root, 'rot-susp', 'suspend');
    assert.equal((await e.keys.rotate(root, 'rot-susp')).currentVersion, 2, 'a suspended key can be rotated');
  });
});

describe('key states through the engine', () => {
  const engine = useDevEngine();

  async function aesWithCiphertext(e: Engine, name: string): Promise<string> {
    await e.keys.create(root, { name, spec: 'AES_256_GCM' });
    return (await e.crypto.encrypt(root, { key: name, plaintext: text(`secret of ${name}`) })).ciphertext;
  }

  it('suspend blocks encrypt and decrypt with key_state_invalid; resume restores them', async () => {
    const e = engine();
    const ct = await aesWithCiphertext(e, 's-susp');
    const view = await e.keys.changeState(root, 's-susp', 'suspend', 'investigating');
    assert.equal(view.state, 'suspended');
    const entry = await lastAuditEntry(e);
    assert.equal(entry.action, 'key.suspend');
    assert.deepEqual([entry.details['from'], entry.details['to'], entry.details['reason']], ['active', 'suspended', 'investigating']);
    await rejectsWith(e.crypto.encrypt(root, { key: 's-susp', plaintext: text('x') }), 'key_state_invalid');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: ct }), 'key_state_invalid');
    await rejectsWith(e.crypto.generateDataKey(root, { key: 's-susp' }), 'key_state_invalid');
    assert.equal((await e.keys.changeState(root, 's-susp', 'resume')).state, 'active');
    assert.equal((await e.crypto.decrypt(root, { ciphertext: ct })).plaintext.toString(), 'secret of s-susp');
    await e.crypto.encrypt(root, { key: 's-susp', plaintext: text('x') });
  });

  it('deactivate allows decrypt and verify but not encrypt or sign', async () => {
    const e = engine();
    const ct = await aesWithCiphertext(e, 's-deact');
    await e.keys.create(root, { name: 's-deact-sig', spec: 'ECC_NIST_P256' });
    const msg = text('signed before deactivation');
    const { signature } = await e.crypto.sign(root, { key: 's-deact-sig', message: msg });
    await e.keys.create(root, { name: 's-deact-mac', spec: 'HMAC_SHA256' });
    const { mac } = await e.crypto.mac(root, { key: 's-deact-mac', message: msg });
    for (const k of ['s-deact', 's-deact-sig', 's-deact-mac']) assert.equal((await e.keys.changeState(root, k, 'deactivate')).state, 'deactivated');

    assert.equal((await e.crypto.decrypt(root, { ciphertext: ct })).plaintext.toString(), 'secret of s-deact');
    assert.equal((await e.crypto.verify(root, { key: 's-deact-sig', message: msg, signature })).valid, true);
    assert.equal((await e.crypto.verifyMac(root, { key: 's-deact-mac', message: msg, mac })).valid, true);
    await rejectsWith(e.crypto.encrypt(root, { key: 's-deact', plaintext: text('x') }), 'key_state_invalid');
    await rejectsWith(e.crypto.generateDataKey(root, { key: 's-deact' }), 'key_state_invalid');
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: ct }), 'key_state_invalid', 're-encrypt into a deactivated key');
    await rejectsWith(e.crypto.sign(root, { key: 's-deact-sig', message: msg }), 'key_state_invalid');
    await rejectsWith(e.crypto.mac(root, { key: 's-deact-mac', message: msg }), 'key_state_invalid');
    await rejectsWith(e.keys.changeState(root, 's-deact', 'activate'), 'invalid_state_transition');
    await rejectsWith(e.keys.changeState(root, 's-deact', 'resume'), 'invalid_state_transition');
  });

  it('compromise allows decrypt, flags the use in the audit log, and refuses encryption', async () => {
    const e = engine();
    const ct = await aesWithCiphertext(e, 's-comp');
    const view = await e.keys.changeState(root, 's-comp', 'compromise', 'leaked in a log');
    assert.equal(view.state, 'compromised');
    assert.ok(view.compromisedAt);
    const change = await lastAuditEntry(e);
    assert.equal(change.action, 'key.compromise');
    assert.equal(change.details['compromised'], true);

    const d = await e.crypto.decrypt(root, { ciphertext: ct });
    assert.equal(d.plaintext.toString(), 'secret of s-comp');
    const use = await lastAuditEntry(e);
    assert.equal(use.action, 'crypto.decrypt');
    assert.equal(use.outcome, 'success');
    assert.equal(use.details['compromisedKeyUse'], true);
    await rejectsWith(e.crypto.encrypt(root, { key: 's-comp', plaintext: text('x') }), 'key_state_invalid');
    await rejectsWith(e.keys.changeState(root, 's-comp', 'compromise'), 'invalid_state_transition');

    // An uncompromised key's use is not flagged.
    const ok = await aesWithCiphertext(e, 's-not-comp');
    await e.crypto.decrypt(root, { ciphertext: ok });
    assert.equal((await lastAuditEntry(e)).details['compromisedKeyUse'], undefined);
  });

  it('destroy from deactivated erases the material of every version and refuses all use', async () => {
    const e = engine();
    const ct1 = await aesWithCiphertext(e, 's-destroy');
    await e.keys.rotate(root, 's-destroy');
    const ct2 = (await e.crypto.encrypt(root, { key: 's-destroy', plaintext: text('v2') })).ciphertext;
    await e.keys.changeState(root, 's-destroy', 'deactivate');
    const view = await e.keys.changeState(root, 's-destroy', 'destroy', 'end of life');
    assert.equal(view.state, 'destroyed');
    assert.ok(view.destroyedAt);
    assert.deepEqual(view.versions?.map((v) => v.destroyed), [true, true]);
    const stored = await e.store.listKeyVersions(view.id);
    assert.equal(stored.length, 2);
    for (const v of stored) assert.equal(v.wrappedMaterial, null, `version ${v.version} material erased`);

    for (const ciphertext of [ct1, ct2]) await rejectsWith(e.crypto.decrypt(root, { ciphertext }), 'key_state_invalid');
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: ct1 }), 'key_state_invalid');
    await rejectsWith(e.crypto.encrypt(root, { key: 's-destroy', plaintext: text('x') }), 'key_state_invalid');
    await rejectsWith(e.crypto.generateDataKey(root, { key: 's-destroy' }), 'key_state_invalid');
    await rejectsWith(e.keys.rotate(root, 's-destroy'), 'key_state_invalid');
    await rejectsWith(e.keys.update(root, 's-destroy', { owner: 'x' }), 'key_state_invalid');
    for (const action of ['activate', 'resume', 'compromise', 'destroy'] as const) {
      await rejectsWith(e.keys.changeState(root, 's-destroy', action), 'invalid_state_transition', action);
    }
    // The metadata stays (the key is not deleted).
    assert.equal((await e.keys.describe(root, 's-destroy')).state, 'destroyed');
  });

  it('destroy of a signing key from compromised refuses verify afterwards', async () => {
    const e = engine();
    await e.keys.create(root, { name: 's-destroy-sig', spec: 'ED25519' });
    const msg = text('m');
    const { signature } = await e.crypto.sign(root, { key: 's-destroy-sig', message: msg });
    await e.keys.changeState(root, 's-destroy-sig', 'compromise');
    assert.equal((await e.crypto.verify(root, { key: 's-destroy-sig', message: msg, signature })).valid, true);
    await e.keys.changeState(root, 's-destroy-sig', 'destroy');
    await rejectsWith(e.crypto.verify(root, { key: 's-destroy-sig', message: msg, signature }), 'key_state_invalid');
  });

  it('refuses to destroy an active key with invalid_state_transition', async () => {
    const e = engine();
    const ct = await aesWithCiphertext(e, 's-active-destroy');
    const err = await rejectsWith(e.keys.changeState(root, 's-active-destroy', 'destroy'), 'invalid_state_transition');
    assert.match(err.message, /allowed: suspend, deactivate, compromise/);
    const entry = await lastAuditEntry(e);
    assert.equal(entry.action, 'key.destroy');
    assert.equal(entry.outcome, 'failure');
    assert.equal(entry.errorCode, 'invalid_state_transition');
    const view = await e.keys.describe(root, 's-active-destroy');
    assert.equal(view.state, 'active');
    for (const v of await e.store.listKeyVersions(view.id)) assert.ok(v.wrappedMaterial, 'material kept');
    assert.equal((await e.crypto.decrypt(root, { ciphertext: ct })).plaintext.toString(), 'secret of s-active-destroy');
  });

  it('refuses a reason longer than 1024 characters with validation_failed', async () => {
    const e = engine();
    await e.keys.create(root, { name: 's-reason', spec: 'AES_256_GCM' });
    await rejectsWith(e.keys.changeState(root, 's-reason', 'suspend', 'r'.repeat(1025)), 'validation_failed');
    assert.equal((await e.keys.describe(root, 's-reason')).state, 'active');
  });

  it('a pre-activation key refuses use until it is activated', async () => {
    const e = engine();
    await e.keys.create(root, { name: 's-pre', spec: 'AES_256_GCM', preActivation: true });
    await e.keys.create(root, { name: 's-pre-sig', spec: 'ECC_NIST_P384', preActivation: true });
    await rejectsWith(e.crypto.encrypt(root, { key: 's-pre', plaintext: text('x') }), 'key_state_invalid');
    await rejectsWith(e.crypto.generateDataKey(root, { key: 's-pre' }), 'key_state_invalid');
    await rejectsWith(e.crypto.sign(root, { key: 's-pre-sig', message: text('m') }), 'key_state_invalid');
    await rejectsWith(e.keys.changeState(root, 's-pre', 'suspend'), 'invalid_state_transition');
    assert.equal((await e.keys.update(root, 's-pre', { owner: 'ops' })).owner, 'ops', 'metadata can change before activation');

    assert.equal((await e.keys.changeState(root, 's-pre', 'activate')).state, 'active');
    const { ciphertext } = await e.crypto.encrypt(root, { key: 's-pre', plaintext: text('now active') });
    assert.equal((await e.crypto.decrypt(root, { ciphertext })).plaintext.toString(), 'now active');
    await e.keys.changeState(root, 's-pre-sig', 'activate');
    const { signature } = await e.crypto.sign(root, { key: 's-pre-sig', message: text('m') });
    assert.equal((await e.crypto.verify(root, { key: 's-pre-sig', message: text('m'), signature })).valid, true);
    await rejectsWith(e.keys.changeState(root, 's-pre', 'activate'), 'invalid_state_transition', 'activate twice');
  });
});

describe('importing keys (BYOK)', () => {
  const engine = useDevEngine();

  it('imports a 32-byte AES key whose material really is the one used', async () => {
    const e = engine();
    const material = randomBytes(32);
    const view = await e.keys.import(root, { name: 'byok', spec: 'AES_256_GCM', material: Buffer.from(material) });
    assert.equal(view.origin, 'imported');
    assert.equal(view.versions?.[0]?.origin, 'imported');
    assert.equal(view.state, 'active');
    assert.equal((await lastAuditEntry(e)).action, 'key.import');
    assert.ok(!JSON.stringify(await e.store.readAudit(1, 1000)).includes(material.toString('hex')), 'material not audited');

    // A ciphertext made outside Keyward with the same material decrypts.
    const context = { purpose: 'byok-test' };
    const sealed = gcmEncrypt(material, text('made outside'), ciphertextAad(view.id, 1, context));
    const outside = formatCiphertext({ keyId: view.id, version: 1, body: Buffer.concat([sealed.iv, sealed.ciphertext, sealed.tag]) });
    assert.equal((await e.crypto.decrypt(root, { ciphertext: outside, context })).plaintext.toString(), 'made outside');

    // And one made by Keyward decrypts outside.
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'byok', plaintext: text('made inside'), context });
    const body = parseCiphertext(ciphertext).body;
    const plain = gcmDecrypt(
      material,
      { iv: body.subarray(0, GCM_IV_BYTES), ciphertext: body.subarray(GCM_IV_BYTES, body.length - GCM_TAG_BYTES), tag: body.subarray(body.length - GCM_TAG_BYTES) },
      ciphertextAad(view.id, 1, context),
    );
    assert.equal(plain.toString(), 'made inside');
  });

  it('imports HMAC material of the right length', async () => {
    const e = engine();
    await e.keys.import(root, { name: 'byok-mac', spec: 'HMAC_SHA512', material: randomBytes(64) });
    await rejectsWith(e.keys.import(root, { name: 'byok-mac-short', spec: 'HMAC_SHA512', material: randomBytes(32) }), 'validation_failed');
  });

  it('refuses material of the wrong length with validation_failed', async () => {
    const e = engine();
    for (const n of [0, 16, 31, 33, 64]) {
      const err = await rejectsWith(e.keys.import(root, { name: `byok-len-${n}`, spec: 'AES_256_GCM', material: randomBytes(n) }), 'validation_failed', `${n} bytes`);
      assert.equal(err.details['field'], 'material');
    }
    await rejectsWith(e.keys.describe(root, 'byok-len-16'), 'key_not_found', 'nothing was created');
  });

  it('refuses to import an asymmetric spec with key_spec_invalid', async () => {
    const e = engine();
    await rejectsWith(e.keys.import(root, { name: 'byok-rsa', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT', material: randomBytes(32) }), 'key_spec_invalid');
    await rejectsWith(e.keys.import(root, { name: 'byok-ed', spec: 'ED25519', material: randomBytes(32) }), 'key_spec_invalid');
  });

  it('rotates an imported key only with new material', async () => {
    const e = engine();
    await e.keys.import(root, { name: 'byok-rot', spec: 'AES_256_GCM', material: randomBytes(32) });
    const c1 = await e.crypto.encrypt(root, { key: 'byok-rot', plaintext: text('v1') });
    await rejectsWith(e.keys.rotate(root, 'byok-rot'), 'validation_failed', 'rotate without material');
    await rejectsWith(e.keys.rotate(root, 'byok-rot', randomBytes(16)), 'validation_failed', 'rotate with short material');
    const material2 = randomBytes(32);
    const view = await e.keys.rotate(root, 'byok-rot', Buffer.from(material2));
    assert.equal(view.currentVersion, 2);
    assert.equal(view.versions?.[1]?.origin, 'imported');
    const c2 = await e.crypto.encrypt(root, { key: 'byok-rot', plaintext: text('v2') });
    assert.equal(c2.version, 2);
    const body = parseCiphertext(c2.ciphertext).body;
    const plain = gcmDecrypt(
      material2,
      { iv: body.subarray(0, GCM_IV_BYTES), ciphertext: body.subarray(GCM_IV_BYTES, body.length - GCM_TAG_BYTES), tag: body.subarray(body.length - GCM_TAG_BYTES) },
      ciphertextAad(view.id, 2, undefined),
    );
    assert.equal(plain.toString(), 'v2', 'version 2 uses the new material');
    assert.equal((await e.crypto.decrypt(root, { ciphertext: c1.ciphertext })).plaintext.toString(), 'v1');
  });
});
