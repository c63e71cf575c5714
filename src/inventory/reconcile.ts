import { FACT_FIELDS, type InventoryItem, type ItemDraft, type ItemState, type Provider } from './inventory-item.ts';
import { laterOf } from './item-fields.ts';
import type { ReconcileStats, RunMode, StoredItem } from './inventory-records.ts';

/** An item a rejected import row named: not called gone, since the row is still in the file. */
export interface ProtectedIdentity {
  readonly name: string | null;
  readonly externalId: string | null;
}

export interface ReconcileInput {
  readonly source: string;
  readonly provider: Exclude<Provider, 'keyward'>;
  /** Every stored item of the source. */
  readonly existing: readonly StoredItem[];
  /** What this run reported (one draft per item; callers drop duplicates). */
  readonly found: readonly ItemDraft[];
  /** `full`: the run reported everything the source has, so what it did not report is gone. */
  readonly mode: RunMode;
  readonly now: string;
  /** The source's previous full run, the true last-seen time of unchanged items (see effectiveLastSeen). */
  readonly previousFullRunAt: string | null;
  readonly protect?: readonly ProtectedIdentity[];
  /** The state of a new item whose draft has none (imports: `enabled`; connectors say theirs). */
  readonly newItemState?: ItemState;
  readonly newId: () => string;
}

export interface ItemWrite {
  readonly item: InventoryItem;
  /** null: a new item. */
  readonly expectedRevision: number | null;
}

export interface ReconcileResult {
  /** Updates first, then inserts: an update may free a lookup an insert takes. */
  readonly writes: readonly ItemWrite[];
  readonly stats: ReconcileStats;
  /** A full run that could not mark anything gone, and why (a rejected row that names no item). */
  readonly goneSkipped: string | null;
}

/**
 * Matches what a run reported against what is stored. An item is the same item when it has the
 * same external id, or — when either side has none — the same name, within the source. Matched
 * items take the reported facts (a fact left unknown keeps its stored value); new ones are added;
 * gone items reported again return. A full run marks every unreported item gone (never deletes
 * it). Unchanged items are not rewritten by full runs; partial runs rewrite them to record that
 * they were seen.
 */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const byExternalId = new Map<string, StoredItem>();
  const byName = new Map<string, StoredItem[]>();
  for (const stored of input.existing) {
    if (stored.item.externalId) byExternalId.set(stored.item.externalId, stored);
    const list = byName.get(stored.item.name) ?? [];
    list.push(stored);
    byName.set(stored.item.name, list);
  }
  const matched = new Set<string>();
  const take = (stored: StoredItem | undefined): StoredItem | undefined => {
    if (!stored || matched.has(stored.item.id)) return undefined;
    matched.add(stored.item.id);
    return stored;
  };
  const findMatch = (draft: ItemDraft): StoredItem | undefined => {
    if (draft.externalId) {
      const exact = take(byExternalId.get(draft.externalId));
      if (exact) return exact;
      // A row that gained an external id is still the item it named before.
      return take((byName.get(draft.name) ?? []).find((s) => !s.item.externalId && !matched.has(s.item.id)));
    }
    const candidates = (byName.get(draft.name) ?? []).filter((s) => !matched.has(s.item.id));
    return take(candidates.find((s) => !s.item.gone) ?? candidates[0]);
  };

  const updates: ItemWrite[] = [];
  const inserts: ItemWrite[] = [];
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  let returned = 0;
  for (const draft of input.found) {
    const stored = findMatch(draft);
    if (!stored) {
      added++;
      inserts.push({ item: newItem(input, draft), expectedRevision: null });
      continue;
    }
    const merged = mergeFacts(stored.item, draft);
    const changed = stored.item.gone || !sameFacts(stored.item, merged);
    if (stored.item.gone) returned++;
    if (changed) updated++;
    else unchanged++;
    if (changed || input.mode === 'partial') {
      updates.push({ item: { ...merged, lastSeenAt: input.now, gone: false, goneAt: null }, expectedRevision: stored.revision });
    }
  }

  let gone = 0;
  const goneSkipped = input.mode === 'full' ? unidentified(input.protect ?? []) : null;
  if (input.mode === 'full' && goneSkipped === null) {
    const protectedIds = new Set<string>();
    const protectedNames = new Set<string>();
    for (const p of input.protect ?? []) {
      if (p.externalId) protectedIds.add(p.externalId);
      if (p.name) protectedNames.add(p.name);
    }
    for (const stored of input.existing) {
      const item = stored.item;
      if (matched.has(item.id) || item.gone) continue;
      if ((item.externalId && protectedIds.has(item.externalId)) || protectedNames.has(item.name)) continue;
      gone++;
      const lastSeenAt = laterOf(item.lastSeenAt, input.previousFullRunAt) ?? item.lastSeenAt;
      updates.push({ item: { ...item, gone: true, goneAt: input.now, lastSeenAt }, expectedRevision: stored.revision });
    }
  }
  return {
    writes: [...updates, ...inserts],
    stats: { found: input.found.length, added, updated, unchanged, gone, returned },
    goneSkipped,
  };
}

function unidentified(protect: readonly ProtectedIdentity[]): string | null {
  const count = protect.filter((p) => !p.name && !p.externalId).length;
  return count === 0 ? null : `${count} rejected row(s) name no item, so no item was marked gone`;
}

function newItem(input: ReconcileInput, draft: ItemDraft): InventoryItem {
  return {
    id: input.newId(),
    source: input.source,
    provider: input.provider,
    externalId: draft.externalId ?? null,
    name: draft.name,
    type: draft.type ?? 'secret',
    algorithm: draft.algorithm ?? null,
    sizeBits: draft.sizeBits ?? null,
    usage: draft.usage ?? null,
    purpose: draft.purpose ?? null,
    owner: draft.owner ?? null,
    team: draft.team ?? null,
    environment: draft.environment ?? null,
    tier: draft.tier ?? null,
    classification: draft.classification ?? null,
    location: draft.location ?? null,
    createdAt: draft.createdAt ?? null,
    lastRotatedAt: draft.lastRotatedAt ?? null,
    lastUsedAt: draft.lastUsedAt ?? null,
    expiresAt: draft.expiresAt ?? null,
    rotation: draft.rotation ?? null,
    state: draft.state ?? input.newItemState ?? 'unknown',
    fingerprint: draft.fingerprint ?? null,
    firstSeenAt: input.now,
    lastSeenAt: input.now,
    gone: false,
    goneAt: null,
    tags: draft.tags ?? {},
    attributes: draft.attributes ?? {},
  };
}

/** The stored item with every fact the draft knows replaced. */
function mergeFacts(item: InventoryItem, draft: ItemDraft): InventoryItem {
  const out: Record<string, unknown> = { ...item };
  for (const field of FACT_FIELDS) {
    const value = (draft as Partial<Record<string, unknown>>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as InventoryItem;
}

function sameFacts(a: InventoryItem, b: InventoryItem): boolean {
  return FACT_FIELDS.every((field) => canonical(a[field]) === canonical(b[field]));
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` compare equal. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
