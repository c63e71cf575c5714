/**
 * In-process encrypt of 100-byte payloads through the engine (authorize, key lookup, AES-256-GCM,
 * durable audit append) against raw node:crypto AES-256-GCM in the same run.
 *   npx tsx bench/engine-encrypt.ts [seconds-per-case]
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Engine } from '../src/engine.ts';
import type { CallContext } from '../src/auth/principal.ts';

const seconds = Number(process.argv[2] ?? 3);
const payload = randomBytes(100);

function rawAesGcm(): number {
  const key = randomBytes(32);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
      c.update(payload);
      c.final();
      c.getAuthTag();
    }
    n += 1000;
  }
  return n / seconds;
}

async function engineEncrypt(engine: Engine, ctx: CallContext, inFlight: number): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      await engine.crypto.encrypt(ctx, { key: 'bench', plaintext: payload });
      latencies.push(performance.now() - t);
      n++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { opsPerSec: n / elapsed, p50: pct(0.5), p99: pct(0.99) };
}

const { engine, dir } = await Engine.openDev();
const ctx: CallContext = { principal: { type: 'root', actor: 'root:bench', permissions: ['*'] }, source: 'bench' };
await engine.keys.create(ctx, { name: 'bench', spec: 'AES_256_GCM' });
await engine.crypto.encrypt(ctx, { key: 'bench', plaintext: payload }); // warm caches

const raw = rawAesGcm();
console.log(`raw node:crypto AES-256-GCM (100 B): ${raw.toFixed(0)} ops/s`);
for (const inFlight of [1, 16, 256]) {
  const r = await engineEncrypt(engine, ctx, inFlight);
  console.log(
    `engine encrypt, ${String(inFlight).padStart(3)} in flight: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ratio to raw ${(r.opsPerSec / raw).toFixed(3)}`,
  );
}
await engine.close();
rmSync(dir, { recursive: true, force: true });
