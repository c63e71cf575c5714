import { Type } from '@sinclair/typebox';
import { CONNECTOR_KINDS, ITEM_STATES, ITEM_TYPES, PROVIDERS } from '../../inventory/inventory-item.ts';
import { IMPORT_FORMATS, MAX_IMPORT_BYTES } from '../../inventory/import/import-limits.ts';
import { MAX_INVENTORY_PAGE } from '../../inventory/inventory-query.ts';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const SourceName = Type.String({ minLength: 1, maxLength: 220, description: 'keyward, import:<name>, aws-kms:<account>/<region>, vault:<mount>, gcp-kms:<project>/<location>, azure-kv:<vault>' });
const Stats = StrictObject({
  found: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  gone: Type.Integer({ description: 'newly marked gone by this run' }),
  returned: Type.Integer({ description: 'gone items found again' }),
});

export const InventoryItem = StrictObject(
  {
    id: Type.String(),
    source: Type.String(),
    provider: OneOf(PROVIDERS),
    externalId: Nullable(Type.String()),
    name: Type.String(),
    type: OneOf(ITEM_TYPES),
    algorithm: Nullable(Type.String()),
    sizeBits: Nullable(Type.Integer()),
    usage: Nullable(Type.String()),
    purpose: Nullable(Type.String()),
    owner: Nullable(Type.String()),
    team: Nullable(Type.String()),
    environment: Nullable(Type.String()),
    tier: Nullable(Type.Integer({ minimum: 1, maximum: 3 })),
    classification: Nullable(Type.String()),
    location: Nullable(Type.String()),
    createdAt: Nullable(IsoTime),
    lastRotatedAt: Nullable(IsoTime),
    lastUsedAt: Nullable(IsoTime),
    expiresAt: Nullable(IsoTime),
    rotation: Nullable(StrictObject({ enabled: Type.Boolean(), periodDays: Nullable(Type.Integer()) })),
    state: OneOf(ITEM_STATES),
    fingerprint: Nullable(Type.String()),
    firstSeenAt: IsoTime,
    lastSeenAt: IsoTime,
    gone: Type.Boolean(),
    goneAt: Nullable(IsoTime),
    tags: Type.Record(Type.String(), Type.String()),
    attributes: Type.Record(Type.String(), Type.String()),
  },
  { description: 'a key or secret Keyward knows of: metadata only, never a value' },
);

export const InventoryList = StrictObject({
  items: Type.Array(InventoryItem),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
});

export const ListInventoryQuery = StrictObject({
  source: Type.Optional(SourceName),
  type: Type.Optional(OneOf(ITEM_TYPES)),
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  gone: Type.Optional(Type.Boolean({ description: 'true: only gone items; false: only present ones' })),
  after: Type.Optional(Type.String({ minLength: 3, maxLength: 300, description: 'the `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INVENTORY_PAGE })),
});

export const ItemParams = StrictObject({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$', description: 'key_… or inv_…' }) });
export const SourceParams = StrictObject({ source: SourceName });

const Run = StrictObject({
  at: IsoTime,
  kind: OneOf(['import', 'discovery'] as const),
  mode: OneOf(['full', 'partial'] as const),
  actor: Type.String(),
  stats: Stats,
  problems: Type.Integer({ description: 'rejected rows or per-key warnings' }),
});

export const InventorySource = StrictObject({
  name: Type.String(),
  provider: OneOf(PROVIDERS),
  config: Type.Record(Type.String(), Type.String(), { description: 'where it was discovered from; never a credential' }),
  createdAt: IsoTime,
  lastRun: Nullable(Run),
  lastFullRunAt: Nullable(IsoTime),
  items: Type.Integer(),
  goneItems: Type.Integer(),
});
export const SourceList = StrictObject({ sources: Type.Array(InventorySource) });

export const ImportBody = StrictObject({
  source: Type.String({ minLength: 1, maxLength: 71, description: 'the import\'s name: items go to import:<source>' }),
  format: OneOf(IMPORT_FORMATS),
  content: Type.String({ maxLength: MAX_IMPORT_BYTES, description: 'the CSV or JSON text' }),
  mode: Type.Optional(OneOf(['full', 'partial'] as const, { description: 'full (default): items of the source not in the file are marked gone' })),
  dateOrder: Type.Optional(OneOf(['dmy', 'mdy'] as const, { description: 'how to read 03/04/2024; without it such dates reject their row' })),
});

export const ImportResult = StrictObject({
  source: Type.String(),
  rows: Type.Integer(),
  imported: Type.Integer(),
  rejectedCount: Type.Integer(),
  rejected: Type.Array(StrictObject({ line: Type.Integer(), reason: Type.String() })),
  ignoredColumns: Type.Array(Type.String()),
  secretColumns: Type.Array(Type.String(), { description: 'columns that look like secret values: never read' }),
  stats: Stats,
  goneSkipped: Nullable(Type.String()),
});

/** Credentials for one discovery: used for its requests, never stored, logged or audited. */
const Credentials = StrictObject({
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: 'Vault token, GCP OAuth access token or Azure access token' })),
  accessKeyId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  secretAccessKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  sessionToken: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
});

export const DiscoverBody = StrictObject({
  connector: OneOf(CONNECTOR_KINDS),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'replaces the generated part of the source name' })),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'API base URL (Azure: the vault URL; AWS: a KMS-compatible endpoint)' })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  account: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  mount: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  location: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  allowInsecureHttp: Type.Optional(Type.Boolean({ description: 'allow plain http beyond loopback (the credential crosses the network in clear)' })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, description: 'per provider request (default 15)' })),
  credentials: Type.Optional(Credentials),
});

export const DiscoverResult = StrictObject({
  connector: OneOf(CONNECTOR_KINDS),
  source: Nullable(Type.String()),
  stats: Stats,
  warnings: Type.Array(Type.String()),
  durationMs: Type.Integer(),
});

export const DeletedSource = StrictObject({ source: Type.String(), deleted: Type.Integer({ description: 'items forgotten' }) });
