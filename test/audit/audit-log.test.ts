import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { AuditLog, type AuditLogOptions } from '../../src/audit/audit-log.ts';
import { CheckpointFile, checkpointSignatureValid, ed25519Signer, type CheckpointSigner } from '../../src/audit/checkpoints.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import type { LeaderLease, Store, StoreTx } from '../../src/storage/store.ts';
import { openTestStore } from '../test-backend.ts';
import type { AuditDraft, AuditHead, AuditQuery, AuditRecord, CheckpointRecord, DocumentListFilter, DocumentRecord, KeyListFilter, KeyRecord, KeyVersionRecord, SealRecord, TokenListFilter, TokenRecord } from '../../src/storage/records.ts';

function draft(overrides: Partial<AuditDraft> = {}): AuditDraft {
  return {
    time: '2026-01-01T00:00:00.000Z',
    actor: 'root:test',
    action: 'crypto.encrypt',
    keyId: null,
    keyVersion: null,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: null,
    details: {},
    ...overrides,
  };
}

function key(name: string): { key: KeyRecord; version: KeyVersionRecord } {
  const id = `key_${name}`;
  const t = '2026-01-01T00:00:00.000Z';
  return {
    key: {
      id, name, spec: 'AES_256_GCM', usage: 'ENCRYPT_DECRYPT', state: 'active', origin: 'generated', owner: null, purpose: null, environment: null,
      tier: null, tags: {}, description: null, createdAt: t, createdBy: 'root:test', updatedAt: t, stateChangedAt: t, currentVersion: 1,
      minDecryptionVersion: 1, rotationPeriodDays: null, lastRotatedAt: null, compromisedAt: null, destroyedAt: null, revision: 1,
    },
    version: { keyId: id, version: 1, wrappedMaterial: Buffer.from('m'), publicKey: null, origin: 'generated', createdAt: t, encryptionCount: 0 },
  };
}

function newSigner(): CheckpointSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return ed25519Signer(privateKey.export({ type: 'pkcs8', format: 'der' }), publicKey.export({ type: 'spki', format: 'pem' }) as string);
}

interface Harness {
  readonly store: Store;
  readonly log: AuditLog;
  readonly origin: string;
  readonly dir: string;
  readonly batches: number[];
}

/** A log over a fresh store of the backend under test (test/test-backend.ts); always closed and removed afterwards. */
async function withLog(options: Partial<AuditLogOptions>, fn: (h: Harness) => Promise<void>, wrapStore?: (s: Store) => Store): Promise<void> {
  const storage = await openTestStore();
  const { store, dir } = storage;
  const batches: number[] = [];
  try {
    const origin = await store.instanceId();
    const log = new AuditLog({
      store: wrapStore ? wrapStore(store) : store,
      origin,
      clock: new ManualClock(),
      checkpointIntervalMs: 3_600_000,
      onCommit: (n) => batches.push(n),
      ...options,
    });
    try {
      await fn({ store, log, origin, dir, batches });
    } finally {
      log.setSigner(null);
      await log.flush().catch(() => undefined);
    }
  } finally {
    await storage.cleanup();
  }
}

const isCode = (code: string) => (err: unknown) => err instanceof KeywardError && err.code === code;

