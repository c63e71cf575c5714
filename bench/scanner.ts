/**
 * Secret-scanner throughput: generates a corpus of source-like files (default 200 MB) with a few
 * planted secrets in a temp dir, then times `scanDirectory` over it against two baselines measured
 * in the same run over the same files: reading every file with fs and counting newlines, and
 * `grep -rc` for a fixed string.
 *   npx tsx bench/scanner.ts [megabytes] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDirectory } from '../src/inventory/scanner/directory-scan.ts';
import { fingerprint } from '../src/inventory/scanner/redact.ts';

const megabytes = Number(process.argv[2] ?? 200);
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'keyward-scan-bench-'));

/** A deterministic stream of pseudo-random numbers (the corpus is the same on every run). */
let seed = 0x2545f491;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Token material from a hash chain: high-entropy like real secrets, but reproducible. */
let material = Buffer.from('keyward-bench');
function randomText(length: number, alphabet: string): string {
  let out = '';
  while (out.length < length) {
    material = createHash('sha256').update(material).digest();
    for (const byte of material) if (out.length < length) out += alphabet[byte % alphabet.length];
  }
  return out;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Identifiers as they occur in application code, auth-related ones included at a realistic rate:
// those wake the generic rules' keywords, as in a real code base.
const WORDS = ['user', 'account', 'order', 'item', 'request', 'response', 'config', 'options', 'result', 'value', 'index', 'count', 'total', 'buffer', 'stream', 'handler', 'client', 'server', 'query', 'record', 'cache', 'event', 'message', 'payload', 'status', 'error', 'logger', 'context', 'session', 'timeout', 'retry', 'limit', 'offset', 'page', 'filter', 'schema', 'field', 'table', 'column', 'row', 'path', 'file', 'name', 'id', 'date', 'time', 'price', 'amount', 'currency', 'address'];
const RARE = ['token', 'password', 'secret', 'apiKey', 'accessKey', 'credentials', 'authToken'];
const word = (): string => (random() < 0.01 ? pick(RARE) : pick(WORDS));
const ident = (): string => word() + (random() < 0.5 ? word().replace(/^./, (c) => c.toUpperCase()) : '');

const LINES: (() => string)[] = [
  () => `const ${ident()} = await ${ident()}.${word()}(${ident()}, ${ident()});`,
  () => `if (${ident()}.${word()} === ${ident()}) return ${ident()};`,
  () => `export function ${ident()}(${ident()}: ${pick(['string', 'number', 'boolean', 'Buffer'])}): ${pick(['void', 'string', 'Promise<void>'])} {`,
  () => `  ${ident()}.push({ ${word()}: ${ident()}, ${word()}: '${word()}-${Math.floor(random() * 1000)}' });`,
  () => `// ${pick(['TODO', 'NOTE', 'why'])}: ${word()} ${word()} the ${word()} before ${word()} ${word()} is ${word()}`,
  () => `  for (const ${word()} of ${ident()}) ${ident()} += ${word()}.${word()};`,
  () => `logger.info({ ${word()}: ${ident()} }, '${word()} ${word()} ${word()}');`,
  () => `}`,
  () => ``,
  () => `def ${ident()}(self, ${word()}, ${word()}=None):`,
  () => `    return self.${word()}.${word()}(${word()}=${word()}, ${word()}="${word()}")`,
  () => `  ${word()}: ${pick(['true', 'false', '30', '"' + word() + '"'])}`,
];

/** Each planted line and the rule and secret it should be found as (its fingerprint is checked). */
const PLANTED: (() => { line: string; ruleId: string; secret: string })[] = [
  () => {
    const secret = 'AKIA' + randomText(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
    return { line: `aws_access_key_id = ${secret}`, ruleId: 'aws-access-key-id', secret };
  },
  () => {
    const secret = 'sk_' + 'live_' + randomText(32, ALNUM);
    return { line: `const stripeKey = "${secret}";`, ruleId: 'stripe-live-key', secret };
  },
  () => {
    const secret = 'ghp' + '_' + randomText(36, ALNUM);
    return { line: `GITHUB_TOKEN=${secret}`, ruleId: 'github-token', secret };
  },
  () => {
    const secret = randomText(20, ALNUM + '!#%');
    return { line: `  db_password: "${secret}"`, ruleId: 'generic-secret-assignment', secret };
  },
];
const expected = new Set<string>();
function plant(): string {
  const { line, ruleId, secret } = pick(PLANTED)();
  expected.add(fingerprint(ruleId, secret));
  return line;
}

let written = 0;
let files = 0;
const target = megabytes * 1_000_000;
const exts = ['ts', 'py', 'js', 'go', 'yaml', 'md'];
const t0 = performance.now();
while (written < target) {
  const folder = join(dir, `pkg${files % 97}`, `mod${files % 13}`);
  if (files % 1000 < 2) mkdirSync(folder, { recursive: true });
  mkdirSync(folder, { recursive: true });
  const size = 2_000 + Math.floor(random() * 38_000);
  const lines: string[] = [];
  let length = 0;
  while (length < size) {
    const line = files % 500 === 7 && lines.length === 40 ? plant() : pick(LINES)();
    lines.push(line);
    length += line.length + 1;
  }
  const text = lines.join('\n');
  writeFileSync(join(folder, `file${files}.${pick(exts)}`), text);
  written += text.length;
  files++;
}
const mb = written / 1_000_000;
console.log(`corpus: ${files} files, ${mb.toFixed(1)} MB, ${expected.size} planted secrets, written in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);

function allFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

console.log(`load average before measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
// Warm the page cache so every case reads from memory, then measure each case.
for (const file of allFiles(dir)) readFileSync(file);

let t = performance.now();
let newlines = 0;
for (const file of allFiles(dir)) {
  const bytes = readFileSync(file);
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) newlines++;
}
const readSec = (performance.now() - t) / 1000;
console.log(`baseline fs read + count newlines: ${(mb / readSec).toFixed(0)} MB/s (${readSec.toFixed(2)} s, ${newlines} lines)`);

t = performance.now();
const grep = spawnSync('grep', ['-rc', '--', 'password', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const grepSec = (performance.now() - t) / 1000;
const grepOk = grep.status === 0 || grep.status === 1;
console.log(grepOk ? `baseline grep -rc password: ${(mb / grepSec).toFixed(0)} MB/s (${grepSec.toFixed(2)} s)` : `grep unavailable (${grep.error?.message ?? grep.status})`);

/** Best of `RUNS` scans (other processes on a shared machine only ever slow a run down). */
const RUNS = 2;
async function timedScan(label: string, workers: number | undefined): Promise<number> {
  let sec = Infinity;
  let cpuSec = 0;
  let report: Awaited<ReturnType<typeof scanDirectory>> | null = null;
  for (let run = 0; run < RUNS; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const r = await scanDirectory(dir, workers === undefined ? {} : { workers });
    const took = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (took < sec) {
      sec = took;
      cpuSec = (used.user + used.system) / 1e6;
      report = r;
    }
  }
  if (report === null) throw new Error('no run');
  const found = report.findings.filter((f) => expected.has(f.fingerprint)).length;
  console.log(
    `${label}: ${(mb / sec).toFixed(0)} MB/s (best of ${RUNS}: ${sec.toFixed(2)} s; process CPU ${cpuSec.toFixed(2)} s), ${report.stats.files} files, ` +
      `${report.findings.length} findings: ${found} of the ${expected.size} planted + ${report.findings.length - found} others (generic rules on generated code)`,
  );
  if (found < expected.size) console.log(`WARNING: ${expected.size - found} planted secrets not found`);
  return sec;
}
const singleSec = await timedScan('scanDirectory, one thread (workers: 0)', 0);
const workersSec = await timedScan(`scanDirectory, default (${availableParallelism()} workers)`, undefined);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
console.log(`ratio to the fs read baseline: one thread ${(readSec / singleSec).toFixed(2)}, workers ${(readSec / workersSec).toFixed(2)}`);
if (grepOk) console.log(`ratio to grep: one thread ${(grepSec / singleSec).toFixed(2)}, workers ${(grepSec / workersSec).toFixed(2)}`);

if (!keep) rmSync(dir, { recursive: true, force: true });
