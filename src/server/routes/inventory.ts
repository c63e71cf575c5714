import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { MAX_IMPORT_BYTES } from '../../inventory/import/import-limits.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import {
  DeletedSource,
  DiscoverBody,
  DiscoverResult,
  ImportBody,
  ImportResult,
  InventoryItem,
  InventoryList,
  ItemParams,
  ListInventoryQuery,
  SourceList,
  SourceParams,
} from '../schemas/inventory.ts';

const tags = ['inventory'];

/**
 * An import carries a spreadsheet as a JSON string: MAX_IMPORT_BYTES of text, which JSON escaping
 * (quotes, line ends, non-ASCII as \uXXXX) can at worst make six times longer. Only this route
 * reads bodies past the server's default limit, and only once the caller is authenticated.
 */
const IMPORT_BODY_LIMIT = 6 * MAX_IMPORT_BYTES + 64 * 1024;

/** The inventory: list and read items, import spreadsheets, run discovery connectors, forget sources. */
export function registerInventoryRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.get<{ Querystring: Static<typeof ListInventoryQuery> }>(
    '/v1/inventory/items',
    { schema: { tags, summary: 'List inventory items: managed keys, then imported and discovered ones', querystring: ListInventoryQuery, response: { 200: InventoryList, ...ERROR_RESPONSES } } },
    async (request) => engine.inventory.list(callContext(request), request.query),
  );

  app.get<{ Params: Static<typeof ItemParams> }>(
    '/v1/inventory/items/:id',
    { schema: { tags, summary: 'One inventory item (key_… for a managed key)', params: ItemParams, response: { 200: InventoryItem, ...ERROR_RESPONSES } } },
    async (request) => engine.inventory.get(callContext(request), request.params.id),
  );

  app.get(
    '/v1/inventory/sources',
    { schema: { tags, summary: 'Import and discovery sources, with their last run', response: { 200: SourceList, ...ERROR_RESPONSES } } },
    async (request) => ({ sources: await engine.inventory.sources(callContext(request)) }),
  );

  app.delete<{ Params: Static<typeof SourceParams> }>(
    '/v1/inventory/sources/:source',
    { schema: { tags, summary: 'Forget a source and all its items (URL-encode the name)', params: SourceParams, response: { 200: DeletedSource, ...ERROR_RESPONSES } } },
    async (request) => engine.inventory.deleteSource(callContext(request), request.params.source),
  );

  app.post<{ Body: Static<typeof ImportBody> }>(
    '/v1/inventory/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: { tags, summary: 'Import a CSV or JSON inventory into import:<source>; bad rows are reported by line', body: ImportBody, response: { 200: ImportResult, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const { source, format, content, mode, dateOrder } = request.body;
      return engine.inventory.import(callContext(request), { source, format, content, ...(mode ? { mode } : {}), ...(dateOrder ? { dateOrder } : {}) });
    },
  );

  app.post<{ Body: Static<typeof DiscoverBody> }>(
    '/v1/inventory/discover',
    {
      schema: {
        tags,
        summary: 'Run a discovery connector (aws-kms, vault, gcp-kms, azure-kv) and reconcile what it finds; credentials are used for this run only',
        body: DiscoverBody,
        response: { 200: DiscoverResult, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { connector, credentials, ...config } = request.body;
      return engine.inventory.discover(callContext(request), { connector, config, ...(credentials ? { credentials } : {}) });
    },
  );
}
