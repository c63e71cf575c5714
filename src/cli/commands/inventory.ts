import { extname } from 'node:path';
import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { ITEM_TYPES } from '../../inventory/inventory-item.ts';
import { MAX_IMPORT_BYTES, type ImportFormat } from '../../inventory/import/import-limits.ts';
import { MAX_INVENTORY_PAGE } from '../../inventory/inventory-query.ts';
import type { DeletedSource, ImportResult, InventoryItem, InventoryList, SourceList } from '../../server/schemas/inventory.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { readFileLimited, readStdin } from '../read-input.ts';
import { formatFields, formatTable, type Column } from '../table.ts';
import { discoverCommand, statsText } from './inventory-discover.ts';

type Item = Static<typeof InventoryItem>;

/** `keyward inventory …`: the list of every key and secret Keyward knows, imports and discovery. */
export function inventoryCommand(): Command {
  return new Command('inventory')
    .description('every key and secret known: managed keys, imported spreadsheets, discovered cloud keys')
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(sourcesCommand())
    .addCommand(importCommand())
    .addCommand(discoverCommand())
    .addCommand(deleteSourceCommand())
    .addHelpText(
      'after',
      `
Sources: keyward (the managed keys), import:<name>, aws-kms:<account>/<region>, vault:<mount>,
gcp-kms:<project>/<location>, azure-kv:<vault>. Credentials for discovery come from the usual
environment variables and are used for that run only; Keyward never stores them.

Examples:
  keyward inventory import keys.csv --source finance-sheet
  VAULT_TOKEN=… keyward inventory discover vault --endpoint https://vault:8200 --mount transit
  keyward inventory list --source aws-kms:111122223333/eu-west-1 --gone
  keyward inventory list --type api-token --environment prod --all`,
    );
}

const COLUMNS: readonly Column<Item>[] = [
  { header: 'id', cell: (i) => i.id },
  { header: 'source', cell: (i) => i.source },
  { header: 'name', cell: (i) => i.name },
  { header: 'type', cell: (i) => i.type },
  { header: 'state', cell: (i) => (i.gone ? `gone (${i.state})` : i.state) },
  { header: 'owner', cell: (i) => i.owner },
  { header: 'env', cell: (i) => i.environment },
  { header: 'tier', cell: (i) => i.tier },
  { header: 'rotation', cell: (i) => rotationText(i.rotation) },
  { header: 'last rotated', cell: (i) => day(i.lastRotatedAt) },
];

function listCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('list inventory items (managed keys first), with filters')
      .option('--source <source>', 'only this source, e.g. keyward, import:finance-sheet, vault:transit')
      .addOption(new Option('--type <type>').choices(ITEM_TYPES))
      .option('--environment <env>', 'prod, staging, dev, ci or another label')
      .option('--owner <owner>')
      .addOption(new Option('--gone', 'only items their source no longer reports').conflicts('present'))
      .addOption(new Option('--present', 'only items their source still reports'))
      .option('--limit <n>', `items per page (at most ${MAX_INVENTORY_PAGE})`, integerIn(1, MAX_INVENTORY_PAGE))
      .option('--after <cursor>', 'the `next` of the previous page')
      .option('--all', 'follow the pages to the last one')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ source?: string; type?: string; environment?: string; owner?: string; gone?: boolean; present?: boolean; limit?: number; after?: string; all?: boolean }>(command);
        const filter = {
          source: options.source,
          type: options.type,
          environment: options.environment,
          owner: options.owner,
          gone: options.gone ? true : options.present ? false : undefined,
          limit: options.limit,
        };
        let page = await client.get<Static<typeof InventoryList>>('/v1/inventory/items', { ...filter, after: options.after });
        const items = [...page.items];
        while (options.all && page.next !== null) {
          page = await client.get<Static<typeof InventoryList>>('/v1/inventory/items', { ...filter, after: page.next });
          items.push(...page.items);
        }
        out.result({ items, next: page.next }, () => (items.length === 0 ? 'No items.\n' : formatTable(COLUMNS, items)));
        if (!out.json && page.next !== null) out.note(`More items: add --after ${page.next}, or --all.`);
      }),
  );
}

function showCommand(): Command {
  return withClientOptions(
    new Command('show')
      .description('show one inventory item')
      .argument('<id>', 'the item id (key_… for a managed key, inv_… otherwise)')
      .action(async (id: string, _options, command: Command) => {
        const { client, out } = session(command);
        const item = await client.get<Item>(`/v1/inventory/items/${encodeURIComponent(id)}`);
        out.result(item, () =>
          formatFields([
            ['Id', item.id],
            ['Name', item.name],
            ['Source', item.source],
            ['External id', item.externalId],
            ['Type', item.type],
            ['Algorithm', item.algorithm],
            ['Size (bits)', item.sizeBits],
            ['Usage', item.usage],
            ['Purpose', item.purpose],
            ['Owner', item.owner],
            ['Team', item.team],
            ['Environment', item.environment],
            ['Tier', item.tier],
            ['Classification', item.classification],
            ['Location', item.location],
            ['State', item.state],
            ['Created', item.createdAt],
            ['Last rotated', item.lastRotatedAt],
            ['Last used', item.lastUsedAt],
            ['Expires', item.expiresAt],
            ['Rotation', rotationText(item.rotation)],
            ['Fingerprint', item.fingerprint],
            ['First seen', item.firstSeenAt],
            ['Last seen', item.lastSeenAt],
            ['Gone', item.gone ? `yes, since ${item.goneAt ?? '?'}` : 'no'],
            ['Tags', pairs(item.tags)],
            ['Attributes', pairs(item.attributes)],
          ]),
        );
      }),
  );
}

