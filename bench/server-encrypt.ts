/**
 * POST /v1/crypto/encrypt over loopback HTTP: Keyward (dev mode, every operation durably audited)
 * against two baselines in the same run — a bare node:http JSON server and a node:http server doing
 * one AES-256-GCM encrypt per request — each loaded by autocannon from a separate process.
 *
 *   npx tsx bench/server-encrypt.ts [--duration 10] [--warmup 2] [--connections 16,64]
 *     [--targets bare,aes,keyward] [--retries 0] [--max-other 10] [--profile DIR]
 *
 * Processes: this one hosts Keyward; bench/baseline-servers.ts hosts both baselines; every load
 * runs in a fresh bench/load-client.ts.
 *
 * Each connection sends its next request as soon as the previous one is answered (closed loop), so
 * the figures are throughput at saturation, and mean latency = connections / throughput. (autocannon's
 * rate limit is no open-loop alternative: it sends at full speed until a second's quota is used.)
 *
 * The machine is shared (2 cores here), so each case also reports how much CPU other processes
 * took during its window; with `--retries N` a case whose window saw more than `--max-other` % of
 * a core is run again (after waiting for a quiet moment), up to N times. `--profile DIR` writes a
 * V8 CPU profile of Keyward's measured window per connection count (open it in Chrome DevTools;
 * docs/benchmarks.md says how far to trust it).
 *
 * Exits 1 if any response is not 2xx, or if the audit log grew by less than the 2xx count.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDevRuntime } from '../src/cli/server-runtime.ts';
import { createLogger } from '../src/server/logger.ts';
import type { BaselineUsage } from './baseline-servers.ts';
import type { LoadPlan, LoadResult, LoadWindow } from './load-client.ts';
import { machineBusyMicros, waitForQuiet } from './machine-load.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16,64' },
    targets: { type: 'string', default: 'bare,aes,keyward' },
    retries: { type: 'string', default: '0' },
    'max-other': { type: 'string', default: '10' },
    profile: { type: 'string' },
  },
});
const TARGETS = ['bare', 'aes', 'keyward'] as const;
type TargetName = (typeof TARGETS)[number];
const durationSeconds = Number(args.duration);
const warmupSeconds = Number(args.warmup);
const connectionCounts = args.connections.split(',').map(Number);
const targets = TARGETS.filter((t) => args.targets.split(',').includes(t));
const retries = Number(args.retries);
/** Percent of one core other processes may use during a window before it counts as disturbed. */
const maxOtherPercent = Number(args['max-other']);
if (
  !(durationSeconds > 0) ||
  !(warmupSeconds >= 0) ||
  connectionCounts.some((c) => !Number.isInteger(c) || c < 1) ||
  targets.length === 0 ||
  !Number.isInteger(retries) ||
  retries < 0 ||
  !(maxOtherPercent >= 0)
) {
  throw new Error('usage: server-encrypt.ts [--duration S>0] [--warmup S>=0] [--connections N,N…] [--targets bare,aes,keyward] [--retries N] [--max-other PERCENT] [--profile DIR]');
}

/** The issue's targets: Keyward at ≥ 0.8× the AES baseline's throughput, p99 ≤ 5 ms. */
const TARGET_RATIO_TO_AES = 0.8;
const TARGET_P99_MS = 5;
const PAYLOAD_BYTES = 100;
const ENCRYPT_PATH = '/v1/crypto/encrypt';
/** Give up waiting for a quiet machine after this long and run anyway (the table says how busy it was). */
const QUIET_WAIT_SECONDS = 120;
const benchDir = fileURLToPath(new URL('.', import.meta.url));

/** Server-side counters over the measured window. */
interface ServerUsage {
  readonly cpuMicros: number;
  readonly elu: EventLoopUtilization;
}
interface Row {
  readonly target: TargetName;
  readonly connections: number;
  readonly load: LoadResult;
  readonly usage: ServerUsage;
  /** Percent of one core used during the window by everything but the server and the load client; null off Linux. */
  readonly otherPercent: number | null;
  /** Runs of this case discarded because other processes were busy. */
  readonly discarded: number;
}

function child(file: string): ChildProcess {
  return fork(join(benchDir, file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function message<T>(proc: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      const value = pick(m as Record<string, unknown>);
      if (value === undefined) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code: number | null): void => reject(new Error(`child ${proc.pid} exited (${code}) before answering`));
    proc.on('message', onMessage);
    proc.on('exit', onExit);
  });
}

function eluDelta(after: EventLoopUtilization, before: EventLoopUtilization): EventLoopUtilization {
  const idle = after.idle - before.idle;
  const active = after.active - before.active;
  return { idle, active, utilization: active / (idle + active) };
}