/** Delegates to a real store; its transaction runs the work and then fails, as a failed COMMIT would. */
class CommitFailsStore implements Store {
  readonly backend: Store['backend'];
  readonly #inner: Store;
  constructor(inner: Store) {
    this.#inner = inner;
    this.backend = inner.backend;
  }
  instanceId(): Promise<string> { return this.#inner.instanceId(); }
  close(): Promise<void> { return this.#inner.close(); }
  getSeal(): Promise<SealRecord | null> { return this.#inner.getSeal(); }
  getKey(id: string): Promise<KeyRecord | null> { return this.#inner.getKey(id); }
  getKeyByName(name: string): Promise<KeyRecord | null> { return this.#inner.getKeyByName(name); }
  listKeys(filter: KeyListFilter): Promise<KeyRecord[]> { return this.#inner.listKeys(filter); }
  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | null> { return this.#inner.getKeyVersion(keyId, version); }
  listKeyVersions(keyId: string): Promise<KeyVersionRecord[]> { return this.#inner.listKeyVersions(keyId); }
  getTokenByHash(hash: Buffer): Promise<TokenRecord | null> { return this.#inner.getTokenByHash(hash); }
  getToken(accessor: string): Promise<TokenRecord | null> { return this.#inner.getToken(accessor); }
  listTokens(filter: TokenListFilter): Promise<TokenRecord[]> { return this.#inner.listTokens(filter); }
  getDocument<T>(kind: string, id: string): Promise<DocumentRecord<T> | null> { return this.#inner.getDocument<T>(kind, id); }
  findDocument<T>(kind: string, lookup: string): Promise<DocumentRecord<T> | null> { return this.#inner.findDocument<T>(kind, lookup); }
  documentKinds(): Promise<string[]> { return this.#inner.documentKinds(); }
  listDocuments<T>(kind: string, filter: DocumentListFilter): Promise<DocumentRecord<T>[]> { return this.#inner.listDocuments<T>(kind, filter); }
  auditHead(): Promise<AuditHead> { return this.#inner.auditHead(); }
  getAuditEntry(seq: number): Promise<AuditRecord | null> { return this.#inner.getAuditEntry(seq); }
  readAudit(fromSeq: number, limit: number): Promise<AuditRecord[]> { return this.#inner.readAudit(fromSeq, limit); }
  queryAudit(query: AuditQuery): Promise<AuditRecord[]> { return this.#inner.queryAudit(query); }
  latestCheckpoint(): Promise<CheckpointRecord | null> { return this.#inner.latestCheckpoint(); }
  listCheckpoints(): Promise<CheckpointRecord[]> { return this.#inner.listCheckpoints(); }
  leadership(name: string): LeaderLease { return this.#inner.leadership(name); }
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#inner.transaction(async (tx) => {
      await fn(tx);
      throw new Error('simulated commit failure');
    });
  }
}

describe('AuditLog', () => {
  it('record() resolves with seq and chainHash once the entry is committed', () =>
    withLog({}, async ({ store, log }) => {
      const first = await log.record(draft({ action: 'sys.init' }));
      assert.equal(first.seq, 1);
      assert.match(first.chainHash, /^[0-9a-f]{64}$/);
      // Already committed: visible to the store's committed-only readers.
      assert.deepEqual(await store.auditHead(), { seq: 1, chainHash: first.chainHash });
      assert.deepEqual(await store.getAuditEntry(1), first);
      const second = await log.record(draft({ details: { n: 2 } }));
      assert.equal(second.seq, 2);
      assert.notEqual(second.chainHash, first.chainHash);
      assert.deepEqual(await store.getAuditEntry(2), second);
    }));

  it('group-commits 200 concurrent records into fewer batches, with a gap-free valid chain', () =>
    withLog({}, async ({ store, log, origin, batches }) => {
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.record(draft({ details: { i } }))));
      assert.ok(batches.length < 200, `expected group commit, got ${batches.length} batches`);
      assert.equal(batches.reduce((a, b) => a + b, 0), 200);
      // Each caller gets its own entry, in call order.
      results.forEach((r, i) => {
        assert.equal(r.seq, i + 1);
        assert.deepEqual(r.details, { i });
      });
      assert.equal((await store.auditHead()).seq, 200);
      const report = await verifyChain({ store, origin, publicKey: null });
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
      assert.deepEqual(report.entries, { checked: 200, valid: 200 });
      assert.equal(results[199]!.chainHash, (await store.auditHead()).chainHash);
    }));

  it('a mutation that throws rejects with its error, rolls back its writes and leaves a failure entry; the rest of the batch commits', () =>
    withLog({}, async ({ store, log, batches }) => {
      const refused = new KeywardError('key_state_invalid', 'key is suspended');
      const ok = key('kept');
      const ghost = key('ghost');
      const ghost2 = key('ghost2');
      // Issued together, so they share one batch (one transaction).
      const p1 = log.record(draft({ action: 'a.plain' }));
      const p2 = log.record(draft({ action: 'a.refused' }), async (tx) => {
        await tx.insertKey(ghost.key, ghost.version);
        throw refused;
      });
      const p3 = log.record(draft({ action: 'a.mutates' }), (tx) => tx.insertKey(ok.key, ok.version));
      const p4 = log.record(draft({ action: 'a.crashes' }), async (tx) => {
        await tx.insertKey(ghost2.key, ghost2.version);
        throw new TypeError('bug');
      });
      const [r1, r2, r3, r4] = await Promise.allSettled([p1, p2, p3, p4]);
      assert.deepEqual(batches, [4], 'all four in one batch');

      assert.equal(r1.status, 'fulfilled');
      assert.equal(r3.status, 'fulfilled');
      assert.equal(r2.status, 'rejected');
      assert.equal(r2.reason, refused, 'rejects with the mutation’s own error');
      assert.equal(r4.status, 'rejected');
      assert.ok(r4.reason instanceof KeywardError && r4.reason.code === 'internal', 'a non-Keyward error becomes internal');

      const entries = await store.readAudit(1, 10);
      assert.deepEqual(
        entries.map((e) => [e.seq, e.action, e.outcome, e.errorCode]),
        [
          [1, 'a.plain', 'success', null],
          [2, 'a.refused', 'failure', 'key_state_invalid'],
          [3, 'a.mutates', 'success', null],
          [4, 'a.crashes', 'failure', 'internal'],
        ],
      );
      assert.deepEqual(await store.getKeyByName('kept'), ok.key, 'the successful mutation committed');
      assert.equal(await store.getKeyByName('ghost'), null, 'the failed mutation was rolled back');
      assert.equal(await store.getKeyByName('ghost2'), null);
    }));

  it('when the store is closed, every pending record() rejects with storage_unavailable', () =>
    withLog({}, async ({ store, log }) => {
      await log.record(draft());
      await store.close();
      const pending = Array.from({ length: 5 }, () => log.record(draft()));
      const settled = await Promise.allSettled(pending);
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        assert.ok(isCode('storage_unavailable')(s.reason), String(s.status === 'rejected' ? s.reason : ''));
        const cause = (s.reason as KeywardError).cause;
        assert.ok(cause instanceof KeywardError && cause.code === 'storage_unavailable', 'the cause is kept');
      }
    }));

  it('when the transaction fails to commit, every pending record() rejects with audit_failed and nothing is written', () =>
    withLog(
      {},
      async ({ store, log, batches }) => {
        const k = key('never');
        const settled = await Promise.allSettled([
          log.record(draft()),
          log.record(draft(), (tx) => tx.insertKey(k.key, k.version)),
          log.record(draft(), async () => {
            throw new KeywardError('key_not_found', 'no');
          }),
        ]);
        for (const s of settled) {
          assert.equal(s.status, 'rejected');
          assert.ok(isCode('audit_failed')(s.reason), 'audit_failed, even for the one whose mutation failed');
        }
        assert.deepEqual(batches, [], 'onCommit is not called for a failed batch');
        assert.equal((await store.auditHead()).seq, 0);
        assert.equal(await store.getKeyByName('never'), null);
      },
      (s) => new CommitFailsStore(s),
    ));

  it('a throwing onCommit callback (metrics) does not leave callers waiting: their entries are committed', () =>
    withLog(
      {
        onCommit: () => {
          throw new Error('metrics backend down');
        },
      },
      async ({ store, log }) => {
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref());
        const results = await Promise.race([Promise.all([log.record(draft()), log.record(draft())]), timeout]);
        assert.notEqual(results, 'timeout', 'record() must settle');
        assert.deepEqual(
          (results as AuditRecord[]).map((r) => r.seq),
          [1, 2],
        );
        assert.equal((await store.auditHead()).seq, 2);
        assert.equal((await log.record(draft())).seq, 3, 'the log keeps working');
      },
    ));

  describe('checkpoints', () => {
    it('without a signer, checkpoint() rejects with sealed', () =>
      withLog({}, async ({ log }) => {
        await assert.rejects(log.checkpoint(), isCode('sealed'));
        log.setSigner(newSigner());
        log.setSigner(null); // sealed again
        await assert.rejects(log.checkpoint(), isCode('sealed'));
      }));

    it('checkpoint() signs the head, stores it in the database and appends it to the checkpoint file', () =>
      withLog({}, async (h) => {
        const file = new CheckpointFile(join(h.dir, 'audit-checkpoints.jsonl'));
        const signer = newSigner();
        const log = new AuditLog({ store: h.store, origin: h.origin, clock: new ManualClock('2026-02-01T00:00:00.000Z'), checkpointFile: file, checkpointIntervalMs: 3_600_000 });
        log.setSigner(signer);
        try {
          await Promise.all([log.record(draft()), log.record(draft()), log.record(draft())]);
          const c = await log.checkpoint();
          assert.ok(c);
          const head = await h.store.auditHead();
          assert.deepEqual({ origin: c.origin, size: c.size, chainHash: c.chainHash, time: c.time }, { origin: h.origin, size: 3, chainHash: head.chainHash, time: '2026-02-01T00:00:00.000Z' });
          assert.equal(c.publicKey, signer.publicKeyPem);
          assert.ok(checkpointSignatureValid(c, signer.publicKeyPem));
          assert.deepEqual(await h.store.latestCheckpoint(), c);
          assert.deepEqual(file.read(), { checkpoints: [c], badLines: [] });

          await log.record(draft());
          const c2 = await log.checkpoint();
          assert.equal(c2?.size, 4);
          assert.equal(file.read().checkpoints.length, 2);
          assert.equal((await h.store.listCheckpoints()).length, 2);
          const report = await verifyChain({ store: h.store, origin: h.origin, publicKey: signer.publicKeyPem, externalCheckpoints: file.read().checkpoints });
          assert.equal(report.ok, true, JSON.stringify(report.firstBad));
          assert.deepEqual(report.checkpoints, { checked: 4, valid: 4 });
          assert.equal(report.unanchoredEntries, 0);
        } finally {
          await log.close();
        }
      }));

    it('checkpointEvery: 10 writes a checkpoint automatically after 10 entries', () =>
      withLog({}, async (h) => {
        const file = new CheckpointFile(join(h.dir, 'audit-checkpoints.jsonl'));
        const log = new AuditLog({ store: h.store, origin: h.origin, clock: new ManualClock(), checkpointFile: file, checkpointEvery: 10, checkpointIntervalMs: 3_600_000 });
        log.setSigner(newSigner());
        try {
          for (let i = 0; i < 9; i++) await log.record(draft({ details: { i } }));
          await log.flush();
          assert.equal(await h.store.latestCheckpoint(), null, 'no checkpoint after 9 entries');
          await log.record(draft({ details: { i: 9 } }));
          await log.flush();
          const checkpoints = await h.store.listCheckpoints();
          assert.equal(checkpoints.length, 1);
          assert.equal(checkpoints[0]?.size, 10);
          assert.equal(checkpoints[0]?.chainHash, (await h.store.getAuditEntry(10))?.chainHash);
          assert.deepEqual(file.read().checkpoints, checkpoints);
          // The count restarts: 9 more entries do not make another one.
          for (let i = 0; i < 9; i++) await log.record(draft());
          await log.flush();
          assert.equal((await h.store.listCheckpoints()).length, 1);
        } finally {
          await log.close();
        }
      }));
  });
});