function sourcesCommand(): Command {
  return withClientOptions(
    new Command('sources').description('list import and discovery sources with their last run').action(async (_options, command: Command) => {
      const { client, out } = session(command);
      const { sources } = await client.get<Static<typeof SourceList>>('/v1/inventory/sources');
      type Source = (typeof sources)[number];
      const columns: Column<Source>[] = [
        { header: 'source', cell: (s) => s.name },
        { header: 'items', cell: (s) => s.items },
        { header: 'gone', cell: (s) => s.goneItems },
        { header: 'last run', cell: (s) => (s.lastRun ? `${s.lastRun.kind} ${s.lastRun.at}` : null) },
        { header: 'by', cell: (s) => s.lastRun?.actor },
      ];
      out.result({ sources }, () => (sources.length === 0 ? 'No sources yet: import a file or run a discovery.\n' : formatTable(columns, sources)));
    }),
  );
}

function importCommand(): Command {
  return withClientOptions(
    new Command('import')
      .description('import a CSV or JSON inventory (a spreadsheet export) into import:<source>')
      .argument('<file>', 'the file; "-" reads stdin')
      .requiredOption('--source <name>', 'the import\'s name: its items are import:<name>; importing again updates them')
      .addOption(new Option('--format <format>', 'default: from the file extension (.json is JSON, anything else CSV)').choices(['csv', 'json']))
      .option('--partial', 'add and update only: items of the source missing from the file are not marked gone')
      .addOption(new Option('--date-order <order>', 'how to read 03/04/2024: dmy or mdy (without it such dates reject their row)').choices(['dmy', 'mdy']))
      .action(async (file: string, _options, command: Command) => {
        const { client, out, options } = session<{ source: string; format?: ImportFormat; partial?: boolean; dateOrder?: 'dmy' | 'mdy' }>(command);
        const limits = { what: 'inventory file', maxBytes: MAX_IMPORT_BYTES, hint: 'split it, or use a discovery connector' };
        const bytes = file === '-' ? await readStdin(limits) : readFileLimited(file, limits);
        const format: ImportFormat = options.format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
        const result = await client.post<Static<typeof ImportResult>>('/v1/inventory/import', {
          source: options.source,
          format,
          content: bytes.toString('utf8'),
          ...(options.partial ? { mode: 'partial' } : {}),
          ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}),
        });
        out.result(result, () => `Imported ${result.imported} of ${result.rows} rows into ${result.source}: ${statsText(result.stats)}.\n`);
        if (out.json) return;
        for (const r of result.rejected) out.note(`line ${r.line}: ${r.reason}`);
        if (result.rejectedCount > result.rejected.length) out.note(`…and ${result.rejectedCount - result.rejected.length} more rejected rows`);
        if (result.secretColumns.length > 0) out.note(`Not read (they look like secret values; the inventory holds none): ${result.secretColumns.join(', ')}`);
        if (result.ignoredColumns.length > 0) out.note(`Ignored columns: ${result.ignoredColumns.join(', ')}`);
        if (result.goneSkipped) out.note(`Nothing was marked gone: ${result.goneSkipped}`);
      }),
  );
}

function deleteSourceCommand(): Command {
  return withClientOptions(
    new Command('delete-source')
      .description('forget an import or discovery source and all its items; needs --yes')
      .argument('<source>', 'e.g. import:finance-sheet or vault:transit')
      .option('--yes', 'confirm: the items are deleted, not marked gone')
      .action(async (source: string, _options, command: Command) => {
        const { client, out, options } = session<{ yes?: boolean }>(command);
        if (!options.yes) throw new CliError(`this forgets every item of ${source}; add --yes to confirm`, EXIT.usage);
        const result = await client.delete<Static<typeof DeletedSource>>(`/v1/inventory/sources/${encodeURIComponent(source)}`);
        if (result === null) throw new CliError('the server answered without saying what it deleted');
        out.result(result, () => `Deleted ${result.source} and its ${result.deleted} items.\n`);
      }),
  );
}

function rotationText(rotation: Item['rotation']): string | null {
  if (rotation === null) return null;
  if (!rotation.enabled) return 'off';
  return rotation.periodDays !== null ? `every ${rotation.periodDays} d` : 'on';
}

function day(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 10);
}

function pairs(record: Readonly<Record<string, string>>): string | null {
  const entries = Object.entries(record);
  return entries.length === 0 ? null : entries.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(', ');
}
