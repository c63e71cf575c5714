import { setTimeout as sleep } from 'node:timers/promises';
import type { Static } from '@sinclair/typebox';
import type { AuditPage } from '../server/schemas/audit.ts';
import { MAX_AUDIT_PAGE } from '../engine/audit-service.ts';
import type { Entry } from './audit-format.ts';
import type { KeywardClient } from './http-client.ts';

type Page = Static<typeof AuditPage>;

/**
 * The newest `count` entries, oldest first: read newest-first pages (order=desc) until enough are
 * found. Every read is itself audited, so this command's own `audit.query` entries are recognised
 * by `isOwn` and left out.
 */
export async function lastEntries(client: KeywardClient, count: number, isOwn: (e: Entry) => boolean): Promise<{ entries: Entry[]; lastSeq: number }> {
  const newestFirst: Entry[] = [];
  let head = 0;
  for (let before: number | null = null; ; ) {
    const page: Page = await client.get<Page>('/v1/audit', { order: 'desc', limit: Math.min(MAX_AUDIT_PAGE, count + 10), ...(before !== null ? { before } : {}) });
    if (before === null) head = page.head;
    newestFirst.push(...page.entries.filter((e) => !isOwn(e)));
    if (newestFirst.length >= count || page.next === null) break;
    before = page.next;
  }
  return { entries: newestFirst.slice(0, count).reverse(), lastSeq: head };
}

export interface FollowOptions {
  /** Print entries after this sequence number. */
  readonly after: number;
  readonly intervalMs: number;
  readonly isOwn: (e: Entry) => boolean;
  readonly onEntry: (e: Entry) => void;
  /** Aborted on Ctrl-C: following stops quietly. */
  readonly signal: AbortSignal;
}

/** Polls for entries after the last one seen until the signal is aborted. */
export async function follow(client: KeywardClient, options: FollowOptions): Promise<void> {
  let after = options.after;
  while (!options.signal.aborted) {
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal });
    } catch {
      return; // aborted while waiting
    }
    for (;;) {
      const page = await readPage(client, after, MAX_AUDIT_PAGE);
      for (const e of page.entries) if (!options.isOwn(e)) options.onEntry(e);
      after = page.entries[page.entries.length - 1]?.seq ?? after;
      if (page.next === null) break;
    }
  }
}

function readPage(client: KeywardClient, after: number, limit: number): Promise<Page> {
  return client.get<Page>('/v1/audit', { after, limit });
}
