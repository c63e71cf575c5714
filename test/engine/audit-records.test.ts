import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CallContext } from '../../src/auth/principal.ts';
import type { Engine } from '../../src/engine.ts';
import type { AuditOutcome, AuditRecord } from '../../src/storage/records.ts';
import { allAuditEntries, auditEntriesAfter, auditHeadSeq, openDevEngine, rejectsWith, root, tamperBody, useDevEngine } from './helpers.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Runs `fn` (which may fail) and returns the one audit entry it left; fails if it left more or none. */
async function onlyEntry(engine: Engine, label: string, fn: () => Promise<unknown>): Promise<AuditRecord> {
  const before = await auditHeadSeq(engine);
  await fn().catch(() => undefined);
  const entries = await auditEntriesAfter(engine, before);
  assert.equal(entries.length, 1, `${label}: exactly one audit entry (got ${entries.map((e) => e.action).join(', ')})`);
  return entries[0] as AuditRecord;
}

interface Expected {
  readonly action: string;
  /** Key name whose id is expected, or null for none. */
  readonly key: string | null;
  readonly keyVersion: number | null;
  readonly outcome: AuditOutcome;
  readonly errorCode?: string;
}

describe('audit entries of engine operations', () => {
  const engine = useDevEngine();
  const ids = new Map<string, string>();
  const keyId = (name: string): string => {
    const id = ids.get(name);
    assert.ok(id, `id of ${name}`);
    return id;
  };
  let v1Ciphertext = '';
  let edSignature: Buffer = Buffer.alloc(0);
  let mac: Buffer = Buffer.alloc(0);

  before(async () => {
    const e = engine();
    for (const [name, spec, extra] of [
      ['a-aes', 'AES_256_GCM', {}],
      ['a-aes-2', 'AES_256_GCM', {}],
      ['a-ed', 'ED25519', {}],
      ['a-mac', 'HMAC_SHA256', {}],
      ['a-pre', 'AES_256_GCM', { preActivation: true }],
      ['a-life', 'AES_256_GCM', {}],
    ] as const) {
      ids.set(name, (await e.keys.create(root, { name, spec, ...extra })).id);
    }
    v1Ciphertext = (await e.crypto.encrypt(root, { key: 'a-aes', plaintext: text('v1 data') })).ciphertext;
    await e.keys.rotate(root, 'a-aes');
    edSignature = (await e.crypto.sign(root, { key: 'a-ed', message: text('signed') })).signature;
    mac = (await e.crypto.mac(root, { key: 'a-mac', message: text('maced') })).mac;
  });

  // Each case runs in order (later ones rely on earlier state changes) and must leave one entry.
  const cases: [string, () => Promise<unknown>, Expected][] = [
    ['create', () => engine().keys.create(root, { name: 'a-new', spec: 'AES_256_GCM' }).then((k) => ids.set('a-new', k.id)), { action: 'key.create', key: 'a-new', keyVersion: 1, outcome: 'success' }],
    ['import', () => engine().keys.import(root, { name: 'a-imp', spec: 'AES_256_GCM', material: randomBytes(32) }).then((k) => ids.set('a-imp', k.id)), { action: 'key.import', key: 'a-imp', keyVersion: 1, outcome: 'success' }],
    ['describe', () => engine().keys.describe(root, 'a-aes'), { action: 'key.describe', key: 'a-aes', keyVersion: null, outcome: 'success' }],
    ['list', () => engine().keys.list(root, {}), { action: 'key.list', key: null, keyVersion: null, outcome: 'success' }],
    ['update', () => engine().keys.update(root, 'a-aes', { owner: 'audit-team' }), { action: 'key.update', key: 'a-aes', keyVersion: 2, outcome: 'success' }],
    ['rotate', () => engine().keys.rotate(root, 'a-aes-2'), { action: 'key.rotate', key: 'a-aes-2', keyVersion: 2, outcome: 'success' }],
    ['public key', () => engine().keys.publicKey(root, 'a-ed'), { action: 'key.get-public-key', key: 'a-ed', keyVersion: 1, outcome: 'success' }],
    ['encrypt', () => engine().crypto.encrypt(root, { key: 'a-aes', plaintext: text('p') }), { action: 'crypto.encrypt', key: 'a-aes', keyVersion: 2, outcome: 'success' }],
    ['decrypt of a v1 ciphertext', () => engine().crypto.decrypt(root, { ciphertext: v1Ciphertext }), { action: 'crypto.decrypt', key: 'a-aes', keyVersion: 1, outcome: 'success' }],
    ['data key', () => engine().crypto.generateDataKey(root, { key: 'a-aes' }), { action: 'crypto.generate-data-key', key: 'a-aes', keyVersion: 2, outcome: 'success' }],
    ['re-encrypt', () => engine().crypto.reEncrypt(root, { ciphertext: v1Ciphertext }), { action: 'crypto.re-encrypt', key: 'a-aes', keyVersion: 1, outcome: 'success' }],
    ['sign', () => engine().crypto.sign(root, { key: 'a-ed', message: text('m') }), { action: 'crypto.sign', key: 'a-ed', keyVersion: 1, outcome: 'success' }],
    ['verify (valid)', () => engine().crypto.verify(root, { key: 'a-ed', message: text('signed'), signature: edSignature }), { action: 'crypto.verify', key: 'a-ed', keyVersion: 1, outcome: 'success' }],
    ['verify (invalid)', () => engine().crypto.verify(root, { key: 'a-ed', message: text('not signed'), signature: edSignature }), { action: 'crypto.verify', key: 'a-ed', keyVersion: null, outcome: 'success' }],
    ['mac', () => engine().crypto.mac(root, { key: 'a-mac', message: text('m') }), { action: 'crypto.mac', key: 'a-mac', keyVersion: 1, outcome: 'success' }],
    ['verify mac', () => engine().crypto.verifyMac(root, { key: 'a-mac', message: text('maced'), mac }), { action: 'crypto.verify-mac', key: 'a-mac', keyVersion: 1, outcome: 'success' }],
    ['random', () => engine().crypto.random(root, 16), { action: 'crypto.random', key: null, keyVersion: null, outcome: 'success' }],
    ['set min decryption version', () => engine().keys.setMinDecryptionVersion(root, 'a-aes-2', 2), { action: 'key.set-min-decryption-version', key: 'a-aes-2', keyVersion: 2, outcome: 'success' }],
    ['activate', () => engine().keys.changeState(root, 'a-pre', 'activate'), { action: 'key.activate', key: 'a-pre', keyVersion: 1, outcome: 'success' }],
    ['suspend', () => engine().keys.changeState(root, 'a-life', 'suspend'), { action: 'key.suspend', key: 'a-life', keyVersion: 1, outcome: 'success' }],
    ['encrypt with a suspended key', () => engine().crypto.encrypt(root, { key: 'a-life', plaintext: text('p') }), { action: 'crypto.encrypt', key: 'a-life', keyVersion: 1, outcome: 'denied', errorCode: 'key_state_invalid' }],
    ['resume', () => engine().keys.changeState(root, 'a-life', 'resume'), { action: 'key.resume', key: 'a-life', keyVersion: 1, outcome: 'success' }],
    ['deactivate', () => engine().keys.changeState(root, 'a-life', 'deactivate'), { action: 'key.deactivate', key: 'a-life', keyVersion: 1, outcome: 'success' }],
    ['compromise', () => engine().keys.changeState(root, 'a-life', 'compromise'), { action: 'key.compromise', key: 'a-life', keyVersion: 1, outcome: 'success' }],
    ['destroy', () => engine().keys.changeState(root, 'a-life', 'destroy'), { action: 'key.destroy', key: 'a-life', keyVersion: 1, outcome: 'success' }],
    ['destroy an active key', () => engine().keys.changeState(root, 'a-aes-2', 'destroy'), { action: 'key.destroy', key: 'a-aes-2', keyVersion: 2, outcome: 'failure', errorCode: 'invalid_state_transition' }],
    ['decrypt a disabled version', () => engine().crypto.decrypt(root, { ciphertext: v1Ciphertext.replace(keyId('a-aes'), keyId('a-aes-2')) }), { action: 'crypto.decrypt', key: 'a-aes-2', keyVersion: 1, outcome: 'denied', errorCode: 'key_version_disabled' }],
    ['decrypt a tampered ciphertext', () => engine().crypto.decrypt(root, { ciphertext: tamperBody(v1Ciphertext) }), { action: 'crypto.decrypt', key: 'a-aes', keyVersion: 1, outcome: 'failure', errorCode: 'decryption_failed' }],
    ['decrypt a malformed ciphertext', () => engine().crypto.decrypt(root, { ciphertext: 'kw:v1:broken' }), { action: 'crypto.decrypt', key: null, keyVersion: null, outcome: 'failure', errorCode: 'ciphertext_invalid' }],
    ['decrypt under an unknown key', () => engine().crypto.decrypt(root, { ciphertext: v1Ciphertext.replace(keyId('a-aes'), 'key_000000000000000000000000') }), { action: 'crypto.decrypt', key: null, keyVersion: null, outcome: 'failure', errorCode: 'key_not_found' }],
    ['encrypt with a signing key', () => engine().crypto.encrypt(root, { key: 'a-ed', plaintext: text('p') }), { action: 'crypto.encrypt', key: 'a-ed', keyVersion: 1, outcome: 'failure', errorCode: 'key_usage_invalid' }],
    ['encrypt too much', () => engine().crypto.encrypt(root, { key: 'a-aes', plaintext: Buffer.alloc(65 * 1024) }), { action: 'crypto.encrypt', key: null, keyVersion: null, outcome: 'failure', errorCode: 'payload_too_large' }],
    ['random out of range', () => engine().crypto.random(root, 0), { action: 'crypto.random', key: null, keyVersion: null, outcome: 'failure', errorCode: 'validation_failed' }],
    ['create with a bad name', () => engine().keys.create(root, { name: ' bad', spec: 'AES_256_GCM' }), { action: 'key.create', key: null, keyVersion: null, outcome: 'failure', errorCode: 'validation_failed' }],
  ];

  it('leaves exactly one entry per operation, with the right action, key, version, outcome and error code', async () => {
    const e = engine();
    for (const [label, run, expected] of cases) {
      const entry = await onlyEntry(e, label, run);
      const want = expected.key === null ? null : keyId(expected.key);
      assert.deepEqual(
        { action: entry.action, keyId: entry.keyId, keyVersion: entry.keyVersion, outcome: entry.outcome, errorCode: entry.errorCode },
        { action: expected.action, keyId: want, keyVersion: expected.keyVersion, outcome: expected.outcome, errorCode: expected.errorCode ?? null },
        label,
      );
      assert.equal(entry.actor, 'root:test', label);
      if (expected.key !== null) assert.equal(entry.details['keyName'], expected.key, `${label}: key name in details`);
    }
  });

  it('records a duplicate create as a failure with key_exists, without pointing at a key that does not exist', async () => {
    const e = engine();
    const entry = await onlyEntry(e, 'duplicate create', () => e.keys.create(root, { name: 'a-aes', spec: 'AES_256_GCM' }));
    assert.equal(entry.action, 'key.create');
    assert.equal(entry.outcome, 'failure');
    assert.equal(entry.errorCode, 'key_exists');
    assert.equal(entry.details['keyName'], 'a-aes');
    if (entry.keyId !== null) {
      assert.ok(await e.store.getKey(entry.keyId), `the entry's keyId ${entry.keyId} names a key that exists`);
    }
  });

  it('records the details that describe each operation', async () => {
    const e = engine();
    const sign = await onlyEntry(e, 'sign', () => e.crypto.sign(root, { key: 'a-ed', message: text('m') }));
    assert.equal(sign.details['algorithm'], 'ED25519');
    assert.equal(sign.details['messageType'], 'RAW');
    assert.match(sign.details['messageHmac'] as string, /^[0-9a-f]{64}$/);
    const verify = await onlyEntry(e, 'verify', () => e.crypto.verify(root, { key: 'a-ed', message: text('x'), signature: edSignature }));
    assert.equal(verify.details['valid'], false);
    const dk = await onlyEntry(e, 'data key', () => e.crypto.generateDataKey(root, { key: 'a-aes', bytes: 24, includePlaintext: false }));
    assert.equal(dk.details['bytes'], 24);
    assert.equal(dk.details['plaintextReturned'], false);
    const enc = await onlyEntry(e, 'encrypt with context', () => e.crypto.encrypt(root, { key: 'a-aes', plaintext: text('p'), context: { tenant: 't9' } }));
    assert.deepEqual(enc.details['context'], { tenant: 't9' }, 'the encryption context is logged in clear');
    const re = await onlyEntry(e, 're-encrypt to another key', () => e.crypto.reEncrypt(root, { ciphertext: v1Ciphertext, destinationKey: 'a-new' }));
    assert.equal(re.details['destinationKeyId'], keyId('a-new'));
    assert.equal(re.details['destinationKeyName'], 'a-new');
    assert.equal(re.details['destinationVersion'], 1);
    assert.match(re.details['newCiphertextHmac'] as string, /^[0-9a-f]{64}$/);
    const create = await onlyEntry(e, 'create', () => e.keys.create(root, { name: 'a-details', spec: 'HMAC_SHA512', owner: 'o', environment: 'ci', tier: 3 }));
    assert.deepEqual(
      { spec: create.details['spec'], usage: create.details['usage'], state: create.details['state'], owner: create.details['owner'], environment: create.details['environment'], tier: create.details['tier'] },
      { spec: 'HMAC_SHA512', usage: 'GENERATE_VERIFY_MAC', state: 'active', owner: 'o', environment: 'ci', tier: 3 },
    );
  });
});

