import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { CallContext } from '../auth/principal.ts';
import { CONNECTOR_KINDS, type ConnectorKind, type InventoryItem, type ItemDraft, type ItemState } from '../inventory/inventory-item.ts';
import { effectiveLastSeen, findSource, ITEM_KIND, listSources, loadSourceItems, SOURCE_KIND, type InventorySource, type ReconcileStats, type RunMode } from '../inventory/inventory-records.ts';
import { queryInventory, type InventoryFilter, type InventoryPage } from '../inventory/inventory-query.ts';
import { lastCryptoUse, managedItem } from '../inventory/managed-items.ts';
import { reconcile } from '../inventory/reconcile.ts';
import { importSource, providerOf } from '../inventory/source-name.ts';
import { writeRun } from '../inventory/source-writes.ts';
import { MAX_REPORTED_ERRORS, type ImportFormat } from '../inventory/import/import-limits.ts';
import { parseImport, type RowRejection } from '../inventory/import/parse-import.ts';
import type { DateOrder } from '../inventory/import/cell-values.ts';
import type { ConnectorConfig, ConnectorCredentials, DiscoveryProgress, Fetch } from '../inventory/connectors/connector.ts';
import { CONNECTORS } from '../inventory/connectors/registry.ts';
import type { EngineContext } from './engine-context.ts';
import type { Operation } from './operation.ts';

export interface ImportInput {
  /** `NAME` or `import:NAME`. */
  readonly source: string;
  readonly format: ImportFormat;
  readonly content: string;
  /** `full` (default): items of the source missing from the file are marked gone. */
  readonly mode?: RunMode;
  /** How to read `03/04/2024`; without it such dates reject their row. */
  readonly dateOrder?: DateOrder;
}

export interface ImportResult {
  readonly source: string;
  readonly rows: number;
  readonly imported: number;
  readonly rejectedCount: number;
  /** The first MAX_REPORTED_ERRORS rejected rows, by line. */
  readonly rejected: readonly RowRejection[];
  readonly ignoredColumns: readonly string[];
  /** Columns that look like secret values: never read. */
  readonly secretColumns: readonly string[];
  readonly stats: ReconcileStats;
  /** Why a full import marked nothing gone, when it could not. */
  readonly goneSkipped: string | null;
}

export interface DiscoverInput {
  readonly connector: ConnectorKind;
  readonly config: ConnectorConfig;
  /** Used for this run only: never stored, logged or audited. */
  readonly credentials?: ConnectorCredentials;
}

export interface DiscoverResult {
  readonly connector: ConnectorKind;
  /** Null when the source could not be told (an AWS account without keys, no `account` given, never discovered before). */
  readonly source: string | null;
  readonly stats: ReconcileStats;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

export interface InventoryServiceOptions {
  readonly fetch: Fetch;
  /** Per provider request (default 15 s); a discovery may override it within 1–120 s. */
  readonly requestTimeoutMs?: number;
  /** Requests in flight at once per discovery (default 8). */
  readonly concurrency?: number;
}

const EMPTY_STATS: ReconcileStats = { found: 0, added: 0, updated: 0, unchanged: 0, gone: 0, returned: 0 };

/**
 * The inventory: every key and secret Keyward knows — its own keys (computed from the keys table)
 * and what imports and discovery connectors report (stored). Runs reconcile against what is
 * stored: the same item is matched, not duplicated; a full run marks what it no longer finds as
 * gone (kept, never deleted). Every call is authorised and audited; credentials given to a
 * discovery are used for that run only.
 *
 * @example
 * await engine.inventory.import(ctx, { source: 'finance-sheet', format: 'csv', content: csvText });
 * await engine.inventory.discover(ctx, { connector: 'vault', config: { endpoint: 'https://vault:8200', mount: 'transit' }, credentials: { token } });
 * const { items } = await engine.inventory.list(ctx, { gone: false, type: 'symmetric' });
 */
export class InventoryService {
  readonly #c: EngineContext;
  readonly #o: InventoryServiceOptions;

  constructor(c: EngineContext, options: InventoryServiceOptions) {
    this.#c = c;
    this.#o = options;
  }

  /** A page of items (managed keys first, then stored items), with filters. */
  list(ctx: CallContext, filter: InventoryFilter = {}): Promise<InventoryPage> {
    return this.#c.runner.run(ctx, 'inventory.list', async (op) => {
      op.authorize();
      const page = await queryInventory(this.#c.store, filter, this.#c.clock.now());
      op.details['returned'] = page.items.length;
      if (filter.source !== undefined) op.details['source'] = filter.source;
      return page;
    });
  }

