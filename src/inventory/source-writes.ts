import type { StoreTx } from '../storage/store.ts';
import type { Provider } from './inventory-item.ts';
import { itemDocument, SOURCE_KIND, type InventorySource, type RunSummary, type StoredItem, type StoredSource } from './inventory-records.ts';
import type { ReconcileResult } from './reconcile.ts';

export interface RunRecord {
  readonly source: string;
  readonly provider: Exclude<Provider, 'keyward'>;
  readonly config: Readonly<Record<string, string>>;
  readonly stored: StoredSource | null;
  readonly existing: readonly StoredItem[];
  readonly result: ReconcileResult;
  readonly run: RunSummary;
  /** For a new source document. */
  readonly newSourceId: () => string;
}

/**
 * Writes one run in the caller's transaction: the items it changed (each against the revision it
 * was read at, so a concurrent run of the same source fails with `conflict` instead of losing
 * writes) and the source with its last run and counts.
 */
export async function writeRun(tx: StoreTx, record: RunRecord): Promise<void> {
  const at = record.run.at;
  for (const write of record.result.writes) await tx.putDocument(itemDocument(write.item, at), write.expectedRevision);
  const goneBefore = record.existing.filter((s) => s.item.gone).length;
  const { stats } = record.result;
  const fullRun = record.run.mode === 'full' && record.result.goneSkipped === null;
  const previous = record.stored?.source;
  const source: InventorySource = {
    name: record.source,
    provider: record.provider,
    config: record.config,
    createdAt: previous?.createdAt ?? at,
    lastRun: record.run,
    lastFullRunAt: fullRun ? at : (previous?.lastFullRunAt ?? null),
    items: record.existing.length + stats.added,
    goneItems: goneBefore - stats.returned + stats.gone,
  };
  await tx.putDocument({ kind: SOURCE_KIND, id: record.stored?.id ?? record.newSourceId(), lookup: record.source, data: source, updatedAt: at }, record.stored?.revision ?? null);
}
