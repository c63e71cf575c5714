import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createHmac, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { parseCiphertext } from '../../src/crypto/ciphertext-format.ts';
import { MAX_PLAINTEXT_BYTES } from '../../src/keys/limits.ts';
import { lastAuditEntry, rejectsWith, root, tamperBody, useDevEngine } from './helpers.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('encrypt and decrypt', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'aes', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 'aes-other', spec: 'AES_256_GCM' });
  });

  it('round-trips without a context', async () => {
    const e = engine();
    const r = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('hello') });
    assert.match(r.ciphertext, /^kw:v1:key_[0-9a-f]{24}:1:[A-Za-z0-9_-]+$/);
    assert.equal(r.version, 1);
    const parts = parseCiphertext(r.ciphertext);
    assert.equal(parts.keyId, r.keyId);
    assert.equal(parts.body.length, 12 + 5 + 16, 'iv ‖ ciphertext ‖ tag');
    const d = await e.crypto.decrypt(root, { ciphertext: r.ciphertext });
    assert.equal(d.plaintext.toString(), 'hello');
    assert.equal(d.keyId, r.keyId);
    assert.equal(d.version, 1);
  });

  it('round-trips empty and maximum-size plaintexts, and binary bytes', async () => {
    const e = engine();
    for (const plaintext of [Buffer.alloc(0), Buffer.alloc(MAX_PLAINTEXT_BYTES, 0xab), Buffer.from([0, 255, 1, 254])]) {
      const { ciphertext } = await e.crypto.encrypt(root, { key: 'aes', plaintext });
      assert.deepEqual((await e.crypto.decrypt(root, { ciphertext })).plaintext, plaintext);
    }
  });

  it('encrypts the same plaintext differently each time', async () => {
    const e = engine();
    const a = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('same') });
    const b = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('same') });
    assert.notEqual(a.ciphertext, b.ciphertext);
  });

  it('round-trips with a context, whatever the order of its keys', async () => {
    const e = engine();
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('ctx'), context: { tenant: 't1', table: 'users', row: '7' } });
    const d = await e.crypto.decrypt(root, { ciphertext, context: { row: '7', table: 'users', tenant: 't1' } });
    assert.equal(d.plaintext.toString(), 'ctx');
  });

  it('refuses to decrypt with a different encryption context', async () => {
    const e = engine();
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('ctx'), context: { tenant: 't1' } });
    for (const context of [{ tenant: 't2' }, { tenant: 't1', extra: 'x' }, { Tenant: 't1' }, {}, undefined]) {
      await rejectsWith(e.crypto.decrypt(root, context ? { ciphertext, context } : { ciphertext }), 'decryption_failed', JSON.stringify(context));
    }
    const plain = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('no ctx') });
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: plain.ciphertext, context: { tenant: 't1' } }), 'decryption_failed', 'context added');
    // An empty context is the same as none.
    assert.equal((await e.crypto.decrypt(root, { ciphertext: plain.ciphertext, context: {} })).plaintext.toString(), 'no ctx');
  });

  it('refuses an invalid context with validation_failed, and an oversized one with payload_too_large', async () => {
    const e = engine();
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: text('x'), context: { n: 1 } as never }), 'validation_failed', 'number value');
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: text('x'), context: { '': 'v' } }), 'validation_failed', 'empty key');
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: text('x'), context: ['a'] as never }), 'validation_failed', 'array');
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: text('x'), context: many }), 'validation_failed', '17 pairs');
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: text('x'), context: { big: 'v'.repeat(5000) } }), 'payload_too_large', 'over 4 KiB');
  });

  it('refuses a tampered ciphertext with decryption_failed', async () => {
    const e = engine();
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('do not touch me') });
    const tampered = tamperBody(ciphertext);
    assert.notEqual(tampered, ciphertext);
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: tampered }), 'decryption_failed');
  });

  it('refuses a ciphertext moved to another key or version with decryption_failed', async () => {
    const e = engine();
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('bound') });
    const other = await e.keys.describe(root, 'aes-other');
    const parts = ciphertext.split(':');
    const moved = [parts[0], parts[1], other.id, parts[3], parts[4]].join(':');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: moved }), 'decryption_failed');
  });

  it('refuses malformed ciphertexts with ciphertext_invalid, and an unknown key with key_not_found', async () => {
    const e = engine();
    const { ciphertext, keyId } = await e.crypto.encrypt(root, { key: 'aes', plaintext: text('shape') });
    const body = ciphertext.split(':')[4] as string;
    const invalid: [string, string][] = [
      ['wrong prefix', ciphertext.replace('kw:v1:', 'kw:v2:')],
      ['no prefix', ciphertext.slice(6)],
      ['empty', ''],
      ['missing body', `kw:v1:${keyId}:1`],
      ['missing version', `kw:v1:${keyId}:${body}`],
      ['extra part', `${ciphertext}:extra`],
      ['version 0', `kw:v1:${keyId}:0:${body}`],
      ['version with a leading zero', `kw:v1:${keyId}:01:${body}`],
      ['non-numeric version', `kw:v1:${keyId}:one:${body}`],
      ['negative version', `kw:v1:${keyId}:-1:${body}`],
      ['base64 (not url) body', `kw:v1:${keyId}:1:${body.slice(0, 8)}+/${body.slice(10)}`],
      ['padded body', `kw:v1:${keyId}:1:${body}==`],
      ['empty body', `kw:v1:${keyId}:1:`],
      ['body too short for AES-GCM', `kw:v1:${keyId}:1:${Buffer.alloc(20).toString('base64url')}`],
      ['key id with bad characters', `kw:v1:key.x!:1:${body}`],
      ['too long', `kw:v1:${keyId}:1:${'A'.repeat(200_000)}`],
    ];
    for (const [label, bad] of invalid) await rejectsWith(e.crypto.decrypt(root, { ciphertext: bad }), 'ciphertext_invalid', label);
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: 42 as never }), 'ciphertext_invalid', 'not a string');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: `kw:v1:key_000000000000000000000000:1:${body}` }), 'key_not_found', 'unknown key id');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: `kw:v1:${keyId}:9:${body}` }), 'key_version_not_found', 'version the key does not have');
  });

  it('refuses a plaintext over 64 KiB with payload_too_large', async () => {
    const e = engine();
    const err = await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: Buffer.alloc(64 * 1024 + 1) }), 'payload_too_large');
    assert.equal(err.details['limit'], 64 * 1024);
    await rejectsWith(e.crypto.encrypt(root, { key: 'aes', plaintext: 'a string' as never }), 'validation_failed', 'plaintext must be bytes');
  });
});

