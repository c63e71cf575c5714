import type { KeyRecord } from '../../storage/records.ts';

/** A range of whole days a deletion's waiting period may take. */
export interface WaitingPeriodRange {
  readonly minDays: number;
  readonly maxDays: number;
  /** Used when the request names none (clamped to the range); 30 when absent. */
  readonly defaultDays?: number;
}

/**
 * What a compliance policy may say about deleting keys. Both hooks are optional; the engine takes
 * one `DeletionPolicy` (EngineOptions.deletionPolicy) and asks it each time, so a policy loaded or
 * changed at run time applies to the next request. A hook that throws fails the operation (a
 * deletion is never carried out on a policy that could not be read).
 */
export interface DeletionPolicy {
  /**
   * When the key's retention period ends (destruction is refused before it), or null when the
   * policy sets none. Combined with the key's `retain-until` tag: the later one wins.
   */
  retentionEnd?(key: KeyRecord): Date | null | Promise<Date | null>;
  /** A narrower waiting-period range for this key (intersected with 7–30 days), or null. */
  waitingPeriod?(key: KeyRecord): WaitingPeriodRange | null | Promise<WaitingPeriodRange | null>;
}
