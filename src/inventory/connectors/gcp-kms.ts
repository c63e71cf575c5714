import { KeywardError } from '../../core/errors.ts';
import type { ItemDraft, ItemState, ItemType } from '../inventory-item.ts';
import { attributes, boundedTags, isoFromText, sizeFromAlgorithm, withTagMetadata } from '../item-fields.ts';
import { checkSourceLabel, connectorSource } from '../source-name.ts';
import { checkItemCount, mapLimit, required, Warnings, type Connector, type ConnectorConfig, type ConnectorCredentials, type DiscoveryContext, type Discovery } from './connector.ts';
import { checkEndpoint, hasDotSegment, RestClient } from './rest-client.ts';

const DEFAULT_BASE = 'https://cloudkms.googleapis.com';
/** The most a list call returns per page (the API caps pageSize at 1000). */
const PAGE_SIZE = 1000;
/** Pages followed per list before giving up on a server that never stops paginating. */
const MAX_PAGES = 1000;
const PROJECT = /^[a-z][a-z0-9-]{4,29}$|^[0-9]{1,20}$/;
const LOCATION = /^[a-z0-9-]{1,64}$/;

const TYPE_BY_PURPOSE: Readonly<Record<string, ItemType>> = {
  ENCRYPT_DECRYPT: 'symmetric',
  RAW_ENCRYPT_DECRYPT: 'symmetric',
  ASYMMETRIC_SIGN: 'asymmetric',
  ASYMMETRIC_DECRYPT: 'asymmetric',
  KEY_ENCAPSULATION: 'asymmetric',
  MAC: 'hmac',
};

const STATE_BY_VERSION_STATE: Readonly<Record<string, ItemState>> = {
  ENABLED: 'enabled',
  DISABLED: 'disabled',
  DESTROYED: 'destroyed',
  DESTROY_SCHEDULED: 'pending-deletion',
  PENDING_GENERATION: 'pending-activation',
  PENDING_IMPORT: 'pending-import',
  IMPORT_FAILED: 'unavailable',
  GENERATION_FAILED: 'unavailable',
  PENDING_EXTERNAL_DESTRUCTION: 'pending-deletion',
  EXTERNAL_DESTRUCTION_FAILED: 'unavailable',
};

interface CryptoKeyVersion {
  name?: unknown;
  state?: unknown;
  createTime?: unknown;
  algorithm?: unknown;
  protectionLevel?: unknown;
}

interface CryptoKey {
  name?: unknown;
  primary?: CryptoKeyVersion;
  purpose?: unknown;
  createTime?: unknown;
  nextRotationTime?: unknown;
  rotationPeriod?: unknown;
  versionTemplate?: { algorithm?: unknown; protectionLevel?: unknown };
  labels?: unknown;
  importOnly?: unknown;
  destroyScheduledDuration?: unknown;
}

/**
 * Google Cloud KMS over REST: `keyRings.list` in one project and location, `cryptoKeys.list` per
 * ring (paged by pageToken), and `cryptoKeyVersions.list` for keys without a primary version
 * (asymmetric ones) to learn their state and last rotation. OAuth bearer token from the run's
 * credentials. Source `gcp-kms:<project>/<location>`.
 */
export const gcpKmsConnector: Connector = {
  kind: 'gcp-kms',
  async discover(config: ConnectorConfig, credentials: ConnectorCredentials, ctx: DiscoveryContext): Promise<Discovery> {
    const base = checkEndpoint(config.endpoint ?? DEFAULT_BASE, { field: 'endpoint', allowInsecureHttp: config.allowInsecureHttp });
    const project = required(config.project, 'project', 'the GCP project id').toLowerCase();
    if (!PROJECT.test(project)) throw new KeywardError('validation_failed', 'project must be a GCP project id or number', { field: 'project' });
    const location = (config.location ?? 'global').trim().toLowerCase();
    if (!LOCATION.test(location)) throw new KeywardError('validation_failed', 'location must be a GCP location such as "global" or "europe-west1"', { field: 'location' });
    const token = required(credentials.token, 'token', 'an OAuth access token (set GOOGLE_OAUTH_ACCESS_TOKEN, e.g. from `gcloud auth print-access-token`)');
    const client = new RestClient({ connector: 'gcp-kms', base, headers: { authorization: `Bearer ${token}` }, secrets: [token], ctx });
    const api = (path: string, query: Record<string, string>): URL => {
      const url = new URL(`${base.href.replace(/\/$/, '')}/v1/${path}`);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return url;
    };
    const listAll = async <T>(path: string, field: string, what: string): Promise<T[]> => {
      const out: T[] = [];
      let pageToken = '';
      for (let page = 0; page < MAX_PAGES; page++) {
        const body = (await client.get(api(path, { pageSize: String(PAGE_SIZE), ...(pageToken ? { pageToken } : {}) }), what)) as Record<string, unknown> | null;
        const list = body?.[field];
        if (list !== undefined && !Array.isArray(list)) throw new KeywardError('connector_failed', `gcp-kms at ${base.origin}: ${what}: "${field}" is not a list`, { connector: 'gcp-kms', endpoint: base.origin });
        out.push(...((list ?? []) as T[]));
        checkItemCount('gcp-kms', out.length);
        const next = body?.['nextPageToken'];
        if (typeof next !== 'string' || next === '') return out;
        pageToken = next;
      }
      throw new KeywardError('connector_failed', `gcp-kms at ${base.origin}: ${what}: more than ${MAX_PAGES} pages`, { connector: 'gcp-kms', endpoint: base.origin });
    };

    ctx.onProgress?.({ phase: 'listing', done: 0, total: null });
    const parent = `projects/${project}/locations/${location}`;
    const rings = await listAll<{ name?: unknown }>(`${parent}/keyRings`, 'keyRings', `keyRings.list ${parent}`);
    const keys: CryptoKey[] = [];
    for (const ring of rings) {
      if (typeof ring.name !== 'string' || !ring.name.startsWith(`${parent}/keyRings/`) || hasDotSegment(ring.name)) continue;
      keys.push(...(await listAll<CryptoKey>(`${ring.name}/cryptoKeys`, 'cryptoKeys', `cryptoKeys.list ${ring.name}`)));
      checkItemCount('gcp-kms', keys.length);
      ctx.onProgress?.({ phase: 'listing', done: keys.length, total: null });
    }
    const named = keys.filter((k): k is CryptoKey & { name: string } => typeof k.name === 'string' && k.name.startsWith(`${parent}/keyRings/`) && !hasDotSegment(k.name));
    const warnings = new Warnings();
    let done = 0;
    const items = await mapLimit(named, ctx.concurrency, async (key): Promise<ItemDraft> => {
      let versions: CryptoKeyVersion[] | null = null;
      if (!key.primary) {
        try {
          versions = await listAll<CryptoKeyVersion>(`${key.name}/cryptoKeyVersions`, 'cryptoKeyVersions', `cryptoKeyVersions.list ${key.name}`);
        } catch (err) {
          if (!(err instanceof KeywardError)) throw err;
          warnings.add(`key "${key.name}": ${err.message}`);
        }
      }
      ctx.onProgress?.({ phase: 'describing', done: ++done, total: named.length });
      return cryptoKeyDraft(key, versions, `${project}/${location}`);
    });
    return {
      source: connectorSource('gcp-kms', config.name !== undefined ? checkSourceLabel(config.name) : `${project}/${location}`),
      config: { project, location, ...(config.endpoint !== undefined ? { endpoint: base.href.replace(/\/$/, '') } : {}) },
      items,
      warnings: warnings.done(),
    };
  },
};