describe('RSA encryption', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'rsa-enc', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
  });

  it('encrypts small payloads with RSA_2048 ENCRYPT_DECRYPT keys (up to 190 bytes)', async () => {
    const e = engine();
    for (const size of [0, 1, 32, 190]) {
      const plaintext = Buffer.alloc(size, 0x5a);
      const { ciphertext, version } = await e.crypto.encrypt(root, { key: 'rsa-enc', plaintext, context: { n: String(size) } });
      assert.equal(version, 1);
      assert.equal(parseCiphertext(ciphertext).body.length, 256, 'one OAEP block');
      assert.deepEqual((await e.crypto.decrypt(root, { ciphertext, context: { n: String(size) } })).plaintext, plaintext, `${size} bytes`);
    }
  });

  it('refuses more than 190 bytes with payload_too_large', async () => {
    const e = engine();
    const err = await rejectsWith(e.crypto.encrypt(root, { key: 'rsa-enc', plaintext: Buffer.alloc(191) }), 'payload_too_large');
    assert.equal(err.details['limit'], 190);
  });

  it('refuses a different context or a tampered RSA ciphertext with decryption_failed', async () => {
    const e = engine();
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'rsa-enc', plaintext: text('rsa'), context: { a: '1' } });
    await rejectsWith(e.crypto.decrypt(root, { ciphertext, context: { a: '2' } }), 'decryption_failed');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: tamperBody(ciphertext), context: { a: '1' } }), 'decryption_failed');
  });

  it('generates data keys wrapped under an RSA key', async () => {
    const e = engine();
    const dk = await e.crypto.generateDataKey(root, { key: 'rsa-enc' });
    assert.ok(dk.plaintext);
    assert.deepEqual((await e.crypto.decrypt(root, { ciphertext: dk.ciphertext })).plaintext, dk.plaintext);
  });
});

