import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCiphertext } from '../../src/crypto/ciphertext-format.ts';
import { MAX_REWRAP_BATCH } from '../../src/lifecycle/rotation/rewrap.ts';
import { testBackend } from '../test-backend.ts';
import { auditEntriesAfter, auditHeadSeq, rejectsWith, root, tamperBody, useDevEngine } from './helpers.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe(`bulk rewrap on ${testBackend.label}`, () => {
  const engine = useDevEngine();

  it('moves ciphertexts to the current version, keeping each one\'s encryption context, and reports bad items alone', async () => {
    const key = await engine().keys.create(root, { name: 'rw-basic', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 'rw-other', spec: 'AES_256_GCM' });
    const plain = await engine().crypto.encrypt(root, { key: 'rw-basic', plaintext: text('one') });
    const withContext = await engine().crypto.encrypt(root, { key: 'rw-basic', plaintext: text('two'), context: { tenant: 'acme' } });
    const tampered = tamperBody((await engine().crypto.encrypt(root, { key: 'rw-basic', plaintext: text('three') })).ciphertext);
    const otherKey = await engine().crypto.encrypt(root, { key: 'rw-other', plaintext: text('four') });
    await engine().keys.rotate(root, 'rw-basic');
    const current = await engine().crypto.encrypt(root, { key: 'rw-basic', plaintext: text('five') });

    const seq = await auditHeadSeq(engine());
    const batch = await engine().lifecycle.rewrap(root, 'rw-basic', {
      items: [
        { ciphertext: plain.ciphertext },
        { ciphertext: withContext.ciphertext, context: { tenant: 'acme' } },
        { ciphertext: withContext.ciphertext, context: { tenant: 'evil' } },
        { ciphertext: tampered },
        { ciphertext: otherKey.ciphertext },
        { ciphertext: 'not a ciphertext' },
        { ciphertext: current.ciphertext },
      ],
    });
    assert.equal(batch.version, 2);
    assert.deepEqual(
      batch.results.map((r) => (r.status === 'failed' ? r.error.code : r.status)),
      ['rewrapped', 'rewrapped', 'decryption_failed', 'decryption_failed', 'validation_failed', 'ciphertext_invalid', 'current'],
    );
    assert.deepEqual({ items: batch.items, rewrapped: batch.rewrapped, unchanged: batch.unchanged, failed: batch.failed }, { items: 7, rewrapped: 2, unchanged: 1, failed: 4 });

    const [first, second, , , , , last] = batch.results;
    assert.ok(first?.status === 'rewrapped' && second?.status === 'rewrapped' && last?.status === 'current');
    assert.equal(parseCiphertext(first.ciphertext).version, 2);
    assert.equal(first.sourceVersion, 1);
    assert.equal((await engine().crypto.decrypt(root, { ciphertext: first.ciphertext })).plaintext.toString(), 'one');
    assert.equal((await engine().crypto.decrypt(root, { ciphertext: second.ciphertext, context: { tenant: 'acme' } })).plaintext.toString(), 'two');
    await rejectsWith(engine().crypto.decrypt(root, { ciphertext: second.ciphertext }), 'decryption_failed', 'the context stays bound');
    assert.equal(last.ciphertext, current.ciphertext, 'already current: returned as is');

    const entries = (await auditEntriesAfter(engine(), seq)).filter((e) => e.action === 'key.rewrap');
    assert.equal(entries.length, 1, 'one audit entry per batch, not per item');
    const entry = entries[0]!;
    assert.equal(entry.keyId, key.id);
    assert.equal(entry.keyVersion, 2);
    assert.equal(entry.outcome, 'success');
    assert.deepEqual(
      { items: entry.details['items'], rewrapped: entry.details['rewrapped'], unchanged: entry.details['unchanged'], failed: entry.details['failed'] },
      { items: 7, rewrapped: 2, unchanged: 1, failed: 4 },
    );
    assert.deepEqual(entry.details['sourceVersions'], { '1': '2' });
    assert.deepEqual(entry.details['failures'], { decryption_failed: '2', validation_failed: '1', ciphertext_invalid: '1' });
    assert.ok(!JSON.stringify(entry).includes(plain.ciphertext.slice(-20)), 'no ciphertext in the audit entry');
  });

  it('raises the minimum decryption version at the end of a job in which every item succeeded; old ciphertexts then no longer decrypt', async () => {
    await engine().keys.create(root, { name: 'rw-job', spec: 'AES_256_GCM' });
    const olds = [];
    for (let i = 0; i < 5; i++) olds.push((await engine().crypto.encrypt(root, { key: 'rw-job', plaintext: text(`item ${i}`) })).ciphertext);
    await engine().keys.rotate(root, 'rw-job');
    await engine().keys.rotate(root, 'rw-job');
    const job = await engine().lifecycle.startRewrapJob(root, 'rw-job');
    assert.equal(job.status, 'running');
    const rewrapped: string[] = [];
    for (const slice of [olds.slice(0, 3), olds.slice(3)]) {
      const batch = await engine().lifecycle.rewrap(root, 'rw-job', { jobId: job.id, items: slice.map((ciphertext) => ({ ciphertext })) });
      for (const r of batch.results) if (r.status !== 'failed') rewrapped.push(r.ciphertext);
    }
    const progress = await engine().lifecycle.describeRewrapJob(root, 'rw-job', job.id);
    assert.deepEqual({ batches: progress.batches, items: progress.items, rewrapped: progress.rewrapped, failed: progress.failed, targetVersion: progress.targetVersion }, { batches: 2, items: 5, rewrapped: 5, failed: 0, targetVersion: 3 });
    assert.deepEqual(progress.sourceVersions, { '1': 5 });

    const finish = await engine().lifecycle.finishRewrapJob(root, 'rw-job', job.id, { raiseMinVersion: true });
    assert.deepEqual({ raised: finish.minDecryptionVersion.raised, from: finish.minDecryptionVersion.from, to: finish.minDecryptionVersion.to }, { raised: true, from: 1, to: 3 });
    assert.equal(finish.job.status, 'finished');
    assert.equal(finish.job.minDecryptionVersionRaisedTo, 3);
    assert.equal((await engine().keys.describe(root, 'rw-job')).minDecryptionVersion, 3);
    await rejectsWith(engine().crypto.decrypt(root, { ciphertext: olds[0]! }), 'key_version_disabled', 'an old ciphertext');
    for (const [i, ciphertext] of rewrapped.entries()) assert.equal((await engine().crypto.decrypt(root, { ciphertext })).plaintext.toString(), `item ${i}`);
    await rejectsWith(engine().lifecycle.rewrap(root, 'rw-job', { jobId: job.id, items: [{ ciphertext: rewrapped[0]! }] }), 'validation_failed', 'a finished job takes no batch');
  });

  it('does not raise the minimum version when an item of the job failed', async () => {
    await engine().keys.create(root, { name: 'rw-failed', spec: 'AES_256_GCM' });
    const good = await engine().crypto.encrypt(root, { key: 'rw-failed', plaintext: text('good') });
    await engine().keys.rotate(root, 'rw-failed');
    const job = await engine().lifecycle.startRewrapJob(root, 'rw-failed');
    await engine().lifecycle.rewrap(root, 'rw-failed', { jobId: job.id, items: [{ ciphertext: good.ciphertext }, { ciphertext: tamperBody(good.ciphertext) }] });
    await rejectsWith(engine().lifecycle.finishRewrapJob(root, 'rw-failed', job.id, { raiseMinVersion: true }), 'validation_failed');
    assert.equal((await engine().keys.describe(root, 'rw-failed')).minDecryptionVersion, 1);
    const finish = await engine().lifecycle.finishRewrapJob(root, 'rw-failed', job.id);
    assert.equal(finish.minDecryptionVersion.raised, false);
    assert.equal(finish.job.failed, 1);
    assert.equal((await engine().crypto.decrypt(root, { ciphertext: good.ciphertext })).plaintext.toString(), 'good', 'old data still decrypts');
  });

  it('refuses empty and oversized batches, and keys that do not encrypt', async () => {
    await engine().keys.create(root, { name: 'rw-limits', spec: 'AES_256_GCM' });
    await rejectsWith(engine().lifecycle.rewrap(root, 'rw-limits', { items: [] }), 'validation_failed');
    const many = Array.from({ length: MAX_REWRAP_BATCH + 1 }, () => ({ ciphertext: 'x' }));
    await rejectsWith(engine().lifecycle.rewrap(root, 'rw-limits', { items: many }), 'validation_failed');
    await engine().keys.create(root, { name: 'rw-signer', spec: 'ED25519' });
    await rejectsWith(engine().lifecycle.rewrap(root, 'rw-signer', { items: [{ ciphertext: 'x' }] }), 'key_usage_invalid');
    await rejectsWith(engine().lifecycle.rewrap(root, 'rw-limits', { jobId: 'rwj_000000000000000000000000', items: [{ ciphertext: 'x' }] }), 'not_found');
  });
});
