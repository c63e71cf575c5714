/**
 * When a failed webhook delivery is tried again: after attempt n fails, wait RETRY_DELAYS_MS[n-1]
 * (±20 % jitter, so deliveries that failed together during an outage do not all retry in the same
 * second). Eight attempts over about ten hours ride out a receiver's deploy or a night-long outage;
 * after the last one the delivery is `failed` and stays in the delivery log.
 */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Jitter as a fraction of the delay, either way. */
export const RETRY_JITTER = 0.2;

/**
 * Milliseconds to wait before the next attempt after `attempts` have failed, or null when none is
 * left. `random` is in [0, 1) (Math.random by default).
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  if (attempts < 1 || attempts >= MAX_ATTEMPTS) return null;
  const base = RETRY_DELAYS_MS[attempts - 1] as number;
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
}
