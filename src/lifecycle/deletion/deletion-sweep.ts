import { toKeywardError, type KeywardError } from '../../core/errors.ts';
import type { DocumentRecord } from '../../storage/records.ts';
import type { Store } from '../../storage/store.ts';
import { deletionDue, KEY_DELETION_KIND, type DeletionRefusal, type KeyDeletion } from './key-deletion.ts';

/** Deletion records read per page. */
const PAGE = 500;

export interface DeletionSweepDeps {
  readonly store: Pick<Store, 'listDocuments' | 'getKey'>;
  readonly now: () => Date;
  /** Destroys the key of a due deletion, or throws why not (audited by the caller either way). */
  destroy(deletion: DocumentRecord<KeyDeletion>): Promise<void>;
  /** Remembers on the record why the deletion was refused, so the next rounds do not repeat it. */
  recordRefusal(deletion: DocumentRecord<KeyDeletion>, refusal: DeletionRefusal): Promise<void>;
  /** False once this node should stop leading. */
  active(): boolean;
}

export interface DeletionSweepReport {
  /** Names of the keys destroyed. */
  readonly destroyed: string[];
  /** Names of due keys not destroyed, with the code (retention_active…). */
  readonly refused: { readonly key: string; readonly code: string }[];
  /** Due deletions left alone because their last refusal still holds. */
  waiting: number;
}

/**
 * Refusals that will hold until the key changes or a retention end passes; anything else (sealed,
 * storage trouble) is tried again next round.
 */
const LASTING_REFUSALS: ReadonlySet<string> = new Set(['retention_active', 'key_state_invalid', 'key_not_found']);

/**
 * One pass over the deletion records: destroys every key whose waiting period is over. A refusal
 * (a retention hold, a key in an unexpected state) is audited once and then left alone until the
 * key changes or the retention end it named has passed.
 */
export async function sweepDeletions(deps: DeletionSweepDeps): Promise<DeletionSweepReport> {
  const report: DeletionSweepReport = { destroyed: [], refused: [], waiting: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.listDocuments<KeyDeletion>(KEY_DELETION_KIND, { limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const doc of page) {
      if (!deps.active()) return report;
      const now = deps.now();
      if (!deletionDue(doc.data, now)) continue;
      const key = await deps.store.getKey(doc.data.keyId);
      const revision = key?.revision ?? 0;
      if (stillRefused(doc.data.lastRefusal, revision, now)) {
        report.waiting++;
        continue;
      }
      try {
        await deps.destroy(doc);
        report.destroyed.push(doc.data.keyName);
      } catch (err) {
        const e = toKeywardError(err);
        if (e.code === 'conflict') continue; // another runner got there first
        report.refused.push({ key: doc.data.keyName, code: e.code });
        // If this write fails, the refusal is simply audited again next round.
        if (LASTING_REFUSALS.has(e.code)) await deps.recordRefusal(doc, refusalOf(e, now, revision)).catch(() => undefined);
      }
    }
    if (page.length < PAGE) return report;
    after = page[page.length - 1]?.id;
  }
}

function stillRefused(refusal: DeletionRefusal | null, keyRevision: number, now: Date): boolean {
  if (refusal === null || refusal.keyRevision !== keyRevision) return false;
  return refusal.retainedUntil === null || Date.parse(refusal.retainedUntil) > now.getTime();
}

function refusalOf(e: KeywardError, now: Date, keyRevision: number): DeletionRefusal {
  const until = e.details['retainedUntil'];
  return { code: e.code, message: e.message, at: now.toISOString(), retainedUntil: typeof until === 'string' ? until : null, keyRevision };
}
