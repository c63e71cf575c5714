/**
 * The load generator for bench/server-encrypt.ts, in its own process so it never shares an event
 * loop with a server under test. It gets a `LoadPlan` over IPC, runs autocannon for the warm-up,
 * tells the parent it is about to measure, waits for `{ type: 'go' }` (the parent snapshots the
 * server's counters), runs the measured window and sends back a `LoadResult`.
 *
 * Latency percentiles are computed here from every response's own time (float ms): autocannon's
 * histogram keeps whole milliseconds, too coarse for a 5 ms target.
 */
import autocannon from 'autocannon';

export interface LoadPlan {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface LoadWindow {
  readonly seconds: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Milliseconds: p50, p99, max over every response in the window. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  readonly warmup: LoadWindow;
  readonly measured: LoadWindow;
  /** This process's CPU time (user + system) during the measured window. */
  readonly measuredCpuMicros: number;
}

function load(plan: LoadPlan, seconds: number): Promise<LoadWindow> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: plan.url,
        method: 'POST',
        headers: plan.headers,
        body: plan.body,
        connections: plan.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
      },
      (err, result) => {
        const elapsed = (performance.now() - started) / 1000;
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        latencies.sort((a, b) => a - b);
        const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
        resolve({
          seconds: elapsed,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          p50: pct(0.5),
          p99: pct(0.99),
          max: latencies[latencies.length - 1] ?? Number.NaN,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

function nextMessage(type: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (message: { type?: string }): void => {
      if (message.type !== type) return;
      process.off('message', on);
      resolve();
    };
    process.on('message', on);
  });
}

// If the bench dies, its IPC channel closes: stop loading a server nobody is measuring.
process.on('disconnect', () => process.exit(0));
const plan = await new Promise<LoadPlan>((resolve) => process.once('message', (m) => resolve((m as { plan: LoadPlan }).plan)));
const warmup = plan.warmupSeconds > 0 ? await load(plan, plan.warmupSeconds) : { seconds: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
const go = nextMessage('go');
process.send?.({ type: 'ready' });
await go;
const cpu = process.cpuUsage();
const measured = await load(plan, plan.durationSeconds);
const cpuDelta = process.cpuUsage(cpu);
const result: LoadResult = { warmup, measured, measuredCpuMicros: cpuDelta.user + cpuDelta.system };
process.send?.({ type: 'result', result }, () => process.exit(0));
