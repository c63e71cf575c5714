/**
 * Backup, verify, restore and DR-drill times on a dev instance (SQLite) with K AES keys and about N
 * audit entries (encryptions), against copying the same store with copyStore (the core of
 * `keyward storage migrate`) measured in the same run.
 *   npx tsx bench/backup.ts [entries=100000] [keys=1000]
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine.ts';
import type { CallContext } from '../src/auth/principal.ts';
import { readBackupHeader } from '../src/lifecycle/backup/read-backup.ts';
import { restoreBackup } from '../src/lifecycle/backup/restore-backup.ts';
import { secretsFromShares, wipeSecrets } from '../src/lifecycle/backup/unlock-backup.ts';
import { verifyBackupFile } from '../src/lifecycle/backup/verify-backup.ts';
import { copyStore } from '../src/storage/copy-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';

const entries = Number(process.argv[2] ?? 100_000);
const keys = Number(process.argv[3] ?? 1000);
const ctx: CallContext = { principal: { type: 'root', actor: 'root:bench', permissions: ['*'] } };
const work = mkdtempSync(join(tmpdir(), 'keyward-bench-backup-'));
const { engine, dir, share } = await Engine.openDev({ dir: mkdtempSync(join(work, 'node-')), checkpointEvery: 5000 });

const t = performance.now();
for (let i = 0; i < keys; i++) await engine.keys.create(ctx, { name: `k${i}`, spec: 'AES_256_GCM' });
for (let done = 0; done < entries; done += 500) {
  await Promise.all(Array.from({ length: 500 }, (_, j) => engine.crypto.encrypt(ctx, { key: `k${(done + j) % keys}`, plaintext: Buffer.alloc(64, 120) })));
}
await engine.flushAudit();
const head = (await engine.store.auditHead()).seq;
console.log(`built ${keys} keys, ${head} audit entries in ${((performance.now() - t) / 1000).toFixed(1)} s; database ${(statSync(join(dir, 'keyward.db')).size / 1e6).toFixed(1)} MB`);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, (performance.now() - start) / 1000];
}

const [snap, backupSec] = await timed(() => engine.backups.snapshot(ctx));
const file = join(work, 'bench.kwbackup');
copyFileSync(snap.path, file);
await snap.dispose();
const secrets = await secretsFromShares((await readBackupHeader(file)).seal, [share]);
const [offline, offlineSec] = await timed(() => verifyBackupFile({ path: file }));
const [full, fullSec] = await timed(() => verifyBackupFile({ path: file, secrets }));
mkdirSync(join(work, 'restored'));
const target = SqliteStore.open({ path: join(work, 'restored', 'keyward.db') });
const [restored, restoreSec] = await timed(() => restoreBackup({ path: file, target, secrets }));
await target.close();
wipeSecrets(secrets);
mkdirSync(join(work, 'copy'));
const copyTarget = SqliteStore.open({ path: join(work, 'copy', 'keyward.db') });
const [, copySec] = await timed(() => copyStore({ source: engine.store, target: copyTarget }));
await copyTarget.close();
const [drill, drillSec] = await timed(() => engine.backups.drill(ctx));

if (!offline.ok || !full.ok || !restored.chain.ok || !drill.passed) throw new Error('a check failed: the figures would mean nothing');
const mbPerSec = (sec: number): string => `${(snap.info.sizeBytes / 1e6 / sec).toFixed(1)} MB/s`;
console.log(`backup file: ${(snap.info.sizeBytes / 1e6).toFixed(2)} MB (${((snap.info.sizeBytes * 8) / head).toFixed(0)} bits per audit entry)`);
console.log(`baseline copyStore SQLite→SQLite: ${copySec.toFixed(2)} s`);
console.log(`backup:          ${backupSec.toFixed(2)} s  (${(backupSec / copySec).toFixed(2)}x the copy; ${mbPerSec(backupSec)})`);
console.log(`verify offline:  ${offlineSec.toFixed(3)} s  (${mbPerSec(offlineSec)})`);
console.log(`verify full:     ${fullSec.toFixed(2)} s  (${(fullSec / copySec).toFixed(2)}x the copy)`);
console.log(`restore:         ${restoreSec.toFixed(2)} s  (${(restoreSec / copySec).toFixed(2)}x the copy: verify pass + write pass + chain walk)`);
console.log(`DR drill:        ${drillSec.toFixed(2)} s  (${drill.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(2)}`).join(', ')}; snapshot ${((drill.snapshotMs ?? 0) / 1000).toFixed(2)})`);
await engine.close();
rmSync(work, { recursive: true, force: true });
