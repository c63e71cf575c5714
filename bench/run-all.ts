/** `npm run bench`: runs each benchmark in its own process, in order. */
import { spawnSync } from 'node:child_process';

const benches: [string, string[]][] = [
  ['bench/engine-encrypt.ts', ['3']],
  ['bench/audit-verify.ts', [process.env.AUDIT_ENTRIES ?? '1000000']],
];
for (const [file, args] of benches) {
  console.log(`\n## ${file} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
