import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { CryptoFailure } from '../../src/crypto/crypto-failure.ts';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt } from '../../src/crypto/aes-gcm.ts';
import { unwrap, wrap } from '../../src/crypto/key-wrap.ts';
import { formatCiphertext, parseCiphertext } from '../../src/crypto/ciphertext-format.ts';
import { MAX_SHARES, combineShares, splitSecret } from '../../src/crypto/shamir.ts';
import { KEY_SPECS, SPEC_INFO } from '../../src/crypto/key-specs.ts';
import type { KeySpec } from '../../src/crypto/key-specs.ts';
import { generateKeyMaterial, privateKeyFromMaterial, publicKeyPem, symmetricKeyBytes } from '../../src/crypto/key-material.ts';
import { hmac, hmacVerify } from '../../src/crypto/mac.ts';
import { sha256, signDigest, signMessage, verifyDigest, verifyMessage } from '../../src/crypto/signatures.ts';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext } from '../../src/crypto/rsa-oaep.ts';

/** Asserts that `fn` throws a CryptoFailure (and nothing else). */
function throwsCryptoFailure(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof CryptoFailure, message);
}

async function rejectsCryptoFailure(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof CryptoFailure, message);
}

function flipBit(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

// ---- key-wrap ---------------------------------------------------------------------------------

describe('key-wrap', () => {
  const wrappingKey = randomBytes(32);
  const aad = Buffer.from('key:abc/version:1/purpose:material');

  it('round-trips secrets of several sizes, with a fresh IV each time', () => {
    for (const size of [0, 1, 16, 32, 64, 1217]) {
      const secret = randomBytes(size);
      const blob = wrap(wrappingKey, secret, aad);
      assert.equal(blob.length, 1 + GCM_IV_BYTES + GCM_TAG_BYTES + size, `blob size for ${size}-byte secret`);
      assert.deepEqual(unwrap(wrappingKey, blob, aad), secret, `round trip of ${size}-byte secret`);
      assert.notDeepEqual(wrap(wrappingKey, secret, aad), blob, 'two wraps of the same secret must differ');
    }
  });

  it('unwraps from a Uint8Array view with a non-zero byteOffset', () => {
    const secret = randomBytes(32);
    const blob = wrap(wrappingKey, secret, aad);
    const backing = new Uint8Array(blob.length + 7);
    backing.set(blob, 7);
    assert.deepEqual(unwrap(wrappingKey, backing.subarray(7), aad), secret);
  });

  it('rejects wrong AAD, wrong key, truncation, bit flips and a bad format byte with CryptoFailure', () => {
    const secret = randomBytes(32);
    const blob = wrap(wrappingKey, secret, aad);
    throwsCryptoFailure(() => unwrap(wrappingKey, blob, Buffer.from('key:abc/version:2/purpose:material')), 'wrong AAD');
    throwsCryptoFailure(() => unwrap(wrappingKey, blob, Buffer.alloc(0)), 'empty AAD');
    throwsCryptoFailure(() => unwrap(randomBytes(32), blob, aad), 'wrong key');
    for (let len = 0; len < blob.length; len++) {
      throwsCryptoFailure(() => unwrap(wrappingKey, blob.subarray(0, len), aad), `truncated to ${len} bytes`);
    }
    throwsCryptoFailure(() => unwrap(wrappingKey, Buffer.concat([blob, Buffer.of(0)]), aad), 'extended by one byte');
    for (let i = 0; i < blob.length; i++) {
      throwsCryptoFailure(() => unwrap(wrappingKey, flipBit(blob, i), aad), `bit flip in byte ${i}`);
    }
    const badFormat = Buffer.from(blob);
    badFormat[0] = 2;
    throwsCryptoFailure(() => unwrap(wrappingKey, badFormat, aad), 'format byte 2');
  });
});

// ---- ciphertext-format ------------------------------------------------------------------------

describe('ciphertext-format', () => {
  it('round-trips key ids, versions and bodies', () => {
    const keyIds = ['k', 'key_1-A', 'a'.repeat(64), '0123456789', '-_-'];
    const versions = [1, 2, 9, 10, 12345, 2 ** 31 - 1];
    for (const keyId of keyIds) {
      for (const version of versions) {
        for (const size of [1, 2, 3, 4, 28, 29, 30, 44, 256, 512]) {
          const body = randomBytes(size);
          const text = formatCiphertext({ keyId, version, body });
          assert.ok(text.startsWith(`kw:v1:${keyId}:${version}:`), text);
          const parsed = parseCiphertext(text);
          assert.equal(parsed.keyId, keyId);
          assert.equal(parsed.version, version);
          assert.deepEqual(parsed.body, body, `body of ${size} bytes`);
          assert.equal(formatCiphertext(parsed), text, 'format(parse(x)) === x');
        }
      }
    }
  });

  it('rejects malformed text with CryptoFailure', () => {
    const body = randomBytes(40).toString('base64url');
    const malformed: readonly (readonly [string, string])[] = [
      ['empty string', ''],
      ['prefix only', 'kw:v1:'],
      ['wrong prefix v2', `kw:v2:key:1:${body}`],
      ['wrong prefix v0', `kw:v0:key:1:${body}`],
      ['upper-case prefix', `KW:V1:key:1:${body}`],
      ['no prefix', `key:1:${body}`],
      ['leading space', ` kw:v1:key:1:${body}`],
      ['missing body field', 'kw:v1:key:1'],
      ['missing version and body', 'kw:v1:key'],
      ['empty body', 'kw:v1:key:1:'],
      ['extra field', `kw:v1:key:1:${body}:extra`],
      ['empty key id', `kw:v1::1:${body}`],
      ['key id too long (65)', `kw:v1:${'a'.repeat(65)}:1:${body}`],
      ['key id with dot', `kw:v1:key.1:1:${body}`],
      ['key id with space', `kw:v1:key 1:1:${body}`],
      ['key id with slash', `kw:v1:key/1:1:${body}`],
      ['key id non-ASCII', `kw:v1:kéy:1:${body}`],
      ['empty version', `kw:v1:key::${body}`],
      ['version 0', `kw:v1:key:0:${body}`],
      ['version 01', `kw:v1:key:01:${body}`],
      ['version 00', `kw:v1:key:00:${body}`],
      ['version -1', `kw:v1:key:-1:${body}`],
      ['version +1', `kw:v1:key:+1:${body}`],
      ['version 1.0', `kw:v1:key:1.0:${body}`],
      ['version 1e3', `kw:v1:key:1e3:${body}`],
      ['version 0x1', `kw:v1:key:0x1:${body}`],
      ['version with space', `kw:v1:key: 1:${body}`],
      ['version huge (2^31 + 1)', `kw:v1:key:2147483649:${body}`],
      ['version huge (2^32)', `kw:v1:key:4294967296:${body}`],
      ['version huge (11 digits)', `kw:v1:key:99999999999:${body}`],
      ['version huge (30 digits)', `kw:v1:key:${'9'.repeat(30)}:${body}`],
      ['body with +', `kw:v1:key:1:ab+c`],
      ['body with /', `kw:v1:key:1:ab/c`],
      ['body with = padding', `kw:v1:key:1:${body}=`],
      ['body with ==', `kw:v1:key:1:abc==`],
      ['body with space', `kw:v1:key:1:ab c`],
      ['body with trailing newline', `kw:v1:key:1:${body}\n`],
      ['body with dot', `kw:v1:key:1:ab.c`],
      ['body non-ASCII', `kw:v1:key:1:abcé`],
    ];
    for (const [why, text] of malformed) throwsCryptoFailure(() => parseCiphertext(text), `${why}: ${JSON.stringify(text)}`);
  });
});

// ---- shamir -----------------------------------------------------------------------------------

/** All k-element subsets of [0, n), in lexicographic order. */
function* subsets(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  if (k > n) return;
  for (;;) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i] = (idx[i] as number) + 1;
    for (let j = i + 1; j < k; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}

describe('shamir', () => {
  it('splits and recombines for thresholds 1..5 and up to 16 shares; every threshold-subset works', async () => {
    const secret = randomBytes(32);
    let combined = 0;
    for (let threshold = 1; threshold <= 5; threshold++) {
      for (let shares = threshold; shares <= MAX_SHARES; shares++) {
        const parts = await splitSecret(secret, shares, threshold);
        const where = `threshold ${threshold}, shares ${shares}`;
        assert.equal(parts.length, shares, where);
        for (const p of parts) assert.equal(p.length, secret.length + 1, `${where}: share length`);
        assert.equal(new Set(parts.map((p) => p[p.length - 1])).size, shares, `${where}: x coordinates must be distinct`);
        assert.ok(!parts.some((p) => p[p.length - 1] === 0), `${where}: x coordinate 0 would reveal the secret`);

        for (const subset of subsets(shares, threshold)) {
          const chosen = subset.map((i) => parts[i] as Buffer);
          assert.deepEqual(await combineShares(chosen, threshold), secret, `${where}: subset [${subset.join(',')}]`);
          combined += 1;
          if (shares === MAX_SHARES) {
            // Share order must not matter.
            assert.deepEqual(await combineShares([...chosen].reverse(), threshold), secret, `${where}: subset [${subset.join(',')}] reversed`);
          }
        }
        // More shares than the threshold also rebuild the secret.
        assert.deepEqual(await combineShares(parts, threshold), secret, `${where}: all shares`);
      }
    }
    // Σ over threshold t = 1..5 and n = t..16 of C(n, t) = C(17,2) + … + C(17,6).
    assert.equal(combined, 136 + 680 + 2380 + 6188 + 12376, 'exhaustive subset sweep');
  });

  it('threshold − 1 shares do not give the secret (wrong bytes or CryptoFailure)', async () => {
    const secret = randomBytes(32);
    for (let threshold = 1; threshold <= 5; threshold++) {
      const parts = await splitSecret(secret, MAX_SHARES, threshold);
      let checked = 0;
      for (const subset of subsets(MAX_SHARES, threshold - 1)) {
        const chosen = subset.map((i) => parts[i] as Buffer);
        const where = `threshold ${threshold}: subset [${subset.join(',')}]`;
        try {
          const got = await combineShares(chosen, threshold);
          // Equality would need all 32 interpolated bytes to match by chance (probability 2^-256).
          assert.notDeepEqual(got, secret, `${where} rebuilt the secret`);
        } catch (err) {
          assert.ok(err instanceof CryptoFailure, `${where}: threw ${String(err)}`);
        }
        checked += 1;
      }
      assert.ok(checked > 0, `threshold ${threshold}: no below-threshold subsets checked`);
    }
  });

  it('rejects bad parameters and unusable share sets with CryptoFailure', async () => {
    const secret = randomBytes(16);
    for (const [shares, threshold] of [
      [3, 0],
      [2, 3],
      [MAX_SHARES + 1, 2],
      [3, 1.5],
      [Number.NaN, 2],
    ] as const) {
      await rejectsCryptoFailure(splitSecret(secret, shares, threshold), `split(${shares}, ${threshold})`);
    }
    await rejectsCryptoFailure(combineShares([], 2), 'no shares');
    await rejectsCryptoFailure(combineShares([Buffer.of(1)], 2), 'one-byte share');
    const parts = await splitSecret(secret, 3, 2);
    const first = parts[0] as Buffer;
    await rejectsCryptoFailure(combineShares([first, first], 2), 'duplicate share');
    await rejectsCryptoFailure(combineShares([first, (parts[1] as Buffer).subarray(1)], 2), 'shares of different lengths');
  });
});

// ---- key-material -----------------------------------------------------------------------------

const MESSAGE = Buffer.from('Keyward round-trip message');

/** Round trip through the primitives for one spec; returns a short description of what ran. */
function exerciseSpec(spec: KeySpec): string {
  const info = SPEC_INFO[spec];
  const material = generateKeyMaterial(spec);
  const done: string[] = [];

  switch (info.family) {
    case 'aes': {
      assert.equal(material.length, symmetricKeyBytes(spec));
      assert.equal(material.length * 8, info.bits);
      const aad = Buffer.from('aad');
      const sealed = gcmEncrypt(material, MESSAGE, aad);
      assert.equal(sealed.iv.length, GCM_IV_BYTES);
      assert.equal(sealed.tag.length, GCM_TAG_BYTES);
      assert.deepEqual(gcmDecrypt(material, sealed, aad), MESSAGE);
      throwsCryptoFailure(() => gcmDecrypt(material, sealed, Buffer.from('other aad')), `${spec}: wrong AAD`);
      throwsCryptoFailure(() => gcmDecrypt(material, { ...sealed, tag: sealed.tag.subarray(0, 11) }, aad), `${spec}: 88-bit tag`);
      assert.deepEqual(unwrap(material, wrap(material, MESSAGE, aad), aad), MESSAGE);
      done.push('gcm', 'wrap');
      break;
    }
    case 'hmac': {
      assert.equal(material.length, symmetricKeyBytes(spec));
      const hash = info.bits === 512 ? 'sha512' : 'sha256';
      const tag = hmac(hash, material, MESSAGE);
      assert.equal(tag.length * 8, info.bits);
      assert.equal(hmacVerify(hash, material, MESSAGE, tag), true);
      assert.equal(hmacVerify(hash, material, MESSAGE, tag.subarray(0, 16)), true);
      assert.equal(hmacVerify(hash, material, MESSAGE, flipBit(tag, 0)), false);
      assert.equal(hmacVerify(hash, material, Buffer.from('other'), tag), false);
      done.push(hash);
      break;
    }
    case 'rsa':
    case 'ec':
    case 'ed25519': {
      assert.equal(symmetricKeyBytes(spec), undefined);
      const privateKey = privateKeyFromMaterial(material);
      const publicKey = createPublicKey(publicKeyPem(material));
      const details = privateKey.asymmetricKeyDetails;
      if (info.family === 'rsa') assert.equal(details?.modulusLength, info.bits);
      if (info.family === 'ec') assert.equal(details?.namedCurve, info.bits === 256 ? 'prime256v1' : 'secp384r1');

      for (const algorithm of info.signingAlgorithms) {
        const sig = signMessage(algorithm, privateKey, MESSAGE);
        assert.equal(verifyMessage(algorithm, publicKey, MESSAGE, sig), true, `${spec}/${algorithm}: verify`);
        assert.equal(verifyMessage(algorithm, publicKey, Buffer.from('other'), sig), false, `${spec}/${algorithm}: other message`);
        assert.equal(verifyMessage(algorithm, publicKey, MESSAGE, flipBit(sig, sig.length - 1)), false, `${spec}/${algorithm}: flipped sig`);
        if (info.family === 'ec') {
          const p1363 = signMessage(algorithm, privateKey, MESSAGE, 'ieee-p1363');
          assert.equal(p1363.length, 2 * Math.ceil(info.bits / 8), `${spec}: P1363 length`);
          assert.equal(verifyMessage(algorithm, publicKey, MESSAGE, p1363, 'ieee-p1363'), true, `${spec}: P1363 verify`);
          assert.equal(verifyMessage(algorithm, publicKey, MESSAGE, p1363, 'der'), false, `${spec}: P1363 read as DER`);
          assert.equal(verifyMessage(algorithm, publicKey, MESSAGE, sig, 'ieee-p1363'), false, `${spec}: DER read as P1363`);
        }
        if (info.family === 'ed25519') assert.equal(sig.length, 64);
        if (algorithm === 'RSASSA_PKCS1_V1_5_SHA_256') {
          const digest = sha256(MESSAGE);
          const digestSig = signDigest(algorithm, privateKey, digest);
          // PKCS#1 v1.5 is deterministic: both paths produce the same signature.
          assert.deepEqual(digestSig, sig, `${spec}: signDigest equals signMessage`);
          assert.equal(verifyDigest(algorithm, publicKey, digest, sig), true, `${spec}: verifyDigest`);
          assert.equal(verifyDigest(algorithm, publicKey, sha256(Buffer.from('other')), sig), false, `${spec}: verifyDigest other`);
          throwsCryptoFailure(() => signDigest(algorithm, privateKey, digest.subarray(1)), `${spec}: short digest`);
        }
        done.push(algorithm);
      }

      if (info.usages.includes('ENCRYPT_DECRYPT')) {
        assert.equal(info.family, 'rsa');
        const max = oaepMaxPlaintext(info.bits);
        const label = Buffer.from('label');
        for (const [pt, lbl] of [
          [Buffer.alloc(0), undefined],
          [randomBytes(32), undefined],
          [randomBytes(max), undefined],
          [randomBytes(max), label],
        ] as const) {
          const ct = oaepEncrypt(publicKey, pt, 'sha256', lbl);
          assert.equal(ct.length * 8, info.bits);
          assert.deepEqual(oaepDecrypt(privateKey, ct, 'sha256', lbl), pt, `${spec}: OAEP ${pt.length} bytes, label ${lbl ? 'yes' : 'no'}`);
          throwsCryptoFailure(() => oaepDecrypt(privateKey, ct, 'sha256', lbl ? undefined : label), `${spec}: wrong label`);
          throwsCryptoFailure(() => oaepDecrypt(privateKey, flipBit(ct, 0), 'sha256', lbl), `${spec}: flipped ct`);
        }
        assert.throws(() => oaepEncrypt(publicKey, randomBytes(max + 1)), `${spec}: plaintext over the OAEP limit`);
        done.push('OAEP');
      }
      break;
    }
  }
  material.fill(0);
  return done.join(', ');
}

describe('key-material', () => {
  for (const spec of KEY_SPECS) {
    it(`${spec}: generates material that round-trips through the primitives`, (t) => {
      t.diagnostic(`${spec}: ${exerciseSpec(spec)}`);
    });
  }

  it('rejects malformed private key material with CryptoFailure', () => {
    throwsCryptoFailure(() => privateKeyFromMaterial(Buffer.alloc(0)), 'empty');
    throwsCryptoFailure(() => privateKeyFromMaterial(randomBytes(64)), 'random bytes');
    throwsCryptoFailure(() => publicKeyPem(randomBytes(64)), 'publicKeyPem of random bytes');
  });
});