/**
 * A CryptoKey as a draft. State and last rotation come from the primary version (symmetric and
 * MAC keys); keys without one (asymmetric) take them from their versions when those were listed.
 */
export function cryptoKeyDraft(key: CryptoKey & { name: string }, versions: readonly CryptoKeyVersion[] | null, location: string): ItemDraft {
  const parts = key.name.split('/');
  const ring = parts[5] ?? '';
  const id = parts[7] ?? key.name;
  const algorithm = typeof key.versionTemplate?.algorithm === 'string' ? key.versionTemplate.algorithm : typeof key.primary?.algorithm === 'string' ? key.primary.algorithm : null;
  const purpose = typeof key.purpose === 'string' ? key.purpose : null;
  const periodSeconds = typeof key.rotationPeriod === 'string' ? Number(/^(\d+(?:\.\d+)?)s$/.exec(key.rotationPeriod)?.[1] ?? NaN) : NaN;
  const labels = typeof key.labels === 'object' && key.labels !== null ? (key.labels as Record<string, string>) : {};
  let state: ItemState = 'unknown';
  let lastRotatedAt: string | null = null;
  if (key.primary) {
    state = STATE_BY_VERSION_STATE[String(key.primary.state)] ?? 'unknown';
    lastRotatedAt = isoFromText(key.primary.createTime);
  } else if (versions) {
    state = summaryState(versions.map((v) => STATE_BY_VERSION_STATE[String(v.state)] ?? 'unknown'));
    lastRotatedAt = versions.map((v) => isoFromText(v.createTime)).filter((t): t is string => t !== null).sort().at(-1) ?? null;
  }
  const createdAt = isoFromText(key.createTime);
  return withTagMetadata({
    name: `${ring}/${id}`,
    externalId: key.name,
    type: (purpose !== null ? TYPE_BY_PURPOSE[purpose] : undefined) ?? 'secret',
    algorithm,
    sizeBits: algorithm ? gcpAlgorithmBits(algorithm) : null,
    usage: purpose,
    location,
    createdAt,
    // The first version is the key's creation, not a rotation.
    lastRotatedAt: lastRotatedAt !== null && lastRotatedAt !== createdAt ? lastRotatedAt : null,
    lastUsedAt: null,
    expiresAt: null,
    rotation: Number.isFinite(periodSeconds) && periodSeconds > 0 ? { enabled: true, periodDays: Math.max(1, Math.round(periodSeconds / 86400)) } : { enabled: false, periodDays: null },
    state,
    fingerprint: null,
    tags: boundedTags(labels),
    attributes: attributes({
      keyRing: ring,
      protectionLevel: typeof key.versionTemplate?.protectionLevel === 'string' ? key.versionTemplate.protectionLevel : null,
      nextRotationTime: isoFromText(key.nextRotationTime),
      primaryVersion: typeof key.primary?.name === 'string' ? key.primary.name.split('/').at(-1) : null,
      providerState: typeof key.primary?.state === 'string' ? key.primary.state : null,
      importOnly: typeof key.importOnly === 'boolean' ? key.importOnly : null,
      destroyScheduledDuration: typeof key.destroyScheduledDuration === 'string' ? key.destroyScheduledDuration : null,
    }),
  });
}

/** A key with several versions is as usable as its best version. */
function summaryState(states: readonly ItemState[]): ItemState {
  for (const s of ['enabled', 'disabled', 'pending-activation', 'pending-import', 'pending-deletion', 'unavailable', 'destroyed'] as const) if (states.includes(s)) return s;
  return 'unknown';
}

/** GOOGLE_SYMMETRIC_ENCRYPTION is AES-256-GCM; the other names state their size. */
function gcpAlgorithmBits(algorithm: string): number | null {
  if (algorithm === 'GOOGLE_SYMMETRIC_ENCRYPTION') return 256;
  return sizeFromAlgorithm(algorithm);
}