describe('data keys', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'dk', spec: 'AES_256_GCM' });
  });

  it('returns a 32-byte data key by default whose ciphertext decrypts to it', async () => {
    const e = engine();
    const dk = await e.crypto.generateDataKey(root, { key: 'dk' });
    assert.ok(dk.plaintext);
    assert.equal(dk.plaintext.length, 32);
    assert.equal(dk.version, 1);
    const d = await e.crypto.decrypt(root, { ciphertext: dk.ciphertext });
    assert.deepEqual(d.plaintext, dk.plaintext);
  });

  it('sizes data keys from 16 to 64 bytes, under a context', async () => {
    const e = engine();
    for (const bytes of [16, 24, 64]) {
      const dk = await e.crypto.generateDataKey(root, { key: 'dk', bytes, context: { file: 'f' } });
      assert.equal(dk.plaintext?.length, bytes);
      assert.deepEqual((await e.crypto.decrypt(root, { ciphertext: dk.ciphertext, context: { file: 'f' } })).plaintext, dk.plaintext);
      await rejectsWith(e.crypto.decrypt(root, { ciphertext: dk.ciphertext }), 'decryption_failed', 'the context is bound');
    }
  });

  it('returns only the wrapped copy when asked', async () => {
    const e = engine();
    const dk = await e.crypto.generateDataKey(root, { key: 'dk', includePlaintext: false, bytes: 48 });
    assert.equal('plaintext' in dk, false);
    assert.equal((await e.crypto.decrypt(root, { ciphertext: dk.ciphertext })).plaintext.length, 48);
    const entry = await lastAuditEntry(e);
    assert.equal(entry.action, 'crypto.decrypt');
  });

  it('refuses sizes outside 16..64 bytes with validation_failed', async () => {
    const e = engine();
    for (const bytes of [0, 15, 65, 1024, 32.5, -32, Number.NaN]) {
      const err = await rejectsWith(e.crypto.generateDataKey(root, { key: 'dk', bytes }), 'validation_failed', String(bytes));
      assert.equal(err.details['field'], 'bytes');
    }
  });
});

describe('re-encryption', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 're-src', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 're-dst', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 're-rsa', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
  });

  it('re-encrypts to the latest version after rotation, without returning the plaintext', async () => {
    const e = engine();
    const plaintext = text('rotate me forward');
    const old = await e.crypto.encrypt(root, { key: 're-src', plaintext, context: { c: '1' } });
    await e.keys.rotate(root, 're-src');
    const r = await e.crypto.reEncrypt(root, { ciphertext: old.ciphertext, sourceContext: { c: '1' } });
    assert.deepEqual(Object.keys(r).sort(), ['ciphertext', 'keyId', 'sourceKeyId', 'sourceVersion', 'version']);
    assert.equal(r.keyId, old.keyId);
    assert.equal(r.sourceKeyId, old.keyId);
    assert.equal(r.sourceVersion, 1);
    assert.equal(r.version, 2);
    assert.equal(parseCiphertext(r.ciphertext).version, 2);
    const json = JSON.stringify(r);
    for (const enc of ['utf8', 'base64', 'base64url', 'hex'] as const) assert.ok(!json.includes(plaintext.toString(enc)), `no plaintext (${enc})`);
    // The source context carries over when no destination context is given.
    const d = await e.crypto.decrypt(root, { ciphertext: r.ciphertext, context: { c: '1' } });
    assert.deepEqual([d.plaintext.toString(), d.version], ['rotate me forward', 2]);
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: r.ciphertext }), 'decryption_failed');
  });

  it('re-encrypts to another key with a destination context', async () => {
    const e = engine();
    const src = await e.crypto.encrypt(root, { key: 're-src', plaintext: text('move me'), context: { from: 'a' } });
    const dst = await e.keys.describe(root, 're-dst');
    const r = await e.crypto.reEncrypt(root, { ciphertext: src.ciphertext, sourceContext: { from: 'a' }, destinationKey: 're-dst', destinationContext: { to: 'b' } });
    assert.equal(r.keyId, dst.id);
    assert.equal(r.sourceKeyId, src.keyId);
    assert.equal(r.version, 1);
    assert.equal((await e.crypto.decrypt(root, { ciphertext: r.ciphertext, context: { to: 'b' } })).plaintext.toString(), 'move me');
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: r.ciphertext, context: { from: 'a' } }), 'decryption_failed');
    // The destination can be named by id as well, and can be an RSA key.
    const r2 = await e.crypto.reEncrypt(root, { ciphertext: src.ciphertext, sourceContext: { from: 'a' }, destinationKey: dst.id });
    assert.equal(r2.keyId, dst.id);
    const r3 = await e.crypto.reEncrypt(root, { ciphertext: src.ciphertext, sourceContext: { from: 'a' }, destinationKey: 're-rsa' });
    assert.equal((await e.crypto.decrypt(root, { ciphertext: r3.ciphertext, context: { from: 'a' } })).plaintext.toString(), 'move me');
  });

  it('refuses a wrong source context or a tampered source with decryption_failed', async () => {
    const e = engine();
    const src = await e.crypto.encrypt(root, { key: 're-src', plaintext: text('x'), context: { a: '1' } });
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: src.ciphertext, sourceContext: { a: '2' } }), 'decryption_failed');
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: tamperBody(src.ciphertext), sourceContext: { a: '1' } }), 'decryption_failed');
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: 'kw:v1:nope' }), 'ciphertext_invalid');
    await rejectsWith(e.crypto.reEncrypt(root, { ciphertext: src.ciphertext, sourceContext: { a: '1' }, destinationKey: 'missing' }), 'key_not_found');
  });
});

