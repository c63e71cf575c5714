import { KeywardError } from '../../core/errors.ts';
import type { DocumentRecord } from '../../storage/records.ts';
import type { Store } from '../../storage/store.ts';

/** Reads a document of a kind, or throws `not_found` naming what was looked for. */
export async function mustGet<T>(store: Store, kind: string, id: string, what: string): Promise<DocumentRecord<T>> {
  const doc = await store.getDocument<T>(kind, id);
  if (!doc) throw new KeywardError('not_found', `no ${what} "${id.slice(0, 80)}"`);
  return doc;
}

/** Reads a document by its lookup name, or throws `not_found`. */
export async function mustFind<T>(store: Store, kind: string, lookup: string, what: string): Promise<DocumentRecord<T>> {
  const doc = await store.findDocument<T>(kind, lookup);
  if (!doc) throw new KeywardError('not_found', `no ${what} "${lookup.slice(0, 80)}"`);
  return doc;
}

/** A page of documents of a kind, newest ids last, with the cursor for the next page. */
export async function page<T>(store: Store, kind: string, options: { after?: string; limit?: number; ref?: string }): Promise<{ items: T[]; next: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const rows = await store.listDocuments<T>(kind, { limit: limit + 1, ...(options.after !== undefined ? { after: options.after } : {}), ...(options.ref !== undefined ? { ref: options.ref } : {}) });
  const items = rows.slice(0, limit);
  return { items: items.map((r) => r.data), next: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}
