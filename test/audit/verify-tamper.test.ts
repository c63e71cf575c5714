/**
 * Tampering with a real audit log on disk, and what verifyChain says about it.
 *
 * One realistic log is made once with the engine (entries 1..28, checkpoints at sizes 13 and 24,
 * each in the database and in the external checkpoint file), then every test edits its own copy
 * of the closed database directly with better-sqlite3 and verifies it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine } from '../../src/engine.ts';
import type { CallContext } from '../../src/auth/principal.ts';
import { linkEntries } from '../../src/audit/audit-chain.ts';
import { CheckpointFile, ed25519Signer, signCheckpoint } from '../../src/audit/checkpoints.ts';
import { verifyChain, type ChainProblemReason, type VerifyReport } from '../../src/audit/verify-chain.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { auditFromRow, auditToRow, type AuditRow } from '../../src/storage/sqlite/sqlite-rows.ts';
import type { AuditDraft } from '../../src/storage/records.ts';

const DB = 'keyward.db';
const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';
const TOTAL = 28; // entries in the fixture log
const CP1 = 13; // first checkpoint size
const CP2 = 24; // second checkpoint size
const SNAPSHOT_SIZE = 14; // entries in the snapshot taken after the first checkpoint

let fixtureDir = '';
let workRoot = '';
let snapshotPath = '';

before(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'keyward-tamper-'));
  snapshotPath = join(workRoot, 'snapshot.db');
  const { engine, dir } = await Engine.openDev({ checkpointEvery: 1_000_000 });
  fixtureDir = dir;
  const ctx: CallContext = { principal: { type: 'root', actor: 'root:test', permissions: ['*'] } };
  const encrypt = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await engine.crypto.encrypt(ctx, { key: 'k1', plaintext: Buffer.from('x') });
  };
  // 1 sys.init, 2 sys.unseal, 3 key.create
  await engine.keys.create(ctx, { name: 'k1', spec: 'AES_256_GCM' });
  await encrypt(10); // 4..13
  assert.equal((await engine.audit.checkpoint(ctx))?.size, CP1); // then 14 audit.checkpoint
  await engine.flushAudit();
  // An old copy of the database, as a backup would take it.
  const live = new Database(join(dir, DB), { readonly: true });
  await live.backup(snapshotPath);
  live.close();
  await encrypt(10); // 15..24
  assert.equal((await engine.audit.checkpoint(ctx))?.size, CP2); // then 25 audit.checkpoint
  await encrypt(3); // 26..28
  await engine.close();
});

after(async () => {
  if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

/** A private copy of the fixture directory (database, -wal/-shm if any, checkpoint file). */
async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(join(workRoot, 'case-'));
  for (const name of [DB, `${DB}-wal`, `${DB}-shm`, CHECKPOINT_FILE]) {
    if (existsSync(join(fixtureDir, name))) await cp(join(fixtureDir, name), join(dir, name));
  }
  return dir;
}

/** Runs SQL edits on the copy's database file. */
function edit(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, DB));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

/** Verifies a copy the way an operator would: origin and key from the store, checkpoints from the DB and the file. */
async function verifyDir(dir: string): Promise<VerifyReport> {
  const store = SqliteStore.open({ path: join(dir, DB) });
  try {
    return await verifyChain({
      store,
      origin: await store.instanceId(),
      publicKey: (await store.getSeal())!.auditPublicKey,
      externalCheckpoints: new CheckpointFile(join(dir, CHECKPOINT_FILE)).read().checkpoints,
      batchSize: 7, // small batches so the lookahead window crosses batch boundaries
    });
  } finally {
    await store.close();
  }
}

/** Copies the fixture, applies `tamper`, verifies. */
async function tamperAndVerify(tamper: (dir: string) => void | Promise<void>): Promise<VerifyReport> {
  const dir = await copyFixture();
  await tamper(dir);
  return verifyDir(dir);
}

const rowAt = (db: Database.Database, seq: number): AuditRow => db.prepare('SELECT * FROM audit_entries WHERE seq = ?').get(seq) as AuditRow;
const randomHash = (): string => randomBytes(32).toString('hex');

const INSERT = `INSERT INTO audit_entries (seq, time, actor, action, key_id, key_version, outcome, error_code, request_id, correlation_id, source, details, chain_hash)
  VALUES (@seq, @time, @actor, @action, @key_id, @key_version, @outcome, @error_code, @request_id, @correlation_id, @source, @details, @chain_hash)`;

