import { isIP } from 'node:net';
import { KeywardError } from '../../core/errors.ts';
import type { ItemDraft, ItemState, RotationSchedule } from '../inventory-item.ts';
import { attributes, boundedTags, isoFromEpochSeconds, withTagMetadata } from '../item-fields.ts';
import { parseRotationPeriod } from '../import/cell-values.ts';
import { checkSourceLabel, connectorSource } from '../source-name.ts';
import { checkItemCount, mapLimit, required, Warnings, type Connector, type ConnectorConfig, type ConnectorCredentials, type DiscoveryContext, type Discovery } from './connector.ts';
import { spkiFingerprint } from './public-key-fingerprint.ts';
import { checkEndpoint, RestClient } from './rest-client.ts';

const API_VERSION = '7.4';
/** Pages followed per list before giving up on a server that never stops paginating. */
const MAX_PAGES = 5000;
const CURVE_BITS: Readonly<Record<string, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, 'P-256K': 256 };

interface KeyAttributes {
  enabled?: unknown;
  created?: unknown;
  updated?: unknown;
  exp?: unknown;
  nbf?: unknown;
  recoveryLevel?: unknown;
  exportable?: unknown;
}

interface KeyBundle {
  key?: { kid?: unknown; kty?: unknown; key_ops?: unknown; n?: unknown; e?: unknown; crv?: unknown; x?: unknown; y?: unknown; key_size?: unknown };
  attributes?: KeyAttributes;
  tags?: unknown;
  managed?: unknown;
}

/**
 * Azure Key Vault over REST (api-version 7.4): `GET {vault}/keys` following `nextLink`, then per
 * key `GET {vault}/keys/{name}` (type, size, attributes, tags), its versions (creation and last
 * rotation) and its rotation policy. Bearer token from the run's credentials (audience
 * https://vault.azure.net). Source `azure-kv:<vault name>`.
 */
export const azureKeyVaultConnector: Connector = {
  kind: 'azure-kv',
  async discover(config: ConnectorConfig, credentials: ConnectorCredentials, ctx: DiscoveryContext): Promise<Discovery> {
    const base = checkEndpoint(required(config.endpoint, 'endpoint', 'the vault URL, e.g. https://my-vault.vault.azure.net'), { field: 'endpoint', allowInsecureHttp: config.allowInsecureHttp });
    const token = required(credentials.token, 'token', 'an access token for https://vault.azure.net (set AZURE_ACCESS_TOKEN, e.g. from `az account get-access-token --resource https://vault.azure.net`)');
    const client = new RestClient({ connector: 'azure-kv', base, headers: { authorization: `Bearer ${token}` }, secrets: [token], ctx });
    const root = base.href.replace(/\/$/, '');
    const api = (path: string, extra: Record<string, string> = {}): URL => {
      const url = new URL(`${root}/${path}`);
      url.searchParams.set('api-version', API_VERSION);
      for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
      return url;
    };
    const listAll = async <T>(first: URL, what: string): Promise<T[]> => {
      const out: T[] = [];
      let url: URL | null = first;
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const body = (await client.get(url, what)) as { value?: unknown; nextLink?: unknown } | null;
        if (body?.value !== undefined && !Array.isArray(body.value)) throw new KeywardError('connector_failed', `azure-kv at ${base.origin}: ${what}: "value" is not a list`, { connector: 'azure-kv', endpoint: base.origin });
        out.push(...((body?.value ?? []) as T[]));
        checkItemCount('azure-kv', out.length);
        url = typeof body?.nextLink === 'string' && body.nextLink !== '' ? nextLinkUrl(body.nextLink, base, what) : null;
      }
      if (url) throw new KeywardError('connector_failed', `azure-kv at ${base.origin}: ${what}: more than ${MAX_PAGES} pages`, { connector: 'azure-kv', endpoint: base.origin });
      return out;
    };

    ctx.onProgress?.({ phase: 'listing', done: 0, total: null });
    const listed = await listAll<{ kid?: unknown }>(api('keys', { maxresults: '25' }), 'GET /keys');
    const names = [...new Set(listed.map((k) => (typeof k.kid === 'string' ? keyName(k.kid) : null)).filter((n): n is string => n !== null))];
    ctx.onProgress?.({ phase: 'listing', done: names.length, total: names.length });
    const warnings = new Warnings();
    let done = 0;
    const location = base.origin;
    const items = await mapLimit(names, ctx.concurrency, async (name): Promise<ItemDraft> => {
      const path = `keys/${encodeURIComponent(name)}`;
      let draft: ItemDraft;
      try {
        const bundle = (await client.get(api(path), `GET /${path}`)) as KeyBundle | null;
        const versions = await listAll<{ attributes?: KeyAttributes }>(api(`${path}/versions`, { maxresults: '25' }), `GET /${path}/versions`);
        let rotation: RotationSchedule | undefined;
        try {
          rotation = rotationFromPolicy(await client.get(api(`${path}/rotationpolicy`), `GET /${path}/rotationpolicy`, { allow404: true }));
        } catch (err) {
          if (!(err instanceof KeywardError)) throw err;
          warnings.add(`key "${name}": rotation policy unknown: ${err.message}`);
        }
        draft = keyBundleDraft(name, `${root}/keys/${name}`, location, bundle ?? {}, { versions, rotation, now: ctx.now });
      } catch (err) {
        if (!(err instanceof KeywardError)) throw err;
        warnings.add(`key "${name}": ${err.message}`);
        draft = { name, externalId: `${root}/keys/${name}`, location };
      }
      ctx.onProgress?.({ phase: 'describing', done: ++done, total: names.length });
      return draft;
    });
    return {
      source: connectorSource('azure-kv', config.name !== undefined ? checkSourceLabel(config.name) : vaultName(base)),
      config: { endpoint: root },
      items,
      warnings: warnings.done(),
    };
  },
};

