import type { Tier } from '../storage/records.ts';

/** What an inventory item is. Keys by family; secrets by what people call them. */
export const ITEM_TYPES = ['symmetric', 'asymmetric', 'hmac', 'api-token', 'certificate', 'password', 'secret'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/**
 * An item's state at its source, in one vocabulary across providers (the provider's own word is
 * kept in `attributes.providerState`). `gone` is not a state: a gone item keeps its last state.
 */
export const ITEM_STATES = [
  'enabled',
  'disabled',
  'pending-activation',
  'pending-deletion',
  'pending-import',
  'compromised',
  'expired',
  'destroyed',
  'unavailable',
  'unknown',
] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** Where items come from: Keyward itself, a spreadsheet import, or a discovery connector. */
export const PROVIDERS = ['keyward', 'import', 'aws-kms', 'vault', 'gcp-kms', 'azure-kv'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The connectors that discover items (every provider but `keyward` and `import`). */
export const CONNECTOR_KINDS = ['aws-kms', 'vault', 'gcp-kms', 'azure-kv'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export interface RotationSchedule {
  /** Whether the source rotates it automatically (or, for imports, whether a schedule is kept). */
  readonly enabled: boolean;
  readonly periodDays: number | null;
}

/**
 * One key or secret known to Keyward. Managed keys (source `keyward`) are computed from the keys
 * table on every read; every other item is a stored document, kept up to date by imports and
 * discoveries. Nothing here is secret: no key material, no secret value, no credential.
 * Times are ISO 8601 UTC strings.
 */
export interface InventoryItem {
  /** `key_…` (a managed key's id) or `inv_…`. */
  readonly id: string;
  /** `keyward`, `import:<name>`, `aws-kms:<account>/<region>`, `vault:<mount>`, `gcp-kms:<project>/<location>`, `azure-kv:<vault>`. */
  readonly source: string;
  readonly provider: Provider;
  /** The provider's id: ARN, resource name, key URL, Vault path; null when the source has none. */
  readonly externalId: string | null;
  readonly name: string;
  readonly type: ItemType;
  /** The provider's algorithm or spec, e.g. `SYMMETRIC_DEFAULT`, `aes256-gcm96`, `RSA_2048`. */
  readonly algorithm: string | null;
  readonly sizeBits: number | null;
  /** What the key may do at its source (`ENCRYPT_DECRYPT`, `SIGN_VERIFY`, …). */
  readonly usage: string | null;
  /** What it is for, in people's words. */
  readonly purpose: string | null;
  readonly owner: string | null;
  readonly team: string | null;
  /** Lower case; `prod`, `staging`, `dev`, `ci` for the usual spellings, otherwise as given. */
  readonly environment: string | null;
  readonly tier: Tier | null;
  /** A classification label when the source gives one that is not a tier (`confidential`). */
  readonly classification: string | null;
  /** Region, vault URL, mount, or the spreadsheet's location column. */
  readonly location: string | null;
  readonly createdAt: string | null;
  readonly lastRotatedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  /** Null when the source does not say. */
  readonly rotation: RotationSchedule | null;
  readonly state: ItemState;
  /** `sha256:<hex>` of the public key (SPKI DER) when the source shows it; never of secret material. */
  readonly fingerprint: string | null;
  readonly firstSeenAt: string;
  /** The last import or discovery of its source that reported it. */
  readonly lastSeenAt: string;
  /** A full import or discovery of its source no longer reported it. Gone items are kept. */
  readonly gone: boolean;
  readonly goneAt: string | null;
  /** The source's own tags or labels. */
  readonly tags: Readonly<Record<string, string>>;
  /** Provider facts that fit no common field (aliases, protection level, key manager…). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The fields a source describes; the rest (id, source, provider, seen times, gone) is bookkeeping. */
export const FACT_FIELDS = [
  'externalId',
  'name',
  'type',
  'algorithm',
  'sizeBits',
  'usage',
  'purpose',
  'owner',
  'team',
  'environment',
  'tier',
  'classification',
  'location',
  'createdAt',
  'lastRotatedAt',
  'lastUsedAt',
  'expiresAt',
  'rotation',
  'state',
  'fingerprint',
  'tags',
  'attributes',
] as const satisfies readonly (keyof InventoryItem)[];
export type FactField = (typeof FACT_FIELDS)[number];

type Facts = Pick<InventoryItem, FactField>;

/**
 * What an import row or a connector reports about one item. `name` is always known; any other
 * field left undefined is unknown and keeps the stored value (a new item without a type is a
 * `secret`, without a state `unknown`), while null says "none".
 */
export type ItemDraft = Pick<Facts, 'name'> & { readonly [F in Exclude<FactField, 'name'>]?: Facts[F] };

/** Limits on what one item may hold: inventories are metadata, and a runaway source must not bloat the store. */
export const ITEM_LIMITS = {
  name: 256,
  externalId: 1024,
  text: 1024,
  tags: 64,
  tagKey: 128,
  tagValue: 256,
  attributes: 32,
} as const;
