import { KeywardError } from '../core/errors.ts';
import { ENVIRONMENTS, type Environment, type KeyRecord } from '../storage/records.ts';
import type { Store } from '../storage/store.ts';
import { ITEM_TYPES, type InventoryItem, type ItemType } from './inventory-item.ts';
import { effectiveLastSeen, ITEM_KIND, listSources } from './inventory-records.ts';
import { normalizeEnvironment } from './item-fields.ts';
import { lastCryptoUse, managedItem, managedItemType } from './managed-items.ts';
import { KEYWARD_SOURCE, providerOf } from './source-name.ts';

export const MAX_INVENTORY_PAGE = 1000;

export interface InventoryFilter {
  readonly source?: string;
  readonly type?: string;
  /** Folded like stored environments (`production` finds `prod`). */
  readonly environment?: string;
  readonly owner?: string;
  /** true: only gone items; false: only present ones; absent: both. */
  readonly gone?: boolean;
  /** The `next` of the previous page. */
  readonly after?: string;
  readonly limit?: number;
}

export interface InventoryPage {
  readonly items: InventoryItem[];
  readonly next: string | null;
}

/** Rows read per round while filling a page. */
const SCAN = 500;

/**
 * One page of the inventory: managed keys first (by name), then stored items (by id). `next` is an
 * opaque cursor (`k.<name>` or `d.<id>`). Source, owner and environment narrow what is read for
 * managed keys; filters on stored items other than the source are applied while scanning, so a
 * narrow filter over a large inventory reads more rows than it returns. Managed keys' last use
 * comes from the audit log, one indexed query per key on the page.
 */
export async function queryInventory(store: Pick<Store, 'listKeys' | 'listDocuments' | 'queryAudit'>, filter: InventoryFilter, now: Date): Promise<InventoryPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_INVENTORY_PAGE);
  const type = checkType(filter.type);
  const source = filter.source;
  if (source !== undefined) providerOf(source);
  const environment = filter.environment === undefined ? undefined : (normalizeEnvironment(filter.environment) ?? '');
  const cursor = parseCursor(filter.after);
  const wanted = (item: Pick<InventoryItem, 'type' | 'environment' | 'owner' | 'gone'>): boolean =>
    (type === undefined || item.type === type) &&
    (environment === undefined || item.environment === environment) &&
    (filter.owner === undefined || item.owner === filter.owner) &&
    (filter.gone === undefined || item.gone === filter.gone);

  const managed: KeyRecord[] = [];
  const stored: InventoryItem[] = [];
  const full = (): boolean => managed.length + stored.length > limit;
  const managedWanted = (source === undefined || source === KEYWARD_SOURCE) && filter.gone !== true && (environment === undefined || (ENVIRONMENTS as readonly string[]).includes(environment));
  if (managedWanted && cursor.phase === 'k') {
    let after = cursor.at ?? undefined;
    while (!full()) {
      const keys = await store.listKeys({
        limit: SCAN,
        ...(after !== undefined ? { after } : {}),
        ...(environment !== undefined ? { environment: environment as Environment } : {}),
        ...(filter.owner !== undefined ? { owner: filter.owner } : {}),
      });
      for (const key of keys) {
        if (full()) break;
        if (type === undefined || managedItemType(key) === type) managed.push(key);
      }
      const last = keys[keys.length - 1];
      if (keys.length < SCAN || !last) break;
      after = last.name;
    }
  }
  if (!full() && source !== KEYWARD_SOURCE) {
    let after = cursor.phase === 'd' ? (cursor.at ?? undefined) : undefined;
    while (!full()) {
      const docs = await store.listDocuments<InventoryItem>(ITEM_KIND, { limit: SCAN, ...(source !== undefined ? { ref: source } : {}), ...(after !== undefined ? { after } : {}) });
      for (const doc of docs) {
        if (full()) break;
        if (wanted(doc.data)) stored.push(doc.data);
      }
      const last = docs[docs.length - 1];
      if (docs.length < SCAN || !last) break;
      after = last.id;
    }
  }
  const more = full();
  const pageManaged = managed.slice(0, limit);
  const pageStored = stored.slice(0, limit - pageManaged.length);
  const at = now.toISOString();
  const items: InventoryItem[] = [];
  for (const key of pageManaged) items.push(managedItem(key, at, await lastCryptoUse(store, key.id)));
  if (pageStored.length > 0) {
    const fullRuns = new Map((await listSources(store)).map((s) => [s.source.name, s.source.lastFullRunAt]));
    for (const item of pageStored) items.push(effectiveLastSeen(item, fullRuns.get(item.source) ?? null));
  }
  const lastStored = pageStored[pageStored.length - 1];
  const lastManaged = pageManaged[pageManaged.length - 1];
  const next = !more ? null : lastStored ? `d.${lastStored.id}` : lastManaged ? `k.${lastManaged.name}` : null;
  return { items, next };
}

function checkType(type: string | undefined): ItemType | undefined {
  if (type === undefined) return undefined;
  if (!(ITEM_TYPES as readonly string[]).includes(type)) throw new KeywardError('validation_failed', `type must be one of ${ITEM_TYPES.join(', ')}`, { field: 'type' });
  return type as ItemType;
}

function parseCursor(after: string | undefined): { phase: 'k' | 'd'; at: string | null } {
  if (after === undefined || after === '') return { phase: 'k', at: null };
  const m = /^([kd])\.(.+)$/s.exec(after);
  if (!m) throw new KeywardError('validation_failed', 'after must be the `next` of a previous page', { field: 'after' });
  return { phase: m[1] as 'k' | 'd', at: m[2] as string };
}
