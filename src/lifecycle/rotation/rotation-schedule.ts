import { allows } from '../../keys/key-states.ts';
import type { KeyRecord } from '../../storage/records.ts';

const DAY_MS = 86_400_000;

/**
 * When the key's current version reaches the end of its rotation period: the last rotation (or the
 * key's creation) plus `rotationPeriodDays`. Null for a key without a period, or destroyed.
 */
export function rotationDueAt(key: KeyRecord): Date | null {
  if (key.rotationPeriodDays === null || key.state === 'destroyed') return null;
  const since = Date.parse(key.lastRotatedAt ?? key.createdAt);
  return new Date(since + key.rotationPeriodDays * DAY_MS);
}

export function rotationDue(key: KeyRecord, now: Date): boolean {
  const due = rotationDueAt(key);
  return due !== null && due.getTime() <= now.getTime();
}

/** Why the scheduler will not rotate a due key itself; people must act. */
export interface RotationBlocker {
  readonly code: 'key_state_invalid' | 'validation_failed';
  readonly message: string;
}

/**
 * What stops the scheduler from rotating a due key: a state that does not rotate (pre-activation,
 * deactivated, compromised) or imported material (only its owner can bring the next version).
 * A key held for deletion is told apart by the caller (it needs a store read).
 */
export function rotationBlocker(key: KeyRecord): RotationBlocker | null {
  if (!allows(key.state, 'rotate')) {
    return { code: 'key_state_invalid', message: `key "${key.name}" is due for rotation but is ${key.state}, which cannot rotate` };
  }
  if (key.origin === 'imported') {
    return { code: 'validation_failed', message: `key "${key.name}" is due for rotation but holds imported material; rotate it by importing new material` };
  }
  return null;
}
