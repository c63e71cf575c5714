import type { KeyState } from '../../storage/records.ts';

/** The document kind of deletion records. */
export const KEY_DELETION_KIND = 'key-deletion';

export const DELETION_STATUSES = ['scheduled', 'cancelled', 'destroyed'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

/** Why the deletion job last declined to destroy a due key; kept so it is audited once, not every round. */
export interface DeletionRefusal {
  readonly code: string;
  readonly message: string;
  readonly at: string;
  /** The retention end that held it (null: unknown, or not a retention hold). */
  readonly retainedUntil: string | null;
  /** The key revision it was decided on: a change to the key (its tags) earns a fresh attempt. */
  readonly keyRevision: number;
}

/**
 * A scheduled deletion of a key, and afterwards the record of how it ended. Kept for good: with
 * the key's metadata and the audit log it is the destruction record (who asked, who authorised,
 * when the material was erased).
 */
export interface KeyDeletion {
  readonly id: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly status: DeletionStatus;
  readonly scheduledAt: string;
  readonly waitingPeriodDays: number;
  /** Not destroyed before this time. */
  readonly deleteAfter: string;
  /** The state the key was in, restored on cancel. */
  readonly previousState: KeyState;
  readonly requestedBy: string;
  readonly reason: string | null;
  /** The approval request that allowed scheduling, when one was needed. */
  readonly approvalId: string | null;
  /** Everyone who authorised the destruction: the requester, then any approvers. */
  readonly authorisedBy: readonly string[];
  readonly cancelledAt: string | null;
  readonly cancelledBy: string | null;
  readonly cancelReason: string | null;
  readonly destroyedAt: string | null;
  readonly destroyedBy: string | null;
  readonly lastRefusal: DeletionRefusal | null;
}

/**
 * The `lookup` of a scheduled deletion: unique per kind, so a key has at most one deletion
 * scheduled, even when two requests race. Cleared once the deletion is cancelled or carried out.
 */
export function scheduledDeletionLookup(keyId: string): string {
  return `scheduled:${keyId}`;
}

/** Whether a scheduled deletion's waiting period is over at `now`. */
export function deletionDue(deletion: KeyDeletion, now: Date): boolean {
  return deletion.status === 'scheduled' && Date.parse(deletion.deleteAfter) <= now.getTime();
}