describe('signing and verification', () => {
  const engine = useDevEngine();
  before(async () => {
    const e = engine();
    await e.keys.create(root, { name: 'p256', spec: 'ECC_NIST_P256' });
    await e.keys.create(root, { name: 'p384', spec: 'ECC_NIST_P384' });
    await e.keys.create(root, { name: 'ed', spec: 'ED25519' });
    await e.keys.create(root, { name: 'rsa-sig', spec: 'RSA_2048', usage: 'SIGN_VERIFY' });
  });

  const message = text('the message to sign');
  const cases = [
    { key: 'p256', algorithm: undefined, expected: 'ECDSA_SHA_256', hash: 'sha256' },
    { key: 'p384', algorithm: undefined, expected: 'ECDSA_SHA_384', hash: 'sha384' },
    { key: 'ed', algorithm: undefined, expected: 'ED25519', hash: null },
    { key: 'rsa-sig', algorithm: undefined, expected: 'RSASSA_PSS_SHA_256', hash: 'sha256' },
    { key: 'rsa-sig', algorithm: 'RSASSA_PKCS1_V1_5_SHA_256', expected: 'RSASSA_PKCS1_V1_5_SHA_256', hash: 'sha256' },
  ] as const;

  for (const c of cases) {
    it(`signs and verifies with ${c.key} using ${c.expected}${c.algorithm ? '' : ' (the default)'}`, async () => {
      const e = engine();
      const alg = c.algorithm ? { algorithm: c.algorithm } : {};
      const s = await e.crypto.sign(root, { key: c.key, message, ...alg });
      assert.equal(s.algorithm, c.expected);
      assert.equal(s.version, 1);
      const v = await e.crypto.verify(root, { key: c.key, message, signature: s.signature, ...alg });
      assert.deepEqual(v, { valid: true, keyId: s.keyId, version: 1 });

      // The signature is standard: node:crypto verifies it with the published public key.
      const { publicKey } = await e.keys.publicKey(root, c.key);
      const options =
        c.expected === 'RSASSA_PSS_SHA_256'
          ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : c.expected === 'RSASSA_PKCS1_V1_5_SHA_256'
            ? { padding: constants.RSA_PKCS1_PADDING }
            : {};
      assert.equal(nodeVerify(c.hash, message, { key: createPublicKey(publicKey), ...options }, s.signature), true, 'independent verification');

      // A wrong signature or message is an answer, not an error.
      const bad = Buffer.from(s.signature);
      bad[bad.length - 5] = (bad[bad.length - 5] as number) ^ 0x01;
      assert.deepEqual(await e.crypto.verify(root, { key: c.key, message, signature: bad, ...alg }), { valid: false, keyId: s.keyId, version: null });
      assert.equal((await e.crypto.verify(root, { key: c.key, message: text('another message'), signature: s.signature, ...alg })).valid, false);
      assert.equal((await e.crypto.verify(root, { key: c.key, message, signature: Buffer.alloc(0), ...alg })).valid, false, 'empty signature');
      assert.equal((await e.crypto.verify(root, { key: c.key, message, signature: Buffer.from('garbage'), ...alg })).valid, false, 'garbage');
    });
  }

  it('signs a DIGEST with RSASSA_PKCS1_V1_5_SHA_256, matching the signature of the raw message', async () => {
    const e = engine();
    const digest = createHash('sha256').update(message).digest();
    const algorithm = 'RSASSA_PKCS1_V1_5_SHA_256';
    const s = await e.crypto.sign(root, { key: 'rsa-sig', message: digest, messageType: 'DIGEST', algorithm });
    const raw = await e.crypto.sign(root, { key: 'rsa-sig', message, algorithm });
    assert.deepEqual(s.signature, raw.signature, 'PKCS#1 v1.5 is deterministic; digest and raw signing agree');
    assert.equal((await e.crypto.verify(root, { key: 'rsa-sig', message: digest, messageType: 'DIGEST', signature: s.signature, algorithm })).valid, true);
    assert.equal((await e.crypto.verify(root, { key: 'rsa-sig', message, signature: s.signature, algorithm })).valid, true);
    const entry = await lastAuditEntry(e);
    assert.equal(entry.details['algorithm'], algorithm);
    await rejectsWith(e.crypto.sign(root, { key: 'rsa-sig', message: digest.subarray(0, 31), messageType: 'DIGEST', algorithm }), 'validation_failed', 'short digest');
  });

  it('refuses DIGEST message type for ECDSA, Ed25519 and PSS with validation_failed', async () => {
    const e = engine();
    const digest = createHash('sha256').update(message).digest();
    await rejectsWith(e.crypto.sign(root, { key: 'p256', message: digest, messageType: 'DIGEST' }), 'validation_failed', 'ECDSA P-256');
    await rejectsWith(e.crypto.sign(root, { key: 'p384', message: createHash('sha384').update(message).digest(), messageType: 'DIGEST' }), 'validation_failed', 'ECDSA P-384');
    await rejectsWith(e.crypto.sign(root, { key: 'ed', message: digest, messageType: 'DIGEST' }), 'validation_failed', 'Ed25519');
    await rejectsWith(e.crypto.sign(root, { key: 'rsa-sig', message: digest, messageType: 'DIGEST' }), 'validation_failed', 'PSS');
    const { signature } = await e.crypto.sign(root, { key: 'p256', message });
    await rejectsWith(e.crypto.verify(root, { key: 'p256', message: digest, messageType: 'DIGEST', signature }), 'validation_failed', 'verify ECDSA digest');
  });

  it('refuses an algorithm the key does not support with validation_failed', async () => {
    const e = engine();
    await rejectsWith(e.crypto.sign(root, { key: 'p256', message, algorithm: 'ECDSA_SHA_384' }), 'validation_failed');
    await rejectsWith(e.crypto.sign(root, { key: 'ed', message, algorithm: 'RSASSA_PSS_SHA_256' }), 'validation_failed');
    await rejectsWith(e.crypto.sign(root, { key: 'rsa-sig', message, algorithm: 'bogus' }), 'validation_failed');
  });

  it('refuses messages over 64 KiB with payload_too_large', async () => {
    const e = engine();
    await rejectsWith(e.crypto.sign(root, { key: 'ed', message: Buffer.alloc(64 * 1024 + 1) }), 'payload_too_large');
    await e.crypto.sign(root, { key: 'ed', message: Buffer.alloc(64 * 1024) });
  });

  it('verifies a signature of an older version after rotation', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'sig-rot', spec: 'ECC_NIST_P256' });
    const s1 = await e.crypto.sign(root, { key: 'sig-rot', message });
    await e.keys.rotate(root, 'sig-rot');
    const s2 = await e.crypto.sign(root, { key: 'sig-rot', message });
    assert.equal(s2.version, 2);
    const v1 = await e.crypto.verify(root, { key: 'sig-rot', message, signature: s1.signature });
    assert.deepEqual([v1.valid, v1.version], [true, 1]);
    const v2 = await e.crypto.verify(root, { key: 'sig-rot', message, signature: s2.signature });
    assert.deepEqual([v2.valid, v2.version], [true, 2]);
    assert.equal((await lastAuditEntry(e)).keyVersion, 2);
    // Pinned to a version, only that version is tried.
    assert.equal((await e.crypto.verify(root, { key: 'sig-rot', message, signature: s1.signature, version: 2 })).valid, false);
    assert.equal((await e.crypto.verify(root, { key: 'sig-rot', message, signature: s1.signature, version: 1 })).valid, true);
    await rejectsWith(e.crypto.verify(root, { key: 'sig-rot', message, signature: s1.signature, version: 3 }), 'key_version_not_found');
    // Below the minimum decryption version, older signatures no longer verify.
    await e.keys.setMinDecryptionVersion(root, 'sig-rot', 2);
    assert.equal((await e.crypto.verify(root, { key: 'sig-rot', message, signature: s1.signature })).valid, false);
  });
});