  /** One item: `key_…` for a managed key, `inv_…` for a stored one. */
  get(ctx: CallContext, id: string): Promise<InventoryItem> {
    return this.#c.runner.run(ctx, 'inventory.read', async (op) => {
      op.authorize();
      op.details['item'] = id.slice(0, 64);
      const now = this.#c.clock.now().toISOString();
      if (id.startsWith('key_')) {
        const key = await this.#c.store.getKey(id);
        if (key) return managedItem(key, now, await lastCryptoUse(this.#c.store, key.id));
      } else {
        const doc = await this.#c.store.getDocument<InventoryItem>(ITEM_KIND, id);
        if (doc) return effectiveLastSeen(doc.data, (await findSource(this.#c.store, doc.data.source))?.source.lastFullRunAt ?? null);
      }
      throw new KeywardError('not_found', 'no inventory item with that id', { item: id.slice(0, 64) });
    });
  }

  /** The import and discovery sources, with their last run. */
  sources(ctx: CallContext): Promise<InventorySource[]> {
    return this.#c.runner.run(ctx, 'inventory.list', async (op) => {
      op.authorize();
      const sources = (await listSources(this.#c.store)).map((s) => s.source).sort((a, b) => (a.name < b.name ? -1 : 1));
      op.details['returned'] = sources.length;
      return sources;
    });
  }

  /**
   * Imports a spreadsheet (CSV) or JSON list into `import:<source>`. Unreadable rows are rejected
   * with their line and reason and the rest imported. A full import marks the source's items that
   * are not in the file gone — except those a rejected row still names.
   */
  import(ctx: CallContext, input: ImportInput): Promise<ImportResult> {
    return this.#c.runner.run(ctx, 'inventory.import', async (op) => {
      op.authorize();
      const source = importSource(input.source);
      const mode = input.mode ?? 'full';
      Object.assign(op.details, { source, format: input.format, mode });
      const parsed = parseImport(input.content, input.format, input.dateOrder ? { dateOrder: input.dateOrder } : {});
      const drafts = parsed.drafts.map((d) => d.draft);
      const stats = await this.#reconcileAndWrite(op, {
        source,
        provider: 'import',
        config: {},
        found: drafts,
        mode,
        kind: 'import',
        problems: parsed.rejected.length,
        protect: parsed.rejectedIdentities,
        // A spreadsheet lists what is in use; an audit should rather check too much than too little.
        newItemState: 'enabled',
      });
      Object.assign(op.details, { rows: parsed.rows, rejected: parsed.rejected.length });
      return {
        source,
        rows: parsed.rows,
        imported: drafts.length,
        rejectedCount: parsed.rejected.length,
        rejected: parsed.rejected.slice(0, MAX_REPORTED_ERRORS),
        ignoredColumns: parsed.ignoredColumns,
        secretColumns: parsed.secretColumns,
        stats: stats.stats,
        goneSkipped: stats.goneSkipped,
      };
    });
  }

  /**
   * Runs a discovery connector and reconciles what it found into its source (always a full run:
   * a connector lists everything its source has). If the connector fails to list, nothing changes
   * (`connector_failed`); keys whose details could not be read are still reported, with warnings.
   */
  discover(ctx: CallContext, input: DiscoverInput, options: { onProgress?: (progress: DiscoveryProgress) => void } = {}): Promise<DiscoverResult> {
    return this.#c.runner.run(ctx, 'inventory.discover', async (op) => {
      op.authorize();
      if (!(CONNECTOR_KINDS as readonly string[]).includes(input.connector)) {
        throw new KeywardError('validation_failed', `connector must be one of ${CONNECTOR_KINDS.join(', ')}`, { field: 'connector' });
      }
      op.details['connector'] = input.connector;
      const timeoutSeconds = input.config.timeoutSeconds;
      if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 120)) {
        throw new KeywardError('validation_failed', 'timeoutSeconds must be a whole number from 1 to 120', { field: 'timeoutSeconds' });
      }
      const started = performance.now();
      const found = await CONNECTORS[input.connector].discover(input.config, input.credentials ?? {}, {
        fetch: this.#o.fetch,
        now: this.#c.clock.now(),
        timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : (this.#o.requestTimeoutMs ?? 15_000),
        concurrency: this.#o.concurrency ?? 8,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      op.details['config'] = { ...found.config };
      const source = found.source ?? (await this.#sourceByConfig(input.connector, found.config));
      const warnings = [...found.warnings];
      if (source === null) {
        // Nothing found and nothing known: there is no source to record anything under.
        if (found.items.length > 0) throw new KeywardError('internal', 'a connector found items but named no source');
        op.details['found'] = 0;
        return { connector: input.connector, source: null, stats: EMPTY_STATS, warnings: ['no keys found, and the account is not known: give the account to record an empty source'], durationMs: Math.round(performance.now() - started) };
      }
      op.details['source'] = source;
      const { stats } = await this.#reconcileAndWrite(op, {
        source,
        provider: input.connector,
        config: found.config,
        found: dedupe(found.items, warnings),
        mode: 'full',
        kind: 'discovery',
        problems: found.warnings.length,
        protect: [],
      });
      op.details['warnings'] = warnings.length;
      return { connector: input.connector, source, stats, warnings, durationMs: Math.round(performance.now() - started) };
    });
  }

  /** Deletes an import or discovery source and all its items (they are forgotten, not marked gone). */
  deleteSource(ctx: CallContext, name: string): Promise<{ source: string; deleted: number }> {
    return this.#c.runner.run(ctx, 'inventory.delete-source', async (op) => {
      op.authorize();
      if (providerOf(name) === 'keyward') throw new KeywardError('validation_failed', 'the keyward source is the keys themselves; it cannot be deleted', { field: 'source' });
      op.details['source'] = name;
      const stored = await findSource(this.#c.store, name);
      const items = await loadSourceItems(this.#c.store, name);
      if (!stored && items.length === 0) throw new KeywardError('not_found', `no inventory source "${name}"`, { source: name });
      op.details['deleted'] = items.length;
      op.mutation = async (tx) => {
        for (const { item } of items) await tx.deleteDocument(ITEM_KIND, item.id);
        if (stored) await tx.deleteDocument(SOURCE_KIND, stored.id);
      };
      return { source: name, deleted: items.length };
    });
  }

  async #reconcileAndWrite(
    op: Operation,
    run: {
      source: string;
      provider: Exclude<InventoryItem['provider'], 'keyward'>;
      config: Readonly<Record<string, string>>;
      found: readonly ItemDraft[];
      mode: RunMode;
      kind: 'import' | 'discovery';
      problems: number;
      protect: readonly { name: string | null; externalId: string | null }[];
      newItemState?: ItemState;
    },
  ): Promise<{ stats: ReconcileStats; goneSkipped: string | null }> {
    const now = this.#c.clock.now().toISOString();
    const stored = await findSource(this.#c.store, run.source);
    const existing = await loadSourceItems(this.#c.store, run.source);
    const result = reconcile({
      source: run.source,
      provider: run.provider,
      existing,
      found: run.found,
      mode: run.mode,
      now,
      previousFullRunAt: stored?.source.lastFullRunAt ?? null,
      protect: run.protect,
      ...(run.newItemState ? { newItemState: run.newItemState } : {}),
      newId: () => newId('inv'),
    });
    const { stats } = result;
    Object.assign(op.details, { found: stats.found, added: stats.added, updated: stats.updated, unchanged: stats.unchanged, gone: stats.gone, returned: stats.returned });
    if (result.goneSkipped !== null) op.details['goneSkipped'] = true;
    const summary = { at: now, kind: run.kind, mode: run.mode, actor: op.ctx.principal.actor, stats, problems: run.problems };
    op.mutation = (tx) => writeRun(tx, { source: run.source, provider: run.provider, config: run.config, stored, existing, result, run: summary, newSourceId: () => newId('invsrc') });
    return { stats, goneSkipped: result.goneSkipped };
  }

  /** A source recorded earlier by the same connector with the same configuration (AWS without ARNs to read the account from). */
  async #sourceByConfig(connector: ConnectorKind, config: Readonly<Record<string, string>>): Promise<string | null> {
    const same = (await listSources(this.#c.store)).filter((s) => s.source.provider === connector && sameConfig(s.source.config, config));
    return same.length === 1 ? (same[0]?.source.name ?? null) : null;
  }
}

/** Keys of a configuration that must agree for two runs to be the same source (the account is what is unknown). */
function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return Object.keys(b).every((k) => k === 'account' || a[k] === b[k]);
}

/** A connector reporting one item twice keeps the first (and says so). */
function dedupe(items: readonly ItemDraft[], warnings: string[]): ItemDraft[] {
  const seen = new Set<string>();
  const out: ItemDraft[] = [];
  for (const item of items) {
    const key = item.externalId ? `x\n${item.externalId}` : `n\n${item.name}`;
    if (seen.has(key)) {
      warnings.push(`"${item.name}" was reported twice; kept the first`);
      continue;
    }
    seen.add(key);
    out.push(item);
  }
  return out;
}

