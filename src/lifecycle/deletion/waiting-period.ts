import { KeywardError } from '../../core/errors.ts';
import type { WaitingPeriodRange } from './deletion-policy.ts';

/**
 * The waiting period between scheduling a deletion and destroying the key: at least 7 days, so a
 * mistaken or malicious request can be noticed and cancelled; at most 30, so a deletion someone
 * asked for does happen. 30 by default (as AWS KMS). A policy may narrow the range, not widen it.
 */
export const WAITING_PERIOD = { minDays: 7, maxDays: 30, defaultDays: 30 } as const;

/** The range that applies: the built-in one, narrowed by a policy's (whose default, if any, replaces 30). */
export function waitingPeriodRange(policy: WaitingPeriodRange | null): Required<WaitingPeriodRange> {
  if (policy === null) return { ...WAITING_PERIOD };
  const whole = [policy.minDays, policy.maxDays, policy.defaultDays ?? 0].every(Number.isInteger);
  if (!whole) throw new KeywardError('internal', 'the deletion policy gave a waiting period that is not whole days');
  const range = { minDays: Math.max(WAITING_PERIOD.minDays, policy.minDays), maxDays: Math.min(WAITING_PERIOD.maxDays, policy.maxDays), defaultDays: policy.defaultDays ?? WAITING_PERIOD.defaultDays };
  if (range.minDays > range.maxDays) {
    throw new KeywardError('validation_failed', `the deletion policy allows a waiting period of ${policy.minDays}–${policy.maxDays} days, which leaves nothing within ${WAITING_PERIOD.minDays}–${WAITING_PERIOD.maxDays}; fix the policy`, {
      field: 'waitingPeriodDays',
    });
  }
  return range;
}

/** The waiting period for a request: the one asked for, which must be in range, or the default (clamped to the range). */
export function resolveWaitingPeriod(requested: number | undefined, range: Required<WaitingPeriodRange>): number {
  if (requested === undefined) return Math.min(Math.max(range.defaultDays, range.minDays), range.maxDays);
  if (!Number.isInteger(requested) || requested < range.minDays || requested > range.maxDays) {
    throw new KeywardError('validation_failed', `the waiting period must be whole days from ${range.minDays} to ${range.maxDays}`, {
      field: 'waitingPeriodDays',
      min: range.minDays,
      max: range.maxDays,
    });
  }
  return requested;
}
