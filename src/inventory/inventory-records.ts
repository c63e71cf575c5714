import { createHash } from 'node:crypto';
import type { DocumentRecord, DocumentWrite } from '../storage/records.ts';
import type { Store } from '../storage/store.ts';
import type { InventoryItem, Provider } from './inventory-item.ts';
import { laterOf } from './item-fields.ts';

/** Document kinds (see storage/records.ts): items are `ref`-indexed by source; sources are looked up by name. */
export const ITEM_KIND = 'inventory-item';
export const SOURCE_KIND = 'inventory-source';

/** Documents read per page when a whole source is loaded. */
const PAGE = 1000;

/** What one stored item is: the item and the revision a writer must name to change it. */
export interface StoredItem {
  readonly item: InventoryItem;
  readonly revision: number;
}

export const RUN_KINDS = ['import', 'discovery'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export type RunMode = 'full' | 'partial';

export interface ReconcileStats {
  /** Items the import or discovery reported. */
  readonly found: number;
  readonly added: number;
  /** Known items whose facts changed (returning items included). */
  readonly updated: number;
  readonly unchanged: number;
  /** Items newly marked gone by this run. */
  readonly gone: number;
  /** Gone items reported again. */
  readonly returned: number;
}

/** The last import or discovery of a source: when, by whom, what it found. */
export interface RunSummary {
  readonly at: string;
  readonly kind: RunKind;
  readonly mode: RunMode;
  readonly actor: string;
  readonly stats: ReconcileStats;
  /** Rejected rows (imports) or per-item problems (discoveries). */
  readonly problems: number;
}

/**
 * A source of external items. Its configuration holds no secret (endpoint, region, mount…):
 * credentials are given at each run and never kept.
 */
export interface InventorySource {
  readonly name: string;
  readonly provider: Exclude<Provider, 'keyward'>;
  readonly config: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly lastRun: RunSummary | null;
  /** The last full run: every item not gone was seen then (see `effectiveLastSeen`). */
  readonly lastFullRunAt: string | null;
  /** Items stored, and how many of them are gone. */
  readonly items: number;
  readonly goneItems: number;
}

export interface StoredSource {
  readonly id: string;
  readonly source: InventorySource;
  readonly revision: number;
}

/**
 * The unique lookup of an item within its kind: by external id when it has one, else by name,
 * both scoped to the source. Hashed, so any provider id fits the index and no NUL reaches SQL.
 */
export function itemLookup(source: string, item: { readonly externalId?: string | null; readonly name: string }): string {
  const [tag, value] = item.externalId ? ['x', item.externalId] : ['n', item.name];
  return `${tag}:${createHash('sha256').update(`${source}\n${value}`, 'utf8').digest('hex')}`;
}

export function itemDocument(item: InventoryItem, updatedAt: string): DocumentWrite<InventoryItem> {
  return { kind: ITEM_KIND, id: item.id, lookup: itemLookup(item.source, item), ref: item.source, data: item, updatedAt };
}

/** Every stored item of a source, in id order. */
export async function loadSourceItems(store: Pick<Store, 'listDocuments'>, source: string): Promise<StoredItem[]> {
  const out: StoredItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listDocuments<InventoryItem>(ITEM_KIND, { ref: source, limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const doc of page) out.push({ item: doc.data, revision: doc.revision });
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) return out;
    after = last.id;
  }
}

export async function findSource(store: Pick<Store, 'findDocument'>, name: string): Promise<StoredSource | null> {
  const doc = await store.findDocument<InventorySource>(SOURCE_KIND, name);
  return doc ? storedSource(doc) : null;
}

/** Every source, by id. Sources are few (one per account, vault, spreadsheet). */
export async function listSources(store: Pick<Store, 'listDocuments'>): Promise<StoredSource[]> {
  const out: StoredSource[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listDocuments<InventorySource>(SOURCE_KIND, { limit: PAGE, ...(after !== undefined ? { after } : {}) });
    out.push(...page.map(storedSource));
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) return out;
    after = last.id;
  }
}

function storedSource(doc: DocumentRecord<InventorySource>): StoredSource {
  return { id: doc.id, source: doc.data, revision: doc.revision };
}

/**
 * An item as readers see it. Unchanged items are not rewritten by each full run (that would
 * rewrite a whole cloud account every time); since every item a full run did not see is marked
 * gone, an item that is not gone was seen by its source's last full run.
 */
export function effectiveLastSeen(item: InventoryItem, lastFullRunAt: string | null): InventoryItem {
  if (item.gone) return item;
  const lastSeenAt = laterOf(item.lastSeenAt, lastFullRunAt) ?? item.lastSeenAt;
  return lastSeenAt === item.lastSeenAt ? item : { ...item, lastSeenAt };
}