function forgedRow(seq: number): AuditRow {
  return {
    seq,
    time: new Date().toISOString(),
    actor: 'root:attacker',
    action: 'key.export',
    key_id: null,
    key_version: null,
    outcome: 'success',
    error_code: null,
    request_id: null,
    correlation_id: null,
    source: null,
    details: '{}',
    chain_hash: randomHash(),
  };
}

function assertFirstBad(report: VerifyReport, seq: number, reason: ChainProblemReason): void {
  assert.equal(report.ok, false, 'tampering must be detected');
  assert.deepEqual(report.firstBad && { seq: report.firstBad.seq, reason: report.firstBad.reason }, { seq, reason }, JSON.stringify(report.problems, null, 1));
}

const reasons = (report: VerifyReport): string[] => report.problems.map((p) => `${p.seq}:${p.reason}`);

describe('verifyChain on a tampered SQLite log', () => {
  it('an untouched log is ok, every entry valid, checkpoints valid, the tail after the last checkpoint unanchored', async () => {
    const report = await verifyDir(await copyFixture());
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.firstBad, null);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.range, { from: 1, to: TOTAL });
    assert.deepEqual(report.entries, { checked: TOTAL, valid: TOTAL });
    // Two checkpoints, each in the database and in the file.
    assert.deepEqual(report.checkpoints, { checked: 4, valid: 4 });
    assert.equal(report.lastAnchored?.size, CP2);
    assert.equal(report.unanchoredEntries, TOTAL - CP2);
  });

  it('a changed field of entry N is "modified" at N, and only there', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare("UPDATE audit_entries SET actor = 'root:someone-else' WHERE seq = 8").run()));
    assertFirstBad(report, 8, 'modified');
    assert.deepEqual(reasons(report), ['8:modified']);
    assert.deepEqual(report.entries, { checked: TOTAL, valid: TOTAL - 1 });
  });

  it('a changed details field of the last entry is "modified"', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare(`UPDATE audit_entries SET details = '{}' WHERE seq = ${TOTAL}`).run()));
    assertFirstBad(report, TOTAL, 'modified');
    assert.deepEqual(reasons(report), [`${TOTAL}:modified`]);
  });

  it('a changed chain hash of entry N is "modified" at N, without blaming the intact entry after it', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('UPDATE audit_entries SET chain_hash = ? WHERE seq = 8').run(randomHash())));
    assertFirstBad(report, 8, 'modified');
    assert.deepEqual(reasons(report), ['8:modified']);
    assert.deepEqual(report.entries, { checked: TOTAL, valid: TOTAL - 1 });

    // At a checkpoint's size, the checkpoint still matches the recomputed (original) chain value.
    const atCheckpoint = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('UPDATE audit_entries SET chain_hash = ? WHERE seq = ?').run(randomHash(), CP1)));
    assert.deepEqual(reasons(atCheckpoint), [`${CP1}:modified`]);
    assert.equal(atCheckpoint.lastAnchored?.size, CP2);
  });

  it('a deleted middle row is "deleted" at its seq', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq = 8').run()));
    assertFirstBad(report, 8, 'deleted');
    assert.deepEqual(reasons(report), ['8:deleted']);
    assert.equal(report.entries.checked, TOTAL - 1);
  });

  it('several deleted middle rows are one "deleted" problem at the first missing seq', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq BETWEEN 5 AND 9').run()));
    assertFirstBad(report, 5, 'deleted');
    assert.deepEqual(reasons(report), ['5:deleted']);
  });

  // At the end of the log there is no successor to show that the chain skips the row, so an
  // appended row cannot be told from a modified last entry: both are reported as "modified".
  it('a copy of an earlier entry appended at the end is reported as "modified" at its seq', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => db.prepare(INSERT).run({ ...rowAt(db, 5), seq: TOTAL + 1 })),
    );
    assertFirstBad(report, TOTAL + 1, 'modified');
    assert.deepEqual(reasons(report), [`${TOTAL + 1}:modified`]);
    assert.equal(report.entries.valid, TOTAL, 'the original entries all still verify');
  });

  it('a forged entry with a random chain hash appended at the end is reported as "modified" at its seq', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare(INSERT).run(forgedRow(TOTAL + 1))));
    assertFirstBad(report, TOTAL + 1, 'modified');
    assert.deepEqual(reasons(report), [`${TOTAL + 1}:modified`]);
  });

  it('a forged entry inserted in the middle (later rows renumbered) is "inserted" at its seq', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        db.transaction(() => {
          db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq > 8').run();
          db.prepare('UPDATE audit_entries SET seq = 1 - seq WHERE seq < 0').run();
          db.prepare(INSERT).run(forgedRow(9));
        })();
      }),
    );
    assertFirstBad(report, 9, 'inserted');
    assert.equal(report.problems.filter((p) => p.reason === 'inserted').length, 1);
    // The renumbering also moves the entries the checkpoints signed: the entries now at seqs 13
    // and 24 are not the ones signed there, which verify reports as rollbacks.
    assert.deepEqual(reasons(report), ['9:inserted', `${CP1}:rollback`, `${CP1}:rollback`, `${CP2}:rollback`, `${CP2}:rollback`]);
    assert.deepEqual(report.entries, { checked: TOTAL + 1, valid: TOTAL });
  });

  it('a forged entry inserted after the last checkpoint is "inserted" and nothing else', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        db.transaction(() => {
          db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq > 26').run();
          db.prepare('UPDATE audit_entries SET seq = 1 - seq WHERE seq < 0').run();
          db.prepare(INSERT).run(forgedRow(27));
        })();
      }),
    );
    assertFirstBad(report, 27, 'inserted');
    assert.deepEqual(reasons(report), ['27:inserted']);
  });

  it('two adjacent rows with swapped content are "reordered"', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        const a = rowAt(db, 6);
        const b = rowAt(db, 7);
        db.transaction(() => {
          db.prepare('DELETE FROM audit_entries WHERE seq IN (6, 7)').run();
          db.prepare(INSERT).run({ ...b, seq: 6 });
          db.prepare(INSERT).run({ ...a, seq: 7 });
        })();
      }),
    );
    assertFirstBad(report, 6, 'reordered');
    assert.deepEqual(reasons(report), ['6:reordered']);
    assert.equal(report.entries.checked, TOTAL);
  });

  it('the last rows swapped are "reordered" too', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        const a = rowAt(db, TOTAL - 1);
        const b = rowAt(db, TOTAL);
        db.prepare('DELETE FROM audit_entries WHERE seq >= ?').run(TOTAL - 1);
        db.prepare(INSERT).run({ ...b, seq: TOTAL - 1 });
        db.prepare(INSERT).run({ ...a, seq: TOTAL });
      }),
    );
    assertFirstBad(report, TOTAL - 1, 'reordered');
    assert.deepEqual(reasons(report), [`${TOTAL - 1}:reordered`]);
  });

  it('a tail cut below a checkpoint is "truncated", even when the database checkpoints are deleted too', async () => {
    const cut = 22; // keep 1..22; the checkpoint at 24 covers more
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq > ?').run(cut)));
    assertFirstBad(report, cut + 1, 'truncated');
    assert.deepEqual(reasons(report), [`${cut + 1}:truncated`, `${cut + 1}:truncated`], 'the database and the file checkpoint');
    assert.deepEqual(report.entries, { checked: cut, valid: cut });

    const alsoCheckpoints = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        db.prepare('DELETE FROM audit_entries WHERE seq > ?').run(cut);
        db.prepare('DELETE FROM audit_checkpoints WHERE size > ?').run(cut);
      }),
    );
    assertFirstBad(alsoCheckpoints, cut + 1, 'truncated');
    assert.deepEqual(reasons(alsoCheckpoints), [`${cut + 1}:truncated`], 'the checkpoint file still has it');
  });

  it('a tail cut after the last checkpoint goes unnoticed: those entries were unanchored', async () => {
    const report = await tamperAndVerify((dir) => edit(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq > ?').run(CP2)));
    assert.equal(report.ok, true);
    assert.equal(report.unanchoredEntries, 0);
  });

  it('history rewritten with a consistent chain is invisible to the chain walk but "rollback" at the checkpoint', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        const origin = (db.prepare("SELECT value FROM meta WHERE name = 'instance_id'").get() as { value: string }).value;
        const from = 5;
        const rows = (db.prepare('SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq').all(from) as AuditRow[]).map(auditFromRow);
        const drafts: AuditDraft[] = rows.map((e, i) => (i === 0 ? { ...e, actor: 'root:someone-else' } : e));
        const head = { seq: from - 1, chainHash: rowAt(db, from - 1).chain_hash };
        const rewritten = linkEntries(head, origin, drafts);
        const update = db.prepare('UPDATE audit_entries SET actor = @actor, chain_hash = @chain_hash WHERE seq = @seq');
        db.transaction(() => {
          for (const e of rewritten) update.run(auditToRow(e));
        })();
      }),
    );
    assert.deepEqual(report.entries, { checked: TOTAL, valid: TOTAL }, 'every link is consistent');
    assertFirstBad(report, CP1, 'rollback');
    assert.deepEqual(reasons(report), [`${CP1}:rollback`, `${CP1}:rollback`, `${CP2}:rollback`, `${CP2}:rollback`]);
    assert.equal(report.lastAnchored, null);
  });

  // Restoring a backup alone only shortens the log: the newer checkpoint in the file then covers
  // entries the database no longer has, which is reported as truncation.
  it('an older copy of the database restored as is: "truncated" against the newer checkpoint in the file', async () => {
    const report = await tamperAndVerify((dir) => restoreSnapshot(dir));
    assertFirstBad(report, SNAPSHOT_SIZE + 1, 'truncated');
    assert.deepEqual(reasons(report), [`${SNAPSHOT_SIZE + 1}:truncated`]);
    assert.equal(report.lastAnchored?.size, CP1, 'the older checkpoint still matches');
  });

  it('an older copy restored and then written past the newer checkpoint is "rollback" at that checkpoint', async () => {
    const report = await tamperAndVerify(async (dir) => {
      restoreSnapshot(dir);
      // The restored node keeps running and appends its own, chain-valid entries.
      const store = SqliteStore.open({ path: join(dir, DB) });
      try {
        const origin = await store.instanceId();
        const drafts: AuditDraft[] = Array.from({ length: TOTAL - SNAPSHOT_SIZE + 2 }, (_, i) => ({
          time: new Date().toISOString(),
          actor: 'root:test',
          action: 'crypto.encrypt',
          keyId: null,
          keyVersion: null,
          outcome: 'success',
          errorCode: null,
          requestId: null,
          correlationId: null,
          source: null,
          details: { after: i },
        }));
        await store.transaction(async (tx) => tx.insertAuditEntries(linkEntries(await tx.lockAuditHead(), origin, drafts)));
      } finally {
        await store.close();
      }
    });
    assert.deepEqual(report.entries, { checked: TOTAL + 2, valid: TOTAL + 2 });
    assertFirstBad(report, CP2, 'rollback');
    assert.deepEqual(reasons(report), [`${CP2}:rollback`], 'only the file has the newer checkpoint');
  });

  it('a replaced checkpoint signature in the database is "bad_signature"', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => db.prepare('UPDATE audit_checkpoints SET signature = ? WHERE size = ?').run(randomBytes(64).toString('base64'), CP1)),
    );
    assertFirstBad(report, CP1, 'bad_signature');
    assert.deepEqual(reasons(report), [`${CP1}:bad_signature`]);
    assert.deepEqual(report.checkpoints, { checked: 4, valid: 3 });
    assert.deepEqual(report.entries, { checked: TOTAL, valid: TOTAL });
  });

  it('a checkpoint signed by another key (naming that key) is "bad_signature"', async () => {
    const report = await tamperAndVerify((dir) =>
      edit(dir, (db) => {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const signer = ed25519Signer(privateKey.export({ type: 'pkcs8', format: 'der' }), publicKey.export({ type: 'spki', format: 'pem' }) as string);
        const origin = (db.prepare("SELECT value FROM meta WHERE name = 'instance_id'").get() as { value: string }).value;
        const c = signCheckpoint(signer, { origin, size: 20, chainHash: rowAt(db, 20).chain_hash, time: new Date().toISOString() });
        db.prepare('INSERT INTO audit_checkpoints (size, time, origin, chain_hash, signature, public_key) VALUES (?, ?, ?, ?, ?, ?)').run(c.size, c.time, c.origin, c.chainHash, c.signature, c.publicKey);
      }),
    );
    assertFirstBad(report, 20, 'bad_signature');
    assert.deepEqual(reasons(report), ['20:bad_signature']);
  });
});

/** Puts the backup taken after the first checkpoint in place of the database; the checkpoint file is kept. */
function restoreSnapshot(dir: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(join(dir, `${DB}${suffix}`), { force: true });
  copyFileSync(snapshotPath, join(dir, DB));
}
