import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoFailure } from '../../src/crypto/crypto-failure.ts';
import { hkdfSha256 } from '../../src/crypto/hkdf.ts';
import { Tally, hex, loadWycheproof, outcomeOf } from './wycheproof-loader.ts';
import type { HkdfGroup } from './wycheproof-loader.ts';

describe('Wycheproof HKDF', () => {
  it('hkdf_sha256_test.json: hkdfSha256 derives valid OKMs and throws CryptoFailure on invalid sizes', (t) => {
    const file = loadWycheproof<HkdfGroup>('hkdf_sha256_test.json');
    const tally = new Tally('hkdf_sha256_test.json');

    for (const group of file.testGroups) {
      for (const tc of group.tests) {
        const ikm = hex(tc.ikm);
        const salt = hex(tc.salt);
        const info = hex(tc.info);
        const okm = hex(tc.okm);
        tally.judge(
          tc,
          outcomeOf(() => {
            const out = hkdfSha256(ikm, salt, info, tc.size);
            if (tc.result === 'valid' && !out.equals(okm)) tally.fail(tc, `okm differs (got ${out.length} bytes)`);
            return true;
          }),
        );
      }
    }

    tally.assertComplete(file);
    t.diagnostic(tally.summary());
  });
});

describe('hkdfSha256 output length bounds', () => {
  it('gives up to 255·32 bytes and throws CryptoFailure beyond that or for non-integer lengths', () => {
    const ikm = Buffer.alloc(32, 1);
    const empty = Buffer.alloc(0);
    assert.equal(hkdfSha256(ikm, empty, empty, 255 * 32).length, 255 * 32);
    assert.equal(hkdfSha256(ikm, empty, empty, 0).length, 0);
    for (const bad of [255 * 32 + 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => hkdfSha256(ikm, empty, empty, bad), CryptoFailure, `length ${bad}`);
    }
  });
});