describe('MACs', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'h256', spec: 'HMAC_SHA256' });
    await engine().keys.create(root, { name: 'h512', spec: 'HMAC_SHA512' });
  });

  for (const [key, length] of [['h256', 32], ['h512', 64]] as const) {
    it(`generates and verifies ${key === 'h256' ? 'HMAC_SHA256' : 'HMAC_SHA512'} MACs of ${length} bytes`, async () => {
      const e = engine();
      const message = text(`mac me with ${key}`);
      const m = await e.crypto.mac(root, { key, message });
      assert.equal(m.mac.length, length);
      assert.equal(m.version, 1);
      assert.deepEqual((await e.crypto.mac(root, { key, message })).mac, m.mac, 'deterministic');
      assert.deepEqual(await e.crypto.verifyMac(root, { key, message, mac: m.mac }), { valid: true, keyId: m.keyId, version: 1 });
      const wrong = Buffer.from(m.mac);
      wrong[0] = (wrong[0] as number) ^ 0x80;
      assert.deepEqual(await e.crypto.verifyMac(root, { key, message, mac: wrong }), { valid: false, keyId: m.keyId, version: null });
      assert.equal((await e.crypto.verifyMac(root, { key, message: text('other'), mac: m.mac })).valid, false, 'other message');
      // Truncated tags of at least 10 bytes are accepted (RFC 2104 §5); shorter ones are not.
      assert.equal((await e.crypto.verifyMac(root, { key, message, mac: m.mac.subarray(0, 16) })).valid, true, 'MAC truncated to 16 bytes');
      assert.equal((await e.crypto.verifyMac(root, { key, message, mac: m.mac.subarray(0, 9) })).valid, false, 'MAC truncated to 9 bytes');
      assert.equal((await e.crypto.verifyMac(root, { key, message, mac: Buffer.alloc(0) })).valid, false, 'empty MAC');
    });
  }

  it('computes the standard HMAC of imported material', async () => {
    const e = engine();
    const material = Buffer.alloc(64, 0x0b);
    await e.keys.import(root, { name: 'h512-imported', spec: 'HMAC_SHA512', material: Buffer.from(material) });
    const m = await e.crypto.mac(root, { key: 'h512-imported', message: text('Hi There') });
    assert.deepEqual(m.mac, createHmac('sha512', material).update('Hi There').digest());
  });

  it('verifies a MAC of an older version after rotation', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'h-rot', spec: 'HMAC_SHA256' });
    const m1 = await e.crypto.mac(root, { key: 'h-rot', message: text('m') });
    await e.keys.rotate(root, 'h-rot');
    const m2 = await e.crypto.mac(root, { key: 'h-rot', message: text('m') });
    assert.notDeepEqual(m1.mac, m2.mac);
    assert.equal(m2.version, 2);
    const v = await e.crypto.verifyMac(root, { key: 'h-rot', message: text('m'), mac: m1.mac });
    assert.deepEqual([v.valid, v.version], [true, 1]);
  });
});

