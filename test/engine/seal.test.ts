import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.ts';
import type { ErrorCode } from '../../src/core/errors.ts';
import { openTestStore, settleScheduler, type TestStore } from '../test-backend.ts';
import { allAuditEntries, auditHeadSeq, auditEntriesAfter, lastAuditEntry, rejectsWith, root } from './helpers.ts';

/** An engine on a fresh store of the backend under test: not initialised, sealed. */
async function openFresh(): Promise<{ engine: Engine; storage: TestStore }> {
  const storage = await openTestStore();
  try {
    return { engine: await Engine.open({ store: storage.store, checkpointFile: null }), storage };
  } catch (err) {
    await storage.cleanup();
    throw err;
  }
}

/** Per-test engines, closed and removed in afterEach. */
function freshEngines(): () => Promise<Engine> {
  const open: { engine: Engine; storage: TestStore }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      try {
        await o.engine.close();
      } finally {
        await o.storage.cleanup();
      }
    }
  });
  return async () => {
    const o = await openFresh();
    open.push(o);
    return o.engine;
  };
}

async function unsealWith(engine: Engine, shares: readonly string[]): Promise<void> {
  for (const s of shares) await engine.sys.unseal(root, s);
  assert.equal(engine.sys.status().sealed, false, 'unsealed');
  await settleScheduler(engine);
}

describe('initialisation', () => {
  const fresh = freshEngines();

  it('starts uninitialised and sealed', async () => {
    const engine = await fresh();
    assert.deepEqual(engine.sys.status(), { initialized: false, sealed: true, threshold: null, shares: null, progress: 0 });
    await rejectsWith(engine.sys.unseal(root, Buffer.alloc(33, 1).toString('base64')), 'not_initialized');
    await rejectsWith(engine.keys.create(root, { name: 'k', spec: 'AES_256_GCM' }), 'sealed', 'create before init');
  });

  it('creates 5 shares with threshold 3 by default and stays sealed', async () => {
    const engine = await fresh();
    const { shares, threshold, rootToken } = await engine.sys.init(root);
    assert.equal(shares.length, 5);
    assert.match(rootToken, /^kwr_[A-Za-z0-9_-]{43}$/);
    assert.equal(threshold, 3);
    assert.equal(new Set(shares).size, 5, 'shares are distinct');
    for (const s of shares) assert.match(s, /^[A-Za-z0-9+/]{44}$/, 'a share is 44 characters of base64');
    assert.deepEqual(engine.sys.status(), { initialized: true, sealed: true, threshold: 3, shares: 5, progress: 0 });
    const entry = await lastAuditEntry(engine);
    assert.equal(entry.action, 'sys.init');
    assert.equal(entry.outcome, 'success');
    const rootTokenAccessor = entry.details['rootTokenAccessor'];
    assert.deepEqual(entry.details, { shares: 5, threshold: 3, rootTokenAccessor });
    assert.match(typeof rootTokenAccessor === 'string' ? rootTokenAccessor : '', /^[0-9a-f]{24}$/);
    const audited = JSON.stringify(await allAuditEntries(engine));
    assert.ok(!audited.includes(shares[0] as string), 'shares are not audited');
    assert.ok(!audited.includes(rootToken), 'the root token is not audited');
  });

  for (const [label, options] of [
    ['0 shares of threshold 0', { shares: 0, threshold: 0 }],
    ['threshold 3 of 2 shares', { shares: 2, threshold: 3 }],
    ['17 shares', { shares: 17, threshold: 3 }],
    ['threshold 0', { shares: 3, threshold: 0 }],
    ['fractional shares', { shares: 2.5, threshold: 1 }],
  ] as const) {
    it(`refuses ${label} with validation_failed`, async () => {
      const engine = await fresh();
      await rejectsWith(engine.sys.init(root, options), 'validation_failed', label);
      assert.equal(engine.sys.status().initialized, false, 'still uninitialised');
      const entry = await lastAuditEntry(engine);
      assert.equal(entry.action, 'sys.init');
      assert.equal(entry.outcome, 'failure');
      assert.equal(entry.errorCode, 'validation_failed');
    });
  }

  it('accepts the bounds 1 of 1 and 16 of 16', async () => {
    assert.equal((await (await fresh()).sys.init(root, { shares: 1, threshold: 1 })).shares.length, 1);
    assert.equal((await (await fresh()).sys.init(root, { shares: 16, threshold: 16 })).shares.length, 16);
  });

  it('refuses to initialise twice with already_initialized', async () => {
    const engine = await fresh();
    await engine.sys.init(root);
    await rejectsWith(engine.sys.init(root), 'already_initialized');
    await rejectsWith(engine.sys.init(root, { shares: 1, threshold: 1 }), 'already_initialized');
    assert.deepEqual(engine.sys.status(), { initialized: true, sealed: true, threshold: 3, shares: 5, progress: 0 });
  });

  it('stays initialised when the store is reopened', async () => {
    const storage = await openTestStore();
    try {
      const first = await Engine.open({ store: storage.store, checkpointFile: null });
      const { shares } = await first.sys.init(root, { shares: 3, threshold: 2 });
      await first.close();
      const second = await Engine.open({ store: await storage.reopen(), checkpointFile: null });
      try {
        assert.deepEqual(second.sys.status(), { initialized: true, sealed: true, threshold: 2, shares: 3, progress: 0 });
        await rejectsWith(second.sys.init(root), 'already_initialized');
        await unsealWith(second, shares.slice(1));
      } finally {
        await second.close();
      }
    } finally {
      await storage.cleanup();
    }
  });
});

