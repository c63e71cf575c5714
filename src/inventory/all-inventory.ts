import type { KeyRecord } from '../storage/records.ts';
import type { Store } from '../storage/store.ts';
import type { InventoryItem } from './inventory-item.ts';
import { effectiveLastSeen, ITEM_KIND, listSources } from './inventory-records.ts';
import { lastCryptoUse, managedItem } from './managed-items.ts';

export interface AllInventoryOptions {
  /** The moment of reading (managed keys' `lastSeenAt`). */
  readonly now: Date;
  /** Look up each managed key's last cryptographic use in the audit log (one indexed query per key); else null. */
  readonly lastUsed?: boolean;
}

/** Rows read per page. */
const PAGE = 1000;

/**
 * Every item Keyward knows, in one shape: managed keys (computed from the keys table) first, by
 * name, then every stored item of every import and discovery, gone ones included (callers filter).
 * For the audit checks and reports; the API pages through the same data with `InventoryService.list`.
 *
 * @example
 * const items = await allInventory(store, { now: clock.now(), lastUsed: true });
 * const unowned = items.filter((i) => !i.gone && i.owner === null);
 */
export async function allInventory(store: Pick<Store, 'listKeys' | 'listDocuments' | 'queryAudit'>, options: AllInventoryOptions): Promise<InventoryItem[]> {
  const now = options.now.toISOString();
  const out: InventoryItem[] = [];
  let after: string | undefined;
  for (;;) {
    const keys: KeyRecord[] = await store.listKeys({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const key of keys) out.push(managedItem(key, now, options.lastUsed ? await lastCryptoUse(store, key.id) : null));
    const last = keys[keys.length - 1];
    if (keys.length < PAGE || !last) break;
    after = last.name;
  }
  const fullRuns = new Map((await listSources(store)).map((s) => [s.source.name, s.source.lastFullRunAt]));
  let afterId: string | undefined;
  for (;;) {
    const docs = await store.listDocuments<InventoryItem>(ITEM_KIND, { limit: PAGE, ...(afterId !== undefined ? { after: afterId } : {}) });
    for (const doc of docs) out.push(effectiveLastSeen(doc.data, fullRuns.get(doc.data.source) ?? null));
    const last = docs[docs.length - 1];
    if (docs.length < PAGE || !last) break;
    afterId = last.id;
  }
  return out;
}

export type RegistrationStatus = 'registered' | 'discovered' | 'gone';

/**
 * Whether someone has taken each item into the inventory, for "unmanaged key" checks:
 * - `gone`: no longer reported by its source;
 * - `registered`: a managed key, a row of an import (someone wrote it down), or a discovered key
 *   that such a row names (same external id) or that carries an owner at its source;
 * - `discovered`: found by a connector and claimed by nobody.
 */
export function registrationStatus(items: readonly InventoryItem[]): Map<string, RegistrationStatus> {
  const importedIds = new Set(items.filter((i) => i.provider === 'import' && !i.gone && i.externalId).map((i) => i.externalId as string));
  const out = new Map<string, RegistrationStatus>();
  for (const item of items) {
    if (item.gone) out.set(item.id, 'gone');
    else if (item.provider === 'keyward' || item.provider === 'import') out.set(item.id, 'registered');
    else out.set(item.id, (item.externalId && importedIds.has(item.externalId)) || item.owner !== null ? 'registered' : 'discovered');
  }
  return out;
}
