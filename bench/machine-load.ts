/**
 * How busy the whole machine is, from /proc/stat (Linux; null elsewhere). Benchmarks on a shared
 * machine use it to report, wait out, or discard windows in which other processes took CPU.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux we run on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time all cores have spent running processes since boot, in µs: user, nice, system and steal
 * (another VM on the host). Interrupt time (irq, softirq) is left out: during a loopback benchmark
 * it is mostly the benchmark's own network and disk completions (with Keyward's fsyncs, ~14 % of a
 * core here), which would otherwise be blamed on other processes.
 */
export function machineBusyMicros(): number | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
  return ((user + nice + system + steal) * 1e6) / TICKS_PER_SECOND;
}

/**
 * Waits until the machine stays below `maxPercent` of one core for a 2 s sample (the caller's own
 * processes idle meanwhile), or `timeoutSeconds` pass. Returns the last sample's percentage, or
 * null where /proc/stat does not exist.
 */
export async function waitForQuiet(options: { maxPercent: number; timeoutSeconds: number }): Promise<number | null> {
  const deadline = performance.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const before = machineBusyMicros();
    await sleep(2000);
    const after = machineBusyMicros();
    if (before === null || after === null) return null;
    const percent = (after - before) / 2e4;
    if (percent <= options.maxPercent || performance.now() >= deadline) return percent;
  }
}