describe('unsealing', () => {
  const fresh = freshEngines();
  let engine: Engine;
  let shares: string[];

  beforeEach(async () => {
    engine = await fresh();
    ({ shares } = await engine.sys.init(root));
  });

  it('shows progress share by share, then unseals', async () => {
    const s1 = await engine.sys.unseal(root, shares[0] as string);
    assert.deepEqual(s1, { initialized: true, sealed: true, threshold: 3, shares: 5, progress: 1 });
    const s2 = await engine.sys.unseal(root, shares[1] as string);
    assert.deepEqual(s2, { initialized: true, sealed: true, threshold: 3, shares: 5, progress: 2 });
    const s3 = await engine.sys.unseal(root, shares[2] as string);
    assert.deepEqual(s3, { initialized: true, sealed: false, threshold: 3, shares: 5, progress: 0 });
    const unseals = (await allAuditEntries(engine)).filter((e) => e.action === 'sys.unseal');
    assert.deepEqual(unseals.map((e) => [e.outcome, e.details['progress'], e.details['sealed']]), [
      ['success', 1, true],
      ['success', 2, true],
      ['success', 0, false],
    ]);
    const all = JSON.stringify(await allAuditEntries(engine));
    for (const s of shares) assert.ok(!all.includes(s), 'no share appears in the audit log');
    // Unsealed: key operations work.
    await engine.keys.create(root, { name: 'after-unseal', spec: 'AES_256_GCM' });
  });

  it('ignores extra shares once unsealed', async () => {
    await unsealWith(engine, shares.slice(0, 3));
    assert.deepEqual(await engine.sys.unseal(root, shares[3] as string), engine.sys.status());
    assert.equal(engine.sys.status().sealed, false);
  });

  for (const [label, text] of [
    ['not base64', 'this is not a share!'],
    ['empty', ''],
    ['too short', Buffer.alloc(32, 7).toString('base64')],
    ['too long', Buffer.alloc(34, 7).toString('base64')],
    ['a truncated share', 'AAAA'],
  ] as const) {
    it(`refuses a malformed share (${label}) with invalid_share and keeps progress`, async () => {
      await engine.sys.unseal(root, shares[0] as string);
      await rejectsWith(engine.sys.unseal(root, text), 'invalid_share', label);
      assert.equal(engine.sys.status().progress, 1);
      const entry = await lastAuditEntry(engine);
      assert.equal(entry.action, 'sys.unseal');
      assert.equal(entry.outcome, 'failure');
      assert.equal(entry.errorCode, 'invalid_share');
    });
  }

  it('refuses a well-formed share that is one byte off with invalid_share', async () => {
    const bytes = Buffer.from(shares[0] as string, 'base64');
    bytes[5] = (bytes[5] as number) ^ 1;
    await rejectsWith(engine.sys.unseal(root, bytes.toString('base64')), 'invalid_share');
  });

  it("refuses another instance's share with invalid_share", async () => {
    const other = await fresh();
    const { shares: otherShares } = await other.sys.init(root);
    await engine.sys.unseal(root, shares[0] as string);
    await rejectsWith(engine.sys.unseal(root, otherShares[1] as string), 'invalid_share');
    assert.equal(engine.sys.status().progress, 1);
    await engine.sys.unseal(root, shares[1] as string);
    await engine.sys.unseal(root, shares[2] as string);
    assert.equal(engine.sys.status().sealed, false);
  });

  it('refuses a share given twice with duplicate_share', async () => {
    await engine.sys.unseal(root, shares[0] as string);
    await engine.sys.unseal(root, shares[1] as string);
    const err = await rejectsWith(engine.sys.unseal(root, shares[0] as string), 'duplicate_share');
    assert.match(err.message, /2\/3/);
    assert.ok(!err.message.includes(shares[0] as string), 'the message does not echo the share');
    assert.equal(engine.sys.status().progress, 2);
    // Surrounding whitespace does not make a different share.
    await rejectsWith(engine.sys.unseal(root, `  ${shares[1] as string}\n`), 'duplicate_share');
    await engine.sys.unseal(root, shares[2] as string);
    assert.equal(engine.sys.status().sealed, false);
  });

  it('clears progress on reset, so earlier shares can be given again', async () => {
    await engine.sys.unseal(root, shares[0] as string);
    await engine.sys.unseal(root, shares[1] as string);
    const status = await engine.sys.resetUnseal(root);
    assert.equal(status.progress, 0);
    assert.equal(status.sealed, true);
    assert.equal((await lastAuditEntry(engine)).action, 'sys.unseal-reset');
    assert.equal((await engine.sys.unseal(root, shares[0] as string)).progress, 1, 'not a duplicate after reset');
    await engine.sys.unseal(root, shares[1] as string);
    assert.equal(engine.sys.status().sealed, true);
    await engine.sys.unseal(root, shares[2] as string);
    assert.equal(engine.sys.status().sealed, false);
  });

  it('unseals with any 3 of the 5 shares', async () => {
    const combos: number[][] = [];
    for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) for (let c = b + 1; c < 5; c++) combos.push([a, b, c]);
    assert.equal(combos.length, 10);
    await unsealWith(engine, shares.slice(0, 3));
    await engine.keys.create(root, { name: 'combo-key', spec: 'AES_256_GCM' });
    const { ciphertext } = await engine.crypto.encrypt(root, { key: 'combo-key', plaintext: Buffer.from('any three') });
    for (const combo of combos) {
      await engine.sys.seal(root);
      // Order of the shares does not matter either.
      await unsealWith(engine, combo.map((i) => shares[i] as string).reverse());
      const { plaintext } = await engine.crypto.decrypt(root, { ciphertext });
      assert.equal(plaintext.toString(), 'any three', `shares ${combo.join(',')}`);
    }
  });

  it('with threshold 1 of 3, each share alone unseals', async () => {
    const single = await fresh();
    const init = await single.sys.init(root, { shares: 3, threshold: 1 });
    assert.equal(init.threshold, 1);
    assert.equal(init.shares.length, 3);
    assert.equal(new Set(init.shares).size, 3, 'the shares differ');
    const s = await single.sys.unseal(root, init.shares[0] as string);
    assert.deepEqual(s, { initialized: true, sealed: false, threshold: 1, shares: 3, progress: 0 });
    await single.keys.create(root, { name: 't1', spec: 'AES_256_GCM' });
    const { ciphertext } = await single.crypto.encrypt(root, { key: 't1', plaintext: Buffer.from('one is enough') });
    for (const share of init.shares) {
      await single.sys.seal(root);
      await rejectsWith(single.crypto.decrypt(root, { ciphertext }), 'sealed');
      await single.sys.unseal(root, share);
      assert.equal(single.sys.status().sealed, false);
      assert.equal((await single.crypto.decrypt(root, { ciphertext })).plaintext.toString(), 'one is enough');
    }
  });
});

