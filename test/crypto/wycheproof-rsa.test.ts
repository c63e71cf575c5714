import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyDigest, verifyMessage, sha256 } from '../../src/crypto/signatures.ts';
import { oaepDecrypt } from '../../src/crypto/rsa-oaep.ts';
import { Tally, describeCase, hex, loadWycheproof, outcomeOf, privateKeyOf, runSignatureFile } from './wycheproof-loader.ts';
import type { OaepGroup, SignatureGroup } from './wycheproof-loader.ts';

function expectSha256(group: SignatureGroup | OaepGroup): void {
  // A plain Error (not CryptoFailure) is reported as a failure of the case.
  if (group.sha !== 'SHA-256') throw new Error(`group uses ${String(group.sha)}, suite expects SHA-256`);
}

describe('Wycheproof RSASSA-PSS', () => {
  for (const fileName of ['rsa_pss_2048_sha256_mgf1_32_test.json', 'rsa_pss_3072_sha256_mgf1_32_test.json']) {
    it(`${fileName}: verifyMessage(RSASSA_PSS_SHA_256) accepts valid and rejects invalid signatures`, (t) => {
      const tally = runSignatureFile(fileName, (key, msg, sig, group) => {
        expectSha256(group);
        // verifyMessage pins the salt length to 32 bytes (= hash length); so do these files.
        if (group.sLen !== 32) throw new Error(`group uses sLen ${String(group.sLen)}, verifyMessage expects 32`);
        return verifyMessage('RSASSA_PSS_SHA_256', key, msg, sig);
      });
      t.diagnostic(tally.summary());
    });
  }
});

describe('Wycheproof RSASSA-PKCS1-v1_5', () => {
  const fileName = 'rsa_signature_2048_sha256_test.json';

  it(`${fileName}: verifyMessage(RSASSA_PKCS1_V1_5_SHA_256) accepts valid and rejects invalid signatures`, (t) => {
    const tally = runSignatureFile(fileName, (key, msg, sig, group) => {
      expectSha256(group);
      return verifyMessage('RSASSA_PKCS1_V1_5_SHA_256', key, msg, sig);
    });
    t.diagnostic(tally.summary());
  });

  it(`${fileName}: verifyDigest(sha256(msg)) agrees with the file and with verifyMessage`, (t) => {
    const disagreements: string[] = [];
    const tally = runSignatureFile(fileName, (key, msg, sig, group, tc) => {
      expectSha256(group);
      const byDigest = verifyDigest('RSASSA_PKCS1_V1_5_SHA_256', key, sha256(msg), sig);
      const byMessage = verifyMessage('RSASSA_PKCS1_V1_5_SHA_256', key, msg, sig);
      // On valid and invalid cases both paths must give the same answer. Acceptable cases
      // (MissingNull) may legitimately differ: verifyDigest compares DigestInfo byte for byte,
      // while verifyMessage leaves that to OpenSSL.
      if (tc.result !== 'acceptable' && byDigest !== byMessage) disagreements.push(`${describeCase(tc)}: verifyDigest ${byDigest}, verifyMessage ${byMessage}`);
      return byDigest;
    });
    assert.deepEqual(disagreements, [], 'verifyDigest and verifyMessage disagree');
    t.diagnostic(`verifyDigest: ${tally.summary()}`);
  });
});

describe('Wycheproof RSAES-OAEP', () => {
  for (const fileName of [
    'rsa_oaep_2048_sha256_mgf1sha256_test.json',
    'rsa_oaep_3072_sha256_mgf1sha256_test.json',
    'rsa_oaep_4096_sha256_mgf1sha256_test.json',
  ]) {
    it(`${fileName}: oaepDecrypt(sha256) recovers valid plaintexts and throws CryptoFailure on invalid ones`, (t) => {
      const file = loadWycheproof<OaepGroup>(fileName);
      const tally = new Tally(fileName);
      for (const group of file.testGroups) {
        assert.equal(group.sha, 'SHA-256', `${fileName}: group hash`);
        assert.equal(group.mgf, 'MGF1', `${fileName}: group MGF`);
        assert.equal(group.mgfSha, 'SHA-256', `${fileName}: group MGF hash`);
        const key = privateKeyOf(group);
        assert.equal(key.asymmetricKeyDetails?.modulusLength, group.keySize, `${fileName}: key size`);
        for (const tc of group.tests) {
          const ct = hex(tc.ct);
          const msg = hex(tc.msg);
          const label = hex(tc.label);
          tally.judge(
            tc,
            outcomeOf(() => {
              const pt = oaepDecrypt(key, ct, 'sha256', label.length > 0 ? label : undefined);
              if (tc.result === 'valid' && !pt.equals(msg)) tally.fail(tc, `plaintext differs (got ${pt.length} bytes)`);
              return true;
            }),
          );
        }
      }
      tally.assertComplete(file);
      t.diagnostic(tally.summary());
    });
  }
});
