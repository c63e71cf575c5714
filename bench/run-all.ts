/** `npm run bench`: runs each benchmark in its own process, in order. */
import { spawnSync } from 'node:child_process';

const benches: [string, string[]][] = [
  ['bench/engine-encrypt.ts', ['3']],
  // Root vs identity (role binding, separation of duties, Cedar condition) on the encrypt path.
  ['bench/governance-authorize.ts', ['3']],
  ['bench/audit-verify.ts', [process.env.AUDIT_ENTRIES ?? '1000000']],
  // Backup, verify, restore, DR drill against copyStore of the same instance (~1 min).
  ['bench/backup.ts', [process.env.BACKUP_ENTRIES ?? '100000']],
  // Secret scanner over a generated 200 MB source tree against fs reads and grep (~1 min).
  ['bench/scanner.ts', [process.env.SCANNER_MB ?? '200']],
  // Keyward over HTTP against a bare node:http server and an AES-GCM node:http server (~90 s on a
  // quiet machine; on a shared one, SERVER_BENCH_RETRIES=3 reruns cases other processes disturbed).
  ['bench/server-encrypt.ts', ['--retries', process.env.SERVER_BENCH_RETRIES ?? '0']],
  // Needs PostgreSQL (KEYWARD_TEST_DATABASE_URL or the local default).
  ['bench/multi-node.ts', []],
];
for (const [file, args] of benches) {
  console.log(`\n## ${file} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