describe('secrets never enter the audit log', () => {
  const engine = useDevEngine();

  it('holds no plaintext, data key, signature or MAC in any encoding, only keyed HMACs', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'secret-aes', spec: 'AES_256_GCM' });
    await e.keys.create(root, { name: 'secret-aes-2', spec: 'AES_256_GCM' });
    await e.keys.create(root, { name: 'secret-rsa', spec: 'RSA_2048', usage: 'ENCRYPT_DECRYPT' });
    await e.keys.create(root, { name: 'secret-ed', spec: 'ED25519' });
    await e.keys.create(root, { name: 'secret-mac', spec: 'HMAC_SHA512' });
    const plaintext = text(`Top secret payload ${randomBytes(8).toString('hex')} — do not log`);
    const secrets: Buffer[] = [plaintext];

    const enc = await e.crypto.encrypt(root, { key: 'secret-aes', plaintext, context: { app: 'audit-test' } });
    const dec = await e.crypto.decrypt(root, { ciphertext: enc.ciphertext, context: { app: 'audit-test' } });
    assert.deepEqual(dec.plaintext, plaintext);
    const rsa = await e.crypto.encrypt(root, { key: 'secret-rsa', plaintext });
    await e.crypto.decrypt(root, { ciphertext: rsa.ciphertext });
    const re = await e.crypto.reEncrypt(root, { ciphertext: enc.ciphertext, sourceContext: { app: 'audit-test' }, destinationKey: 'secret-aes-2' });
    await e.crypto.decrypt(root, { ciphertext: re.ciphertext, context: { app: 'audit-test' } });
    const dk = await e.crypto.generateDataKey(root, { key: 'secret-aes', bytes: 64 });
    assert.ok(dk.plaintext);
    secrets.push(Buffer.from(dk.plaintext));
    const dkDec = await e.crypto.decrypt(root, { ciphertext: dk.ciphertext });
    assert.deepEqual(dkDec.plaintext, dk.plaintext);
    const sig = await e.crypto.sign(root, { key: 'secret-ed', message: plaintext });
    await e.crypto.verify(root, { key: 'secret-ed', message: plaintext, signature: sig.signature });
    secrets.push(sig.signature);
    const m = await e.crypto.mac(root, { key: 'secret-mac', message: plaintext });
    await e.crypto.verifyMac(root, { key: 'secret-mac', message: plaintext, mac: m.mac });
    secrets.push(m.mac);
    const random = await e.crypto.random(root, 64);
    secrets.push(random);
    const material = randomBytes(32);
    await e.keys.import(root, { name: 'secret-imported', spec: 'AES_256_GCM', material: Buffer.from(material) });
    secrets.push(material);
    // A failed decryption must not leak anything either.
    await rejectsWith(e.crypto.decrypt(root, { ciphertext: enc.ciphertext, context: { app: 'other' } }), 'decryption_failed');

    const serialized = JSON.stringify(await allAuditEntries(e));
    for (const [i, secret] of secrets.entries()) {
      for (const enc of ['utf8', 'hex', 'base64', 'base64url'] as const) {
        const form = secret.toString(enc);
        assert.ok(!serialized.includes(form), `secret #${i} appears in the audit log as ${enc}`);
        if (enc !== 'utf8') assert.ok(!serialized.toLowerCase().includes(form.toLowerCase()), `secret #${i} appears (any case) as ${enc}`);
      }
    }
    // Ciphertexts are hashed too, not logged in clear.
    for (const c of [enc.ciphertext, rsa.ciphertext, re.ciphertext, dk.ciphertext]) assert.ok(!serialized.includes(c.split(':')[4] as string), 'ciphertext body not logged');
  });

  it('stores plaintextHmac equal to audit.hashValue of the plaintext, for encrypt and decrypt', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'hmac-key', spec: 'AES_256_GCM' });
    const plaintext = text('find me later');
    const before = await auditHeadSeq(e);
    const { ciphertext } = await e.crypto.encrypt(root, { key: 'hmac-key', plaintext });
    await e.crypto.decrypt(root, { ciphertext });
    const [encEntry, decEntry] = await auditEntriesAfter(e, before);
    assert.ok(encEntry && decEntry);
    const expected = await e.audit.hashValue(root, plaintext);
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.equal(encEntry.details['plaintextHmac'], expected);
    assert.equal(decEntry.details['plaintextHmac'], expected);
    assert.equal(encEntry.details['ciphertextHmac'], await e.audit.hashValue(root, Buffer.from(ciphertext)));
    assert.equal(decEntry.details['ciphertextHmac'], encEntry.details['ciphertextHmac']);
    assert.notEqual(await e.audit.hashValue(root, text('find me later!')), expected);
    const lookup = (await allAuditEntries(e)).at(-1);
    assert.equal(lookup?.action, 'audit.hash-value', 'the lookup is audited');
  });

  it('keys the HMAC per instance: another instance hashes the same value differently', async () => {
    const other = await openDevEngine();
    try {
      const value = text('same value');
      assert.notEqual(await other.engine.audit.hashValue(root, value), await engine().audit.hashValue(root, value));
    } finally {
      await other.close();
    }
  });
});