/** `https://v.vault.azure.net/keys/name[/version]` → `name`. */
function keyName(kid: string): string | null {
  const m = /\/keys\/([^/?#]+)/.exec(kid);
  if (!m) return null;
  const name = decodeURIComponent(m[1] as string);
  return name === '.' || name === '..' || name.includes('/') ? null : name;
}

/** A next-page link; the RestClient refuses one on another host, so the token never leaves the vault. */
function nextLinkUrl(link: string, base: URL, what: string): URL {
  try {
    return new URL(link, base);
  } catch {
    throw new KeywardError('connector_failed', `azure-kv at ${base.origin}: ${what}: nextLink is not a URL`, { connector: 'azure-kv', endpoint: base.origin });
  }
}

/** `my-vault.vault.azure.net` → `my-vault`; an address (a test server, a proxy) names itself. */
function vaultName(base: URL): string {
  const host = base.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || host === 'localhost') return base.host;
  return host.split('.')[0] ?? host;
}

/**
 * The rotation policy: enabled when a lifetime action of type Rotate exists; its period is
 * `timeAfterCreate`, or the policy's expiry minus `timeBeforeExpiry`. No policy (404): not rotated.
 */
export function rotationFromPolicy(body: unknown): RotationSchedule {
  if (body === null) return { enabled: false, periodDays: null };
  const policy = body as { lifetimeActions?: unknown; attributes?: { expiryTime?: unknown } };
  const actions = Array.isArray(policy.lifetimeActions) ? (policy.lifetimeActions as { trigger?: { timeAfterCreate?: unknown; timeBeforeExpiry?: unknown }; action?: { type?: unknown } }[]) : [];
  const rotate = actions.find((a) => typeof a.action?.type === 'string' && a.action.type.toLowerCase() === 'rotate');
  if (!rotate) return { enabled: false, periodDays: null };
  const days = (text: unknown): number | null => {
    if (typeof text !== 'string') return null;
    const parsed = parseRotationPeriod(text);
    return parsed.ok ? parsed.value : null;
  };
  const afterCreate = days(rotate.trigger?.timeAfterCreate);
  if (afterCreate !== null) return { enabled: true, periodDays: afterCreate };
  const expiry = days(policy.attributes?.expiryTime);
  const before = days(rotate.trigger?.timeBeforeExpiry);
  return { enabled: true, periodDays: expiry !== null && before !== null && expiry > before ? expiry - before : null };
}

/** A key bundle (and its versions and rotation policy) as a draft. */
export function keyBundleDraft(
  name: string,
  externalId: string,
  location: string,
  bundle: KeyBundle,
  extra: { versions: readonly { attributes?: KeyAttributes }[]; rotation: RotationSchedule | undefined; now: Date },
): ItemDraft {
  const key = bundle.key ?? {};
  const attrs = bundle.attributes ?? {};
  const kty = typeof key.kty === 'string' ? key.kty : null;
  const family = kty?.replace(/-HSM$/, '') ?? null;
  const crv = typeof key.crv === 'string' ? key.crv : null;
  const created = extra.versions.map((v) => isoFromEpochSeconds(v.attributes?.created)).filter((t): t is string => t !== null).sort();
  const current = isoFromEpochSeconds(attrs.created);
  const tags = typeof bundle.tags === 'object' && bundle.tags !== null ? (bundle.tags as Record<string, string>) : {};
  const jwk: Record<string, string> = {};
  for (const [k, v] of Object.entries({ kty: family, n: str(key.n), e: str(key.e), crv, x: str(key.x), y: str(key.y) })) if (typeof v === 'string') jwk[k] = v;
  return withTagMetadata({
    name,
    externalId,
    type: family === 'oct' ? 'symmetric' : family === 'RSA' || family === 'EC' ? 'asymmetric' : 'secret',
    algorithm: family === null ? null : crv ? `${family}-${crv}` : family,
    sizeBits: keySize(family, key, crv),
    usage: Array.isArray(key.key_ops) ? key.key_ops.filter((o) => typeof o === 'string').join(',') || null : null,
    location,
    createdAt: created[0] ?? current,
    lastRotatedAt: extra.versions.length > 1 ? current : null,
    lastUsedAt: null,
    expiresAt: isoFromEpochSeconds(attrs.exp),
    ...(extra.rotation !== undefined ? { rotation: extra.rotation } : {}),
    state: keyState(attrs, extra.now),
    fingerprint: family === 'RSA' || family === 'EC' ? spkiFingerprint({ jwk }) : null,
    tags: boundedTags(tags),
    attributes: attributes({
      keyType: kty,
      protection: kty?.endsWith('-HSM') ? 'hsm' : kty ? 'software' : null,
      recoveryLevel: str(attrs.recoveryLevel),
      managed: bundle.managed === true ? true : null,
      versions: extra.versions.length,
      exportable: typeof attrs.exportable === 'boolean' ? attrs.exportable : null,
    }),
  });
}

function keyState(attrs: KeyAttributes, now: Date): ItemState {
  if (attrs.enabled === false) return 'disabled';
  const nowSeconds = now.getTime() / 1000;
  if (typeof attrs.exp === 'number' && attrs.exp <= nowSeconds) return 'expired';
  if (typeof attrs.nbf === 'number' && attrs.nbf > nowSeconds) return 'pending-activation';
  return attrs.enabled === true ? 'enabled' : 'unknown';
}

function keySize(family: string | null, key: NonNullable<KeyBundle['key']>, crv: string | null): number | null {
  if (family === 'RSA' && typeof key.n === 'string') {
    const n = Buffer.from(key.n, 'base64url');
    const significant = n[0] === 0 ? n.subarray(1) : n;
    return significant.length * 8;
  }
  if (family === 'EC' && crv) return CURVE_BITS[crv] ?? null;
  if (typeof key.key_size === 'number' && key.key_size > 0) return key.key_size;
  return null;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
