import { describe, it } from 'node:test';
import { verifyMessage } from '../../src/crypto/signatures.ts';
import { runSignatureFile } from './wycheproof-loader.ts';

describe('Wycheproof EdDSA', () => {
  it('ed25519_test.json: verifyMessage(ED25519) accepts valid and rejects invalid signatures', (t) => {
    const tally = runSignatureFile('ed25519_test.json', (key, msg, sig) => verifyMessage('ED25519', key, msg, sig));
    t.diagnostic(tally.summary());
  });
});
