import { toKeywardError } from '../../core/errors.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { Store } from '../../storage/store.ts';
import { KEY_DELETION_KIND, scheduledDeletionLookup } from '../deletion/key-deletion.ts';
import { rotationBlocker, rotationDue, rotationDueAt, type RotationBlocker } from './rotation-schedule.ts';

/** Keys read per page while looking for due ones. */
const PAGE = 500;

export interface RotationSweepDeps {
  readonly store: Pick<Store, 'listKeys' | 'findDocument'>;
  readonly now: () => Date;
  /** Rotates the key as read; the write must refuse (`conflict`) if the key changed since. Audited by the caller. */
  rotate(key: KeyRecord, dueAt: Date): Promise<void>;
  /** Audits that a due key was not rotated, and why; rejects with the blocker's code once audited. */
  refuse(key: KeyRecord, blocker: RotationBlocker): Promise<unknown>;
  /** False once this node should stop (no longer the scheduler leader): the sweep ends after the current key. */
  active(): boolean;
}

export interface RotationSweepReport {
  /** Keys with a rotation period that were looked at. */
  examined: number;
  /** Names of the keys rotated. */
  readonly rotated: string[];
  /** Names of due keys another runner rotated first (`conflict`). */
  readonly conflicts: string[];
  /** Names of due keys that cannot be rotated by the scheduler (state, imported material, deletion scheduled). */
  readonly refused: string[];
  /** Names and codes of rotations that failed (audited). */
  readonly failed: { readonly key: string; readonly code: string }[];
}

/**
 * One pass over every key with a rotation period: rotates the due ones. A due key the scheduler
 * must not rotate is refused (audited) once per key revision — `refusedMemo` remembers, for this
 * leader term, what was already said — instead of once per round.
 */
export async function sweepRotations(deps: RotationSweepDeps, refusedMemo: Map<string, string>): Promise<RotationSweepReport> {
  const report: RotationSweepReport = { examined: 0, rotated: [], conflicts: [], refused: [], failed: [] };
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.listKeys({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const key of page) {
      if (!deps.active()) return report;
      if (key.rotationPeriodDays === null || key.state === 'destroyed') continue;
      report.examined++;
      const now = deps.now();
      if (!rotationDue(key, now)) continue;
      const blocker = rotationBlocker(key) ?? (await heldForDeletion(deps, key));
      if (blocker) {
        const said = `${key.revision}:${blocker.code}`;
        if (refusedMemo.get(key.id) === said) continue;
        report.refused.push(key.name);
        // `refuse` rejects with the blocker's own code once the refusal is audited; any other failure
        // (the audit log unreachable, say) leaves it to be said again next round.
        const audited = await deps.refuse(key, blocker).then(
          () => true,
          (err: unknown) => toKeywardError(err).code === blocker.code,
        );
        if (audited) refusedMemo.set(key.id, said);
        continue;
      }
      try {
        await deps.rotate(key, rotationDueAt(key) as Date);
        report.rotated.push(key.name);
      } catch (err) {
        const code = toKeywardError(err).code;
        if (code === 'conflict') report.conflicts.push(key.name);
        else report.failed.push({ key: key.name, code });
      }
    }
    if (page.length < PAGE) return report;
    after = page[page.length - 1]?.name;
  }
}

async function heldForDeletion(deps: RotationSweepDeps, key: KeyRecord): Promise<RotationBlocker | null> {
  if (key.state !== 'suspended') return null;
  const scheduled = await deps.store.findDocument(KEY_DELETION_KIND, scheduledDeletionLookup(key.id));
  return scheduled ? { code: 'key_state_invalid', message: `key "${key.name}" is due for rotation but is held for deletion` } : null;
}