describe('sealing', () => {
  const fresh = freshEngines();

  it('drops access: operations fail with sealed until unsealed again with the same shares', async () => {
    const engine = await fresh();
    const { shares } = await engine.sys.init(root);
    await unsealWith(engine, shares.slice(2, 5));
    await engine.keys.create(root, { name: 'sealing', spec: 'AES_256_GCM' });
    const { ciphertext } = await engine.crypto.encrypt(root, { key: 'sealing', plaintext: Buffer.from('old secret'), context: { a: 'b' } });

    const beforeSeal = await auditHeadSeq(engine);
    const status = await engine.sys.seal(root);
    assert.deepEqual(status, { initialized: true, sealed: true, threshold: 3, shares: 5, progress: 0 });
    await settleScheduler(engine); // on PostgreSQL the node then gives up the scheduler lease, audited after the seal
    assert.equal((await auditEntriesAfter(engine, beforeSeal))[0]?.action, 'sys.seal');
    await rejectsWith(engine.crypto.decrypt(root, { ciphertext, context: { a: 'b' } }), 'sealed');
    await rejectsWith(engine.crypto.encrypt(root, { key: 'sealing', plaintext: Buffer.from('x') }), 'sealed');
    await rejectsWith(engine.audit.hashValue(root, Buffer.from('x')), 'sealed');

    await unsealWith(engine, [shares[4] as string, shares[0] as string, shares[2] as string]);
    const { plaintext, version } = await engine.crypto.decrypt(root, { ciphertext, context: { a: 'b' } });
    assert.equal(plaintext.toString(), 'old secret');
    assert.equal(version, 1);
    // The audit HMAC key is derived again from the same root key: values hashed before the seal still match.
    const decrypts = (await allAuditEntries(engine)).filter((e) => e.action === 'crypto.decrypt' && e.outcome === 'success');
    assert.equal(decrypts.at(-1)?.details['plaintextHmac'], await engine.audit.hashValue(root, Buffer.from('old secret')));
    const encrypted = (await allAuditEntries(engine)).find((e) => e.action === 'crypto.encrypt' && e.outcome === 'success');
    assert.equal(encrypted?.details['plaintextHmac'], decrypts.at(-1)?.details['plaintextHmac'], 'same HMAC before and after sealing');
  });

  it('sealing clears unseal progress', async () => {
    const engine = await fresh();
    const { shares } = await engine.sys.init(root);
    await engine.sys.unseal(root, shares[0] as string);
    assert.equal((await engine.sys.seal(root)).progress, 0);
    assert.equal((await engine.sys.unseal(root, shares[0] as string)).progress, 1);
  });
});

