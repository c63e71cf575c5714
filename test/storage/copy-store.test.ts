import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { CallContext } from '../../src/auth/principal.ts';
import { KeywardError } from '../../src/core/errors.ts';
import { Engine } from '../../src/engine.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { copyStore, storeContents, verifyCopy } from '../../src/storage/copy-store.ts';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { POSTGRES_REQUIRED, TEST_DATABASE_URL, postgresUnreachableReason } from '../test-backend.ts';

/**
 * copyStore / verifyCopy on a real Keyward database built through the Engine, copied from SQLite
 * into a throwaway PostgreSQL schema (skipped without a server, as postgres-store.test.ts is) and
 * into another SQLite file (always runs: the copy speaks only the Store contract).
 */
// PostgreSQL-only: KEYWARD_TEST_DATABASE_URL names the server (scripts/run-tests.mjs keeps this file out of its PostgreSQL pass).
const DATABASE_URL = TEST_DATABASE_URL;
const MUST_RUN = POSTGRES_REQUIRED;

const unreachable = await postgresUnreachableReason(DATABASE_URL);

const root: CallContext = { principal: { type: 'root', actor: 'root:test', permissions: ['*'] } };
const describer: CallContext = { principal: { type: 'token', actor: 'token:describer', permissions: ['key.describe'] } };
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** What the source database holds, as the test made it (secrets included, to use them after the copy). */
interface Source {
  readonly dir: string;
  readonly path: string;
  readonly checkpointFile: string;
  readonly shares: readonly string[];
  readonly token: string;
  readonly v1Ciphertext: string;
  readonly v2Ciphertext: string;
  readonly signature: Buffer;
  readonly plaintextHmac: string;
}

/** A Keyward SQLite database with a bit of everything, made through the Engine and closed again. */
async function buildSource(): Promise<Source> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-copy-src-'));
  const path = join(dir, 'keyward.db');
  const checkpointFile = join(dir, 'audit-checkpoints.jsonl');
  const engine = await Engine.open({ store: SqliteStore.open({ path }), checkpointFile });
  try {
    const { shares } = await engine.sys.init(root, { shares: 3, threshold: 2 });
    for (const share of shares.slice(0, 2)) await engine.sys.unseal(root, share);
    await engine.keys.create(root, { name: 'billing', spec: 'AES_256_GCM', owner: 'team-pay', environment: 'prod', tier: 1, tags: { team: 'pay', 'cost.center': '42' }, description: 'card data', rotationPeriodDays: 90 });
    await engine.keys.create(root, { name: 'signer', spec: 'ED25519' });
    await engine.keys.create(root, { name: 'ec-signer', spec: 'ECC_NIST_P256' });
    await engine.keys.create(root, { name: 'macs', spec: 'HMAC_SHA256' });
    await engine.keys.create(root, { name: 'held', spec: 'AES_256_GCM' });
    await engine.keys.create(root, { name: 'gone', spec: 'AES_256_GCM' });
    const v1Ciphertext = (await engine.crypto.encrypt(root, { key: 'billing', plaintext: text('v1 data'), context: { tenant: 'acme' } })).ciphertext;
    await engine.keys.rotate(root, 'billing');
    const v2Ciphertext = (await engine.crypto.encrypt(root, { key: 'billing', plaintext: text('v2 data') })).ciphertext;
    const signature = (await engine.crypto.sign(root, { key: 'signer', message: text('release') })).signature;
    await engine.crypto.mac(root, { key: 'macs', message: text('m') });
    await engine.keys.changeState(root, 'held', 'suspend', 'on hold');
    await engine.keys.changeState(root, 'gone', 'deactivate');
    await engine.keys.changeState(root, 'gone', 'destroy');
    const { token } = await engine.tokens.create(root, { permissions: ['crypto.*@billing', 'key.describe'], ttlSeconds: 3600, description: 'ci' });
    // Denied and failed operations are in the log too.
    await assert.rejects(engine.crypto.encrypt(describer, { key: 'billing', plaintext: text('no') }), { code: 'permission_denied' });
    await assert.rejects(engine.keys.create(root, { name: 'billing', spec: 'AES_256_GCM' }), { code: 'key_exists' });
    await assert.rejects(engine.crypto.encrypt(root, { key: 'held', plaintext: text('no') }), { code: 'key_state_invalid' });
    assert.ok(await engine.audit.checkpoint(root));
    // Entries after the checkpoint, so the log has an unanchored tail as a live one does.
    await engine.crypto.decrypt(root, { ciphertext: v1Ciphertext, context: { tenant: 'acme' } });
    for (let i = 0; i < 20; i++) await engine.crypto.random(root, 8);
    const plaintextHmac = await engine.audit.hashValue(root, text('v1 data'));
    // Documents (governance and lifecycle records) of two kinds, one updated past revision 1.
    await engine.store.transaction(async (tx) => {
      const first = await tx.putDocument({ kind: 'identity', id: 'idn_1', lookup: 'alice', data: { name: 'alice', note: 'a\u0000b' }, updatedAt: new Date(0).toISOString() }, null);
      await tx.putDocument({ kind: 'identity', id: 'idn_1', lookup: 'alice', data: { name: 'alice', status: 'active' }, updatedAt: new Date(1).toISOString() }, first.revision);
      await tx.putDocument({ kind: 'role-binding', id: 'rb_1', ref: 'idn_1', data: { role: 'key-user' }, updatedAt: new Date(0).toISOString() }, null);
    });
    return { dir, path, checkpointFile, shares, token, v1Ciphertext, v2Ciphertext, signature, plaintextHmac };
  } finally {
    await engine.close();
  }
}