describe('call context in audit entries', () => {
  const engine = useDevEngine();

  it('stores the correlationId, requestId and source of the call', async () => {
    const e = engine();
    await e.keys.create(root, { name: 'ctx-key', spec: 'AES_256_GCM' });
    const ctx: CallContext = { principal: root.principal, requestId: 'req-123', correlationId: 'corr-abc', source: '203.0.113.7' };
    const ok = await onlyEntry(e, 'encrypt', () => e.crypto.encrypt(ctx, { key: 'ctx-key', plaintext: text('x') }));
    assert.deepEqual([ok.requestId, ok.correlationId, ok.source], ['req-123', 'corr-abc', '203.0.113.7']);
    const failed = await onlyEntry(e, 'failed decrypt', () => e.crypto.decrypt(ctx, { ciphertext: 'nope' }));
    assert.deepEqual([failed.requestId, failed.correlationId, failed.source, failed.outcome], ['req-123', 'corr-abc', '203.0.113.7', 'failure']);
    const plain = await onlyEntry(e, 'no context fields', () => e.crypto.random(root, 4));
    assert.deepEqual([plain.requestId, plain.correlationId, plain.source], [null, null, null]);
  });
});

describe('scoped permissions', () => {
  const engine = useDevEngine();
  const billing: CallContext = { principal: { type: 'token', actor: 'token:billing-app', permissions: ['crypto.encrypt@billing-*'] } };

  before(async () => {
    await engine().keys.create(root, { name: 'billing-1', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 'other-1', spec: 'AES_256_GCM' });
  });

  it('lets crypto.encrypt@billing-* encrypt with billing-1', async () => {
    const e = engine();
    const entry = await onlyEntry(e, 'allowed encrypt', async () => {
      const r = await e.crypto.encrypt(billing, { key: 'billing-1', plaintext: text('invoice') });
      assert.equal(r.version, 1);
    });
    assert.equal(entry.outcome, 'success');
    assert.equal(entry.actor, 'token:billing-app');
  });

  it('refuses other-1 with permission_denied, audited as denied', async () => {
    const e = engine();
    const other = await e.keys.describe(root, 'other-1');
    await rejectsWith(e.crypto.encrypt(billing, { key: 'other-1', plaintext: text('x') }), 'permission_denied');
    const entry = await onlyEntry(e, 'denied encrypt', () => e.crypto.encrypt(billing, { key: 'other-1', plaintext: text('x') }));
    assert.deepEqual(
      { action: entry.action, outcome: entry.outcome, errorCode: entry.errorCode, actor: entry.actor, keyId: entry.keyId },
      { action: 'crypto.encrypt', outcome: 'denied', errorCode: 'permission_denied', actor: 'token:billing-app', keyId: other.id },
    );
    assert.equal(entry.details['plaintextHmac'], undefined, 'nothing about the plaintext of a refused call');
  });

  it('refuses key.create and other actions with permission_denied, audited as denied', async () => {
    const e = engine();
    const checks: [string, string, () => Promise<unknown>][] = [
      ['key.create', 'key.create', () => e.keys.create(billing, { name: 'billing-2', spec: 'AES_256_GCM' })],
      ['key.create in scope', 'key.create', () => e.keys.create(billing, { name: 'billing-3', spec: 'AES_256_GCM' })],
      ['decrypt', 'crypto.decrypt', async () => {
        const { ciphertext } = await e.crypto.encrypt(root, { key: 'billing-1', plaintext: text('x') });
        return e.crypto.decrypt(billing, { ciphertext });
      }],
      ['rotate', 'key.rotate', () => e.keys.rotate(billing, 'billing-1')],
      ['describe', 'key.describe', () => e.keys.describe(billing, 'billing-1')],
      ['list', 'key.list', () => e.keys.list(billing, {})],
      ['random', 'crypto.random', () => e.crypto.random(billing, 8)],
    ];
    for (const [label, action, op] of checks) {
      const before = await auditHeadSeq(e);
      await rejectsWith(op(), 'permission_denied', label);
      const entries = (await auditEntriesAfter(e, before)).filter((x) => x.actor === 'token:billing-app');
      assert.equal(entries.length, 1, `${label}: one entry for the token`);
      const entry = entries[0] as AuditRecord;
      assert.equal(entry.action, action, label);
      assert.equal(entry.outcome, 'denied', label);
      assert.equal(entry.errorCode, 'permission_denied', label);
    }
    await rejectsWith(e.keys.describe(root, 'billing-2'), 'key_not_found', 'nothing was created');
  });
});