// --- Keyward (this process) ---
const runtime = await openDevRuntime(createLogger({ level: 'warn' }));
await runtime.app.listen({ host: '127.0.0.1', port: 0 });
const keywardPort = (runtime.app.server.address() as AddressInfo).port;
const rootToken = runtime.dev?.rootToken;
if (!rootToken) throw new Error('dev runtime has no root token');
const headers = { 'content-type': 'application/json', authorization: `Bearer ${rootToken}` };
const created = await fetch(`http://127.0.0.1:${keywardPort}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench', spec: 'AES_256_GCM' }) });
if (!created.ok) throw new Error(`creating the bench key failed: ${created.status} ${await created.text()}`);

function keywardUsage(): ServerUsage {
  const cpu = process.cpuUsage();
  return { cpuMicros: cpu.user + cpu.system, elu: performance.eventLoopUtilization() };
}

// --- baselines (one child process) ---
const baselines = child('baseline-servers.ts');
const ports = await message(baselines, (m) => m['ports'] as { bare: number; aes: number } | undefined);
async function baselineUsage(): Promise<ServerUsage> {
  const answer = message(baselines, (m) => m['usage'] as BaselineUsage | undefined);
  baselines.send({ type: 'usage' });
  return answer;
}

const urls: Record<TargetName, string> = {
  bare: `http://127.0.0.1:${ports.bare}${ENCRYPT_PATH}`,
  aes: `http://127.0.0.1:${ports.aes}${ENCRYPT_PATH}`,
  keyward: `http://127.0.0.1:${keywardPort}${ENCRYPT_PATH}`,
};
const body = JSON.stringify({ key: 'bench', plaintext: randomBytes(PAYLOAD_BYTES).toString('base64') });
for (const [name, url] of Object.entries(urls)) {
  const res = await fetch(url, { method: 'POST', headers, body });
  const answer = (await res.json()) as { ciphertext?: string };
  if (!res.ok || !answer.ciphertext?.startsWith('kw:v1:')) throw new Error(`${name} answered ${res.status}: ${JSON.stringify(answer)}`);
}

let profiler: Session | null = null;
if (args.profile) {
  mkdirSync(args.profile, { recursive: true });
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
}

/** One target at one connection count: warm-up, then the measured window with server counters around it. */
async function runOnce(target: TargetName, connections: number): Promise<Omit<Row, 'discarded'>> {
  const usage = target === 'keyward' ? async () => keywardUsage() : baselineUsage;
  const client = child('load-client.ts');
  const plan: LoadPlan = { url: urls[target], headers, body, connections, warmupSeconds, durationSeconds };
  const ready = message(client, (m) => (m['type'] === 'ready' ? true : undefined));
  client.send({ plan });
  await ready;
  const before = await usage();
  const busyBefore = machineBusyMicros();
  const done = message(client, (m) => (m['type'] === 'result' ? (m['result'] as LoadResult) : undefined));
  const profiling = target === 'keyward' && profiler !== null;
  if (profiling) await profiler?.post('Profiler.start');
  client.send({ type: 'go' });
  const load = await done;
  const busyAfter = machineBusyMicros();
  const after = await usage();
  if (profiling && profiler && args.profile) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(join(args.profile, `keyward-c${connections}.cpuprofile`), JSON.stringify(profile));
  }
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  const otherMicros = busyBefore === null || busyAfter === null ? null : Math.max(0, busyAfter - busyBefore - cpuMicros - load.measuredCpuMicros);
  const otherPercent = otherMicros === null ? null : otherMicros / (load.measured.seconds * 1e4);
  return { target, connections, load, usage: { cpuMicros, elu: eluDelta(after.elu, before.elu) }, otherPercent };
}

const auditShortfalls: string[] = [];
/** Every run, discarded ones included: a non-2xx anywhere fails the benchmark. */
const allRuns: Omit<Row, 'discarded'>[] = [];

/** Every Keyward 2xx must have its audit entry: the log grows by at least the 2xx count (warm-up included). */
async function runAudited(target: TargetName, connections: number): Promise<Omit<Row, 'discarded'>> {
  if (target !== 'keyward') return runOnce(target, connections);
  const headBefore = (await runtime.engine.store.auditHead()).seq;
  const row = await runOnce(target, connections);
  const audited = (await runtime.engine.store.auditHead()).seq - headBefore;
  const acknowledged = row.load.warmup.ok + row.load.measured.ok;
  const line = `audit, ${connections} connections: ${audited} entries appended for ${acknowledged} 2xx responses (warm-up + measured)`;
  console.log(`  ${line}`);
  if (audited < acknowledged) auditShortfalls.push(line);
  return row;
}