let schemas = 0;
const freshSchema = (): string => `kw_test_${process.pid}_copy_${++schemas}_${randomBytes(4).toString('hex')}`;

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Opens stores for one test and closes them (and drops its schemas, removes its dirs) afterwards. */
function resources(): { postgres(schema?: string): Promise<{ store: PostgresStore; schema: string }>; sqlite(path: string): SqliteStore; dir(): string; release(): Promise<void> } {
  const stores: Store[] = [];
  const schemasMade = new Set<string>();
  const dirs: string[] = [];
  return {
    async postgres(schema = freshSchema()) {
      schemasMade.add(schema);
      const store = await PostgresStore.open({ connectionString: DATABASE_URL, schema });
      stores.push(store);
      return { store, schema };
    },
    sqlite(path) {
      const store = SqliteStore.open({ path });
      stores.push(store);
      return store;
    },
    dir() {
      const dir = mkdtempSync(join(tmpdir(), 'keyward-copy-'));
      dirs.push(dir);
      return dir;
    },
    async release() {
      for (const store of stores) await store.close();
      for (const schema of schemasMade) await dropSchema(schema);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private copy of the source file, to tamper with. */
function copyOf(source: Source, dir: string): string {
  const path = join(dir, 'keyward.db');
  copyFileSync(source.path, path);
  return path;
}

describe('copyStore', () => {
  let source: Source;
  before(async () => {
    source = await buildSource();
  });
  after(() => rmSync(source.dir, { recursive: true, force: true }));

  it('copies into another SQLite file too (it speaks only the Store contract), and verifyCopy finds them identical', async () => {
    const r = resources();
    try {
      const from = r.sqlite(source.path);
      const to = r.sqlite(join(r.dir(), 'copy.db'));
      const copied = await copyStore({ source: from, target: to, batchSize: 5 });
      assert.equal(copied.instanceId, await from.instanceId());
      const verification = await verifyCopy({ source: from, target: to, batchSize: 5 });
      assert.ok(verification.ok, JSON.stringify(verification.checks.filter((c) => !c.ok)));
      assert.deepEqual(verification.target, copied.counts);
    } finally {
      await r.release();
    }
  });

  it('refuses a source that was never initialised, writing nothing', async () => {
    const r = resources();
    try {
      const empty = r.sqlite(join(r.dir(), 'empty.db'));
      const to = r.sqlite(join(r.dir(), 'copy.db'));
      const before = await to.instanceId();
      await assert.rejects(copyStore({ source: empty, target: to }), (err: unknown) => err instanceof KeywardError && err.code === 'validation_failed' && /never initialised/.test(err.message));
      assert.equal(await to.instanceId(), before);
    } finally {
      await r.release();
    }
  });

  it('refuses a source whose audit log skips an entry, and rolls back what it had written', async () => {
    const r = resources();
    try {
      const path = copyOf(source, r.dir());
      const db = new Database(path);
      db.prepare('DELETE FROM audit_entries WHERE seq = 12').run();
      db.close();
      const from = r.sqlite(path);
      const to = r.sqlite(join(r.dir(), 'copy.db'));
      await assert.rejects(copyStore({ source: from, target: to, batchSize: 5 }), { code: 'validation_failed', message: "the source's audit log has no entry 12: the database is damaged" });
      assert.deepEqual(await storeContents(to), []);
      assert.notEqual(await to.instanceId(), await from.instanceId());
    } finally {
      await r.release();
    }
  });

  describe('SQLite → PostgreSQL', { skip: unreachable && !MUST_RUN ? unreachable : false }, () => {
    it('copies everything; the copy unseals with the same shares, decrypts, verifies, authenticates the old token and keeps a valid chain', async () => {
      const r = resources();
      try {
        const from = r.sqlite(source.path);
        const { store: to, schema } = await r.postgres();
        const progress: [number, number][] = [];
        const copied = await copyStore({ source: from, target: to, batchSize: 7, onProgress: (done, total) => progress.push([done, total]) });
        const head = await from.auditHead();
        assert.deepEqual(copied.counts, { keys: 6, keyVersions: 7, tokens: 2, documents: 2, auditEntries: head.seq, checkpoints: 1 });
        assert.deepEqual(copied.auditHead, head);
        assert.deepEqual(progress.at(-1), [head.seq, head.seq]);
        assert.ok(progress.length > 3, 'progress is told batch by batch');

        const verification = await verifyCopy({ source: from, target: to });
        assert.ok(verification.ok, JSON.stringify(verification.checks.filter((c) => !c.ok)));
        assert.deepEqual(
          verification.checks.map((c) => c.name),
          ['instance id', 'seal record', 'keys', 'key versions', 'tokens', 'documents', 'audit entries', 'audit head', 'checkpoints'],
        );
        assert.deepEqual(verification.source, verification.target);
        assert.equal((await to.getKeyVersion((await to.getKeyByName('gone'))!.id, 1))?.wrappedMaterial, null, 'shredded material stays shredded');
        assert.deepEqual(await to.getSeal(), await from.getSeal());

        // A node opening the database later: the adopted id is what it reads.
        const node = await r.postgres(schema);
        assert.equal(await node.store.instanceId(), await from.instanceId());
        const engine = await Engine.open({ store: node.store, checkpointFile: source.checkpointFile });
        for (const share of source.shares.slice(1, 3)) await engine.sys.unseal(root, share);
        assert.deepEqual((await engine.crypto.decrypt(root, { ciphertext: source.v1Ciphertext, context: { tenant: 'acme' } })).plaintext, text('v1 data'));
        assert.deepEqual((await engine.crypto.decrypt(root, { ciphertext: source.v2Ciphertext })).plaintext, text('v2 data'));
        assert.equal((await engine.crypto.verify(root, { key: 'signer', message: text('release'), signature: source.signature })).valid, true);
        const principal = await engine.tokens.authenticate(source.token, { source: 'test' });
        assert.deepEqual(principal.permissions, ['crypto.*@billing', 'key.describe']);
        // Audit HMACs are keyed by root key and origin: values hashed before the move still match.
        assert.equal(await engine.audit.hashValue(root, text('v1 data')), source.plaintextHmac);

        const report = await engine.audit.verify(root);
        assert.equal(report.ok, true, JSON.stringify(report.firstBad));
        // The checkpoint in the database and the same one in the old node's checkpoint file.
        assert.deepEqual(report.checkpoints, { checked: 2, valid: 2 });
        assert.ok(report.entries.valid > head.seq, 'the new node appends to the copied chain');
        await engine.close();
      } finally {
        await r.release();
      }
    });

    it('refuses a target that is not empty with conflict, and leaves it as it was', async () => {
      const r = resources();
      try {
        const from = r.sqlite(source.path);
        const { store: to } = await r.postgres();
        await copyStore({ source: from, target: to });
        await assert.rejects(copyStore({ source: from, target: to }), (err: unknown) => {
          assert.ok(err instanceof KeywardError);
          assert.equal(err.code, 'conflict');
          assert.match(err.message, /^the target is not empty \(it holds a seal record, keys, tokens, documents, \d+ audit entries, audit checkpoints\)/);
          return true;
        });
        assert.ok((await verifyCopy({ source: from, target: to })).ok, 'the first copy is untouched');

        // Another node's fresh database (initialised, nothing else) is not empty either.
        const { store: other } = await r.postgres();
        const engine = await Engine.open({ store: other, checkpointFile: null });
        await engine.sys.init(root, { shares: 1, threshold: 1 });
        await engine.flushAudit();
        const id = await other.instanceId();
        await assert.rejects(copyStore({ source: from, target: other }), { code: 'conflict' });
        assert.equal(await other.instanceId(), id);
      } finally {
        await r.release();
      }
    });

    it('copies a tampered source entry as stored: the records match, but the copied chain does not verify', async () => {
      const r = resources();
      try {
        const path = copyOf(source, r.dir());
        const db = new Database(path);
        db.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3").run();
        db.close();
        const from = r.sqlite(path);
        const { store: to } = await r.postgres();
        await copyStore({ source: from, target: to });
        assert.ok((await verifyCopy({ source: from, target: to })).ok, 'a faithful copy of what is stored');
        const seal = await to.getSeal();
        const report = await verifyChain({ store: to, origin: await to.instanceId(), publicKey: seal?.auditPublicKey ?? null });
        assert.equal(report.ok, false);
        assert.deepEqual([report.firstBad?.seq, report.firstBad?.reason], [3, 'modified']);
      } finally {
        await r.release();
      }
    });

    it('rolls the whole copy back when an entry cannot be written, leaving the target empty with its own id', async () => {
      const r = resources();
      try {
        const path = copyOf(source, r.dir());
        const db = new Database(path);
        const last = (db.prepare('SELECT MAX(seq) AS seq FROM audit_entries').get() as { seq: number }).seq;
        // PostgreSQL refuses a time it could not give back as the same string (the chain hashes it).
        db.prepare("UPDATE audit_entries SET time = '2026-01-01T00:00:00Z' WHERE seq = ?").run(last);
        db.close();
        const from = r.sqlite(path);
        const { store: to } = await r.postgres();
        const before = await to.instanceId();
        await assert.rejects(copyStore({ source: from, target: to, batchSize: 10 }), (err: unknown) => {
          assert.ok(err instanceof KeywardError);
          assert.equal(err.code, 'validation_failed');
          assert.match(err.message, new RegExp(`^copying audit entries \\d+\\.\\.${last}: time must be an ISO 8601 UTC timestamp`));
          return true;
        });
        assert.deepEqual(await storeContents(to), []);
        assert.equal(await to.instanceId(), before);
      } finally {
        await r.release();
      }
    });
  });
});