describe('while sealed', () => {
  const fresh = freshEngines();

  it('refuses every key and crypto operation with sealed, and audits each as denied', async () => {
    const engine = await fresh();
    const { shares } = await engine.sys.init(root, { shares: 2, threshold: 2 });
    await unsealWith(engine, shares);
    const aes = await engine.keys.create(root, { name: 'aes', spec: 'AES_256_GCM' });
    await engine.keys.create(root, { name: 'ed', spec: 'ED25519' });
    await engine.keys.create(root, { name: 'mac', spec: 'HMAC_SHA256' });
    await engine.keys.create(root, { name: 'pre', spec: 'AES_256_GCM', preActivation: true });
    const { ciphertext } = await engine.crypto.encrypt(root, { key: 'aes', plaintext: Buffer.from('p') });
    const { signature } = await engine.crypto.sign(root, { key: 'ed', message: Buffer.from('m') });
    const { mac } = await engine.crypto.mac(root, { key: 'mac', message: Buffer.from('m') });
    await engine.sys.seal(root);
    await settleScheduler(engine);

    const ops: [string, () => Promise<unknown>][] = [
      ['key.create', () => engine.keys.create(root, { name: 'new', spec: 'AES_256_GCM' })],
      ['key.import', () => engine.keys.import(root, { name: 'imp', spec: 'AES_256_GCM', material: Buffer.alloc(32, 1) })],
      ['key.describe', () => engine.keys.describe(root, 'aes')],
      ['key.list', () => engine.keys.list(root, {})],
      ['key.update', () => engine.keys.update(root, 'aes', { owner: 'x' })],
      ['key.rotate', () => engine.keys.rotate(root, 'aes')],
      ['key.activate', () => engine.keys.changeState(root, 'pre', 'activate')],
      ['key.suspend', () => engine.keys.changeState(root, 'aes', 'suspend')],
      ['key.resume', () => engine.keys.changeState(root, 'aes', 'resume')],
      ['key.deactivate', () => engine.keys.changeState(root, 'aes', 'deactivate')],
      ['key.compromise', () => engine.keys.changeState(root, 'aes', 'compromise')],
      ['key.destroy', () => engine.keys.changeState(root, 'aes', 'destroy')],
      ['key.set-min-decryption-version', () => engine.keys.setMinDecryptionVersion(root, 'aes', 1)],
      ['key.get-public-key', () => engine.keys.publicKey(root, 'ed')],
      ['crypto.encrypt', () => engine.crypto.encrypt(root, { key: 'aes', plaintext: Buffer.from('p') })],
      ['crypto.decrypt', () => engine.crypto.decrypt(root, { ciphertext })],
      ['crypto.generate-data-key', () => engine.crypto.generateDataKey(root, { key: 'aes' })],
      ['crypto.re-encrypt', () => engine.crypto.reEncrypt(root, { ciphertext })],
      ['crypto.sign', () => engine.crypto.sign(root, { key: 'ed', message: Buffer.from('m') })],
      ['crypto.verify', () => engine.crypto.verify(root, { key: 'ed', message: Buffer.from('m'), signature })],
      ['crypto.mac', () => engine.crypto.mac(root, { key: 'mac', message: Buffer.from('m') })],
      ['crypto.verify-mac', () => engine.crypto.verifyMac(root, { key: 'mac', message: Buffer.from('m'), mac })],
      ['crypto.random', () => engine.crypto.random(root, 16)],
    ];
    for (const [action, op] of ops) {
      const before = await auditHeadSeq(engine);
      await rejectsWith(op(), 'sealed' satisfies ErrorCode, action);
      const entries = await auditEntriesAfter(engine, before);
      assert.equal(entries.length, 1, `${action}: one audit entry`);
      const entry = entries[0];
      assert.ok(entry);
      assert.equal(entry.action, action);
      assert.equal(entry.outcome, 'denied', `${action} outcome`);
      assert.equal(entry.errorCode, 'sealed', `${action} errorCode`);
      assert.equal(entry.actor, 'root:test');
    }

    // Nothing changed while sealed.
    await unsealWith(engine, shares);
    const after = await engine.keys.describe(root, 'aes');
    assert.equal(after.state, 'active');
    assert.equal(after.currentVersion, 1);
    assert.equal(after.owner, null);
    assert.equal(after.updatedAt, aes.updatedAt);
    assert.equal((await engine.keys.list(root, {})).keys.length, 4);
  });
});
