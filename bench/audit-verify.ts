/**
 * Audit verify speed: builds a log of N entries (default 1,000,000) in a temp SQLite store and
 * times verifyChain over it; reports entries/s, against hashing the same count of leaves raw.
 *   npx tsx bench/audit-verify.ts [entries]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkEntries } from '../src/audit/audit-chain.ts';
import { verifyChain } from '../src/audit/verify-chain.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import type { AuditDraft } from '../src/storage/records.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-'));
const store = SqliteStore.open({ path: join(dir, 'audit.db') });
const origin = await store.instanceId();

const draft = (i: number): AuditDraft => ({
  time: new Date(1_700_000_000_000 + i).toISOString(),
  actor: `token:acc${i % 50}`,
  action: i % 3 === 0 ? 'crypto.decrypt' : 'crypto.encrypt',
  keyId: `key_${(i % 100).toString(16).padStart(24, '0')}`,
  keyVersion: 1,
  outcome: 'success',
  errorCode: null,
  requestId: `req-${i}`,
  correlationId: null,
  source: '127.0.0.1',
  details: { keyName: `key-${i % 100}`, plaintextHmac: createHash('sha256').update(String(i)).digest('hex') },
});

let t = performance.now();
for (let done = 0; done < total; ) {
  const n = Math.min(20_000, total - done);
  await store.transaction(async (tx) => {
    const head = await tx.lockAuditHead();
    await tx.insertAuditEntries(linkEntries(head, origin, Array.from({ length: n }, (_, k) => draft(done + k))));
  });
  done += n;
}
console.log(`built ${total} entries in ${((performance.now() - t) / 1000).toFixed(1)} s`);

t = performance.now();
const report = await verifyChain({ store, origin, publicKey: null });
const verifySec = (performance.now() - t) / 1000;
console.log(`verify: ${report.entries.valid}/${report.entries.checked} valid, ok=${report.ok}, ${verifySec.toFixed(2)} s, ${(total / verifySec).toFixed(0)} entries/s`);

// Baseline: the hashing alone (leaf + chain SHA-256 over same-size canonical JSON), no reads.
t = performance.now();
let prev = Buffer.alloc(32);
const sample = JSON.stringify(draft(1));
for (let i = 0; i < total; i++) {
  const leaf = createHash('sha256').update(Buffer.of(0)).update(sample).digest();
  prev = createHash('sha256').update(Buffer.of(1)).update(prev).update(leaf).digest();
}
const hashSec = (performance.now() - t) / 1000;
console.log(`raw hashing baseline: ${(total / hashSec).toFixed(0)} entries/s; verify is ${(hashSec / verifySec).toFixed(2)}x of it`);
await store.close();
rmSync(dir, { recursive: true, force: true });
