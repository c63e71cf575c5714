import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CryptoFailure } from '../../src/crypto/crypto-failure.ts';
import {
  formatWebhookSecret,
  newWebhookSecret,
  parseWebhookSecret,
  unwrapWebhookSecret,
  wrapWebhookSecret,
} from '../../src/lifecycle/events/webhook-secret.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../src/lifecycle/events/webhook-signature.ts';

const secret = Buffer.alloc(32, 7);
const text = formatWebhookSecret(secret);
const body = '{"id":"evt_42","type":"key.rotated"}';
const at = new Date('2026-05-01T10:00:00Z');
const t = at.getTime() / 1000;

describe('webhook signatures', () => {
  it('signs t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    assert.equal(signWebhookBody(secret, body, t), `t=${t},v1=${expected}`);
  });

  it('verifies with the whsec_ text or the raw bytes, and a string or byte body', () => {
    const header = signWebhookBody(secret, body, t);
    assert.equal(verifyWebhookSignature(text, header, body, 300, at), true);
    assert.equal(verifyWebhookSignature(secret, header, Buffer.from(body), 300, at), true);
  });

  it('refuses a changed body, another secret, or a timestamp outside the tolerance', () => {
    const header = signWebhookBody(secret, body, t);
    assert.equal(verifyWebhookSignature(text, header, body.replace('42', '43'), 300, at), false);
    assert.equal(verifyWebhookSignature(formatWebhookSecret(Buffer.alloc(32, 8)), header, body, 300, at), false);
    assert.equal(verifyWebhookSignature(text, header, body, 300, new Date(at.getTime() + 301_000)), false);
    assert.equal(verifyWebhookSignature(text, header, body, 300, new Date(at.getTime() - 301_000)), false);
    assert.equal(verifyWebhookSignature(text, header, body, 300, new Date(at.getTime() + 299_000)), true);
    // The timestamp is signed: moving it to get past the tolerance breaks the signature.
    assert.equal(verifyWebhookSignature(text, header.replace(`t=${t}`, `t=${t + 1000}`), body, 300, new Date(at.getTime() + 1000_000)), false);
  });

  it('accepts any one matching v1 among several (secret rotation) and ignores unknown schemes', () => {
    const good = signWebhookBody(secret, body, t).split(',')[1] as string;
    const other = signWebhookBody(Buffer.alloc(32, 9), body, t).split(',')[1] as string;
    assert.equal(verifyWebhookSignature(text, `t=${t},${other},${good},v2=zzz`, body, 300, at), true);
    assert.equal(verifyWebhookSignature(text, `t=${t},${other}`, body, 300, at), false);
  });

  it('treats malformed headers and secrets as a failed check, not an exception', () => {
    for (const header of [undefined, null, '', 'garbage', `t=${t}`, `v1=${'a'.repeat(64)}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${t},v1=xyz`, `t=${t},t=${t},v1=${'a'.repeat(64)}`, `x`.repeat(2000)]) {
      assert.equal(verifyWebhookSignature(text, header, body, 300, at), false, String(header).slice(0, 40));
    }
    assert.equal(verifyWebhookSignature('whsec_short', signWebhookBody(secret, body, t), body, 300, at), false);
  });
});

describe('webhook secrets', () => {
  it('are 32 random bytes shown as whsec_ and 43 base64url characters', () => {
    const fresh = newWebhookSecret();
    assert.equal(fresh.length, 32);
    assert.notDeepEqual(fresh, newWebhookSecret());
    const shown = formatWebhookSecret(fresh);
    assert.match(shown, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseWebhookSecret(shown), fresh);
    assert.throws(() => parseWebhookSecret('whsec_' + 'A'.repeat(42)), RangeError);
    assert.throws(() => parseWebhookSecret(shown.replace('whsec_', 'kwr_')), RangeError);
  });

  it('are wrapped under the root key, bound to their webhook id', () => {
    const rootKey = Buffer.alloc(32, 1);
    const wrapped = wrapWebhookSecret(rootKey, 'wh_aaaaaaaaaaaaaaaaaaaaaaaa', secret);
    assert.equal(wrapped.includes(secret), false);
    assert.deepEqual(unwrapWebhookSecret(rootKey, 'wh_aaaaaaaaaaaaaaaaaaaaaaaa', wrapped), secret);
    assert.throws(() => unwrapWebhookSecret(rootKey, 'wh_bbbbbbbbbbbbbbbbbbbbbbbb', wrapped), CryptoFailure);
    assert.throws(() => unwrapWebhookSecret(Buffer.alloc(32, 2), 'wh_aaaaaaaaaaaaaaaaaaaaaaaa', wrapped), CryptoFailure);
  });
});
