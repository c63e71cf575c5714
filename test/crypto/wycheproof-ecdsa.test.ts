import { describe, it } from 'node:test';
import { verifyMessage } from '../../src/crypto/signatures.ts';
import type { EcdsaEncoding } from '../../src/crypto/signatures.ts';
import type { SigningAlgorithm } from '../../src/crypto/key-specs.ts';
import { runSignatureFile } from './wycheproof-loader.ts';

const FILES: readonly (readonly [string, SigningAlgorithm, EcdsaEncoding, string])[] = [
  ['ecdsa_secp256r1_sha256_test.json', 'ECDSA_SHA_256', 'der', 'SHA-256'],
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'ECDSA_SHA_256', 'ieee-p1363', 'SHA-256'],
  ['ecdsa_secp384r1_sha384_test.json', 'ECDSA_SHA_384', 'der', 'SHA-384'],
];

describe('Wycheproof ECDSA', () => {
  for (const [fileName, algorithm, encoding, sha] of FILES) {
    it(`${fileName}: verifyMessage(${algorithm}, ${encoding}) accepts valid and rejects invalid signatures`, (t) => {
      const tally = runSignatureFile(fileName, (key, msg, sig, group) => {
        // A plain Error (not CryptoFailure) is reported as a failure of every case in the group.
        if (group.sha !== sha) throw new Error(`group uses ${String(group.sha)}, suite expects ${sha}`);
        return verifyMessage(algorithm, key, msg, sig, encoding);
      });
      t.diagnostic(tally.summary());
    });
  }
});