async function runCase(target: TargetName, connections: number): Promise<Row> {
  for (let attempt = 0; ; attempt++) {
    if (retries > 0) await waitForQuiet({ maxPercent: maxOtherPercent, timeoutSeconds: QUIET_WAIT_SECONDS });
    const row = await runAudited(target, connections);
    allRuns.push(row);
    const m = row.load.measured;
    const other = row.otherPercent === null ? '' : `, other processes ${row.otherPercent.toFixed(0)} % of a core`;
    console.log(`  ${target.padEnd(7)} c=${connections}: ${(m.ok / m.seconds).toFixed(0)} ops/s, p99 ${m.p99.toFixed(2)} ms${other}`);
    const disturbed = row.otherPercent !== null && row.otherPercent > maxOtherPercent;
    if (!disturbed || attempt >= retries) return { ...row, discarded: attempt };
    console.log('  disturbed by other processes; running the case again');
  }
}

const rows: Row[] = [];
console.log(
  `node ${process.version}; ${PAYLOAD_BYTES}-byte payload; ${warmupSeconds} s warm-up + ${durationSeconds} s per case; pipelining 1; ` +
    `loopback keep-alive, closed loop; Keyward pid ${process.pid}`,
);
for (const connections of connectionCounts) {
  for (const target of targets) rows.push(await runCase(target, connections));
}

baselines.send({ type: 'exit' });
await runtime.close();
profiler?.disconnect();

// --- report ---
const opsPerSec = (w: LoadWindow): number => w.ok / w.seconds;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const label: Record<TargetName, string> = { bare: 'bare node:http + JSON', aes: 'node:http + JSON + AES-256-GCM', keyward: 'Keyward (durable audit)' };
const percentOfCore = (micros: number, seconds: number): string => `${fmt(micros / (seconds * 1e4))} %`;

console.log('\n| target | conns | ops/s | p50 ms | p99 ms | max ms | non-2xx | errors | server CPU µs/op | event loop busy µs/op | ELU | client CPU | other CPU |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const m = r.load.measured;
  const n = m.ok + m.non2xx;
  console.log(
    `| ${label[r.target]} | ${r.connections} | ${fmt(opsPerSec(m))} | ${fmt(m.p50, 2)} | ${fmt(m.p99, 2)} | ${fmt(m.max, 1)} | ${m.non2xx} | ${m.errors + m.timeouts} | ` +
      `${fmt(r.usage.cpuMicros / n, 1)} | ${fmt((r.usage.elu.active * 1000) / n, 1)} | ${fmt(r.usage.elu.utilization * 100)} % | ` +
      `${percentOfCore(r.load.measuredCpuMicros, m.seconds)} | ${r.otherPercent === null ? 'n/a' : `${fmt(r.otherPercent)} %`} |`,
  );
}
for (const r of rows) {
  if (r.otherPercent !== null && r.otherPercent > maxOtherPercent) {
    console.log(`WARNING: ${r.target} c=${r.connections}: other processes used ${fmt(r.otherPercent)} % of a core during the window; its figures are disturbed`);
  }
}

if (targets.length === TARGETS.length) {
  console.log('\n| conns | Keyward / bare | Keyward / AES | target ≥ 0.8× AES | Keyward p99 | target p99 ≤ 5 ms |');
  console.log('|---|---|---|---|---|---|');
  for (const connections of connectionCounts) {
    const get = (t: TargetName): LoadWindow => rows.find((r) => r.target === t && r.connections === connections)!.load.measured;
    const k = get('keyward');
    const toAes = opsPerSec(k) / opsPerSec(get('aes'));
    console.log(
      `| ${connections} | ${fmt(opsPerSec(k) / opsPerSec(get('bare')), 3)} | ${fmt(toAes, 3)} | ${toAes >= TARGET_RATIO_TO_AES ? 'met' : 'NOT met'} | ` +
        `${fmt(k.p99, 2)} ms | ${k.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'} |`,
    );
  }
}

const failures = allRuns.filter((r) => {
  const { warmup: w, measured: m } = r.load;
  return w.non2xx + w.errors + w.timeouts + m.non2xx + m.errors + m.timeouts > 0;
});
for (const r of failures) {
  const { warmup: w, measured: m } = r.load;
  console.error(`FAIL: ${r.target} c=${r.connections}: non-2xx ${w.non2xx + m.non2xx}, errors ${w.errors + m.errors}, timeouts ${w.timeouts + m.timeouts} (warm-up + measured)`);
}
for (const line of auditShortfalls) console.error(`FAIL: fewer audit entries than acknowledged operations: ${line}`);
if (failures.length > 0 || auditShortfalls.length > 0) process.exit(1);