describe('key usage is enforced', () => {
  const engine = useDevEngine();
  before(async () => {
    const e = engine();
    await e.keys.create(root, { name: 'u-aes', spec: 'AES_256_GCM' });
    await e.keys.create(root, { name: 'u-ec', spec: 'ECC_NIST_P256' });
    await e.keys.create(root, { name: 'u-mac', spec: 'HMAC_SHA256' });
    await e.keys.create(root, { name: 'u-rsa-enc', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
  });

  it('refuses operations outside a key’s usage with key_usage_invalid', async () => {
    const e = engine();
    const m = text('m');
    const checks: [string, () => Promise<unknown>][] = [
      ['encrypt with a SIGN_VERIFY key', () => e.crypto.encrypt(root, { key: 'u-ec', plaintext: m })],
      ['encrypt with a MAC key', () => e.crypto.encrypt(root, { key: 'u-mac', plaintext: m })],
      ['data key under a SIGN_VERIFY key', () => e.crypto.generateDataKey(root, { key: 'u-ec' })],
      ['sign with an AES key', () => e.crypto.sign(root, { key: 'u-aes', message: m })],
      ['sign with an RSA ENCRYPT_DECRYPT key', () => e.crypto.sign(root, { key: 'u-rsa-enc', message: m })],
      ['sign with a MAC key', () => e.crypto.sign(root, { key: 'u-mac', message: m })],
      ['verify with an AES key', () => e.crypto.verify(root, { key: 'u-aes', message: m, signature: m })],
      ['mac with an AES key', () => e.crypto.mac(root, { key: 'u-aes', message: m })],
      ['mac with a signing key', () => e.crypto.mac(root, { key: 'u-ec', message: m })],
      ['verify a mac with an AES key', () => e.crypto.verifyMac(root, { key: 'u-aes', message: m, mac: m })],
      ['re-encrypt into a signing key', async () => {
        const { ciphertext } = await e.crypto.encrypt(root, { key: 'u-aes', plaintext: m });
        return e.crypto.reEncrypt(root, { ciphertext, destinationKey: 'u-ec' });
      }],
    ];
    for (const [label, op] of checks) await rejectsWith(op(), 'key_usage_invalid', label);
  });
});

describe('random bytes', () => {
  const engine = useDevEngine();

  it('returns 1 to 1024 random bytes', async () => {
    const e = engine();
    for (const n of [1, 32, 1024]) assert.equal((await e.crypto.random(root, n)).length, n);
    const a = await e.crypto.random(root, 32);
    const b = await e.crypto.random(root, 32);
    assert.notDeepEqual(a, b);
  });

  it('refuses 0, 1025 and non-integers with validation_failed', async () => {
    const e = engine();
    for (const n of [0, 1025, -1, 1.5, Number.NaN]) await rejectsWith(e.crypto.random(root, n), 'validation_failed', String(n));
  });
});

describe('the AES-GCM encryption budget', () => {
  const engine = useDevEngine({ encryptionLimit: 5 });

  it('refuses the 6th encryption under a version with rotation_required; rotation restores encryption', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'budget', spec: 'AES_256_GCM' });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await e.crypto.encrypt(root, { key: 'budget', plaintext: text(`n${i}`) })).ciphertext);
    const err = await rejectsWith(e.crypto.encrypt(root, { key: 'budget', plaintext: text('n5') }), 'rotation_required');
    assert.match(err.message, /limit of 5 encryptions/);
    const entry = await lastAuditEntry(e);
    assert.equal(entry.outcome, 'denied');
    assert.equal(entry.errorCode, 'rotation_required');
    await rejectsWith(e.crypto.generateDataKey(root, { key: 'budget' }), 'rotation_required', 'data keys count too');
    // Decryption is not limited.
    for (const [i, ciphertext] of made.entries()) assert.equal((await e.crypto.decrypt(root, { ciphertext })).plaintext.toString(), `n${i}`);

    const described = await e.keys.describe(root, 'budget');
    assert.equal(described.versions?.[0]?.encryptionCount, 5);

    await e.keys.rotate(root, 'budget');
    const after = await e.crypto.encrypt(root, { key: 'budget', plaintext: text('fresh') });
    assert.equal(after.version, 2);
    for (let i = 0; i < 4; i++) await e.crypto.encrypt(root, { key: 'budget', plaintext: text('more') });
    await rejectsWith(e.crypto.encrypt(root, { key: 'budget', plaintext: text('too many') }), 'rotation_required', 'version 2 has its own budget of 5');
  });

  it('counts data keys and re-encryptions against the budget', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'budget-2', spec: 'AES_256_GCM' });
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'budget-2', plaintext: text('x') });
    await e.crypto.generateDataKey(root, { key: 'budget-2' });
    await e.crypto.generateDataKey(root, { key: 'budget-2', includePlaintext: false });
    await e.crypto.reEncrypt(root, { ciphertext });
    await e.crypto.encrypt(root, { key: 'budget-2', plaintext: text('x') });
    await rejectsWith(e.crypto.encrypt(root, { key: 'budget-2', plaintext: text('x') }), 'rotation_required');
  });

  it('does not limit RSA encryption', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'budget-rsa', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
    for (let i = 0; i < 7; i++) await e.crypto.encrypt(root, { key: 'budget-rsa', plaintext: text('x') });
  });
});
