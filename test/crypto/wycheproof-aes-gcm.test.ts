import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GCM_MAX_IV_BYTES, gcmDecrypt, gcmEncrypt } from '../../src/crypto/aes-gcm.ts';
import { Tally, describeCase, errorText, hex, isCryptoFailure, loadWycheproof, outcomeOf } from './wycheproof-loader.ts';
import type { AeadGroup, AeadTest } from './wycheproof-loader.ts';

/**
 * GCM allows IVs of any non-zero length (non-96-bit ones are GHASH-compressed), but OpenSSL 3,
 * and therefore node:crypto, caps them at 1024 bits. Wycheproof says "some implementations
 * restrict the range of the IV sizes". Valid cases with a longer IV (flag LongIv) are the one
 * narrow exception to "every valid case passes": both directions must refuse them cleanly with a
 * CryptoFailure. The exception is pinned to LongIv cases with such IVs, and their number is
 * asserted, so it cannot widen silently.
 */
function isUnsupportedLongIv(tc: AeadTest): boolean {
  return tc.result === 'valid' && tc.flags.includes('LongIv') && tc.iv.length / 2 > GCM_MAX_IV_BYTES;
}
/** tcIds 268, 272, 276: 2056-bit IVs under 128-, 192- and 256-bit keys. */
const EXPECTED_UNSUPPORTED_LONG_IV = 3;

describe('Wycheproof AES-GCM', () => {
  it('aes_gcm_test.json: gcmEncrypt reproduces valid cases, gcmDecrypt accepts valid and rejects invalid', (t) => {
    const file = loadWycheproof<AeadGroup>('aes_gcm_test.json');
    const tally = new Tally('aes_gcm_test.json');
    let encryptChecked = 0;
    const unsupported: string[] = [];

    for (const group of file.testGroups) {
      const tagBytes = group.tagSize / 8;
      for (const tc of group.tests) {
        const key = hex(tc.key);
        const iv = hex(tc.iv);
        const aad = hex(tc.aad);
        const msg = hex(tc.msg);
        const ct = hex(tc.ct);
        const tag = hex(tc.tag);

        if (isUnsupportedLongIv(tc)) {
          tally.count(tc);
          unsupported.push(describeCase(tc));
          for (const [what, run] of [
            ['gcmEncrypt', () => gcmEncrypt(key, msg, aad, iv)],
            ['gcmDecrypt', () => gcmDecrypt(key, { iv, ciphertext: ct, tag }, aad)],
          ] as const) {
            try {
              run();
              tally.fail(tc, `${what} accepted a ${iv.length}-byte IV; update GCM_MAX_IV_BYTES and this test`);
            } catch (err) {
              if (!isCryptoFailure(err)) tally.fail(tc, `${what} threw a non-CryptoFailure error: ${errorText(err)}`);
            }
          }
          continue;
        }

        // Encryption direction: only meaningful for valid cases (invalid ones carry modified tags
        // or an empty IV, which encryption is not expected to reproduce).
        if (tc.result === 'valid') {
          encryptChecked += 1;
          try {
            const sealed = gcmEncrypt(key, msg, aad, iv);
            if (!sealed.ciphertext.equals(ct)) tally.fail(tc, 'gcmEncrypt: ciphertext differs');
            // gcmEncrypt always emits a 128-bit tag; a shorter vector tag must be its prefix.
            if (!sealed.tag.subarray(0, tagBytes).equals(tag)) tally.fail(tc, 'gcmEncrypt: tag differs');
            if (!sealed.iv.equals(iv)) tally.fail(tc, 'gcmEncrypt: iv not echoed');
          } catch (err) {
            tally.fail(tc, `gcmEncrypt threw: ${errorText(err)}`);
          }
        }

        // Decryption direction: every case.
        tally.judge(
          tc,
          outcomeOf(() => {
            const pt = gcmDecrypt(key, { iv, ciphertext: ct, tag }, aad);
            if (tc.result === 'valid' && !pt.equals(msg)) tally.fail(tc, 'gcmDecrypt: plaintext differs');
            return true;
          }),
        );
      }
    }

    tally.assertComplete(file);
    assert.equal(unsupported.length, EXPECTED_UNSUPPORTED_LONG_IV, `unexpected set of unsupported long-IV cases:\n${unsupported.join('\n')}`);
    assert.equal(encryptChecked + unsupported.length, tally.checked.valid, 'every supported valid case must also be checked by gcmEncrypt');
    t.diagnostic(`${tally.summary()}; encrypt-checked ${encryptChecked}; valid but IV > ${GCM_MAX_IV_BYTES} bytes (refused): ${unsupported.length}`);
  });
});
