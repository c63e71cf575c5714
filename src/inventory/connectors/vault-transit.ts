import { KeywardError } from '../../core/errors.ts';
import type { ItemDraft, ItemType } from '../inventory-item.ts';
import { attributes, isoFromEpochSeconds, isoFromText } from '../item-fields.ts';
import { checkSourceLabel, connectorSource } from '../source-name.ts';
import { checkItemCount, mapLimit, required, Warnings, type Connector, type ConnectorConfig, type ConnectorCredentials, type DiscoveryContext, type Discovery } from './connector.ts';
import { spkiFingerprint } from './public-key-fingerprint.ts';
import { checkEndpoint, hasDotSegment, RestClient } from './rest-client.ts';

/** Mount paths: segments of letters, digits, `.`, `_`, `-`, joined by `/`. */
const MOUNT = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
const NAMESPACE = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/?$/;

/** Transit key types: what they are and how big. */
const KEY_TYPES: Readonly<Record<string, { type: ItemType; bits: number | null }>> = {
  'aes128-gcm96': { type: 'symmetric', bits: 128 },
  'aes256-gcm96': { type: 'symmetric', bits: 256 },
  'chacha20-poly1305': { type: 'symmetric', bits: 256 },
  'xchacha20-poly1305': { type: 'symmetric', bits: 256 },
  'aes128-cmac': { type: 'hmac', bits: 128 },
  'aes192-cmac': { type: 'hmac', bits: 192 },
  'aes256-cmac': { type: 'hmac', bits: 256 },
  ed25519: { type: 'asymmetric', bits: 256 },
  'ecdsa-p256': { type: 'asymmetric', bits: 256 },
  'ecdsa-p384': { type: 'asymmetric', bits: 384 },
  'ecdsa-p521': { type: 'asymmetric', bits: 521 },
  'rsa-2048': { type: 'asymmetric', bits: 2048 },
  'rsa-3072': { type: 'asymmetric', bits: 3072 },
  'rsa-4096': { type: 'asymmetric', bits: 4096 },
  hmac: { type: 'hmac', bits: null },
};

/**
 * HashiCorp Vault / OpenBao transit: `LIST /v1/<mount>/keys` (as `GET ?list=true`, which proxies
 * pass), then `GET /v1/<mount>/keys/<name>` per key. Token from the run's credentials
 * (`X-Vault-Token`), namespace as `X-Vault-Namespace`. Source `vault:<namespace/><mount>`.
 */
export const vaultConnector: Connector = {
  kind: 'vault',
  async discover(config: ConnectorConfig, credentials: ConnectorCredentials, ctx: DiscoveryContext): Promise<Discovery> {
    const base = checkEndpoint(required(config.endpoint, 'endpoint', 'the Vault address, e.g. https://vault.example.com:8200'), { field: 'endpoint', allowInsecureHttp: config.allowInsecureHttp });
    const mount = (config.mount ?? 'transit').trim().replace(/^\/+|\/+$/g, '');
    if (!MOUNT.test(mount) || mount.length > 256 || hasDotSegment(mount)) throw new KeywardError('validation_failed', 'mount must be a path such as "transit" or "team/transit"', { field: 'mount' });
    const namespace = config.namespace?.trim() || null;
    if (namespace !== null && (!NAMESPACE.test(namespace) || namespace.length > 256 || hasDotSegment(namespace))) throw new KeywardError('validation_failed', 'namespace must be a path such as "admin/team"', { field: 'namespace' });
    const token = required(credentials.token, 'token', 'a Vault token (set VAULT_TOKEN)');
    const client = new RestClient({
      connector: 'vault',
      base,
      headers: { 'x-vault-token': token, ...(namespace ? { 'x-vault-namespace': namespace } : {}) },
      secrets: [token],
      ctx,
    });
    const url = (path: string): URL => new URL(`${base.href.replace(/\/$/, '')}/v1/${mount}/${path}`);

    ctx.onProgress?.({ phase: 'listing', done: 0, total: null });
    const listed = await client.get(url('keys?list=true'), `LIST /v1/${mount}/keys`, { allow404: true });
    const names = listed === null ? [] : keyNames(listed, client.origin);
    checkItemCount('vault', names.length);
    ctx.onProgress?.({ phase: 'listing', done: names.length, total: names.length });

    const warnings = new Warnings();
    let done = 0;
    const location = `${base.origin}${namespace ? ` (namespace ${namespace})` : ''}`;
    const items = await mapLimit(names, ctx.concurrency, async (name): Promise<ItemDraft> => {
      let draft: ItemDraft;
      try {
        const body = await client.get(url(`keys/${encodeURIComponent(name)}`), `GET /v1/${mount}/keys/${name}`);
        draft = transitKey(name, mount, location, body);
      } catch (err) {
        if (!(err instanceof KeywardError)) throw err;
        warnings.add(`key "${name}": ${err.message}`);
        draft = { name, externalId: `${mount}/keys/${name}`, location };
      }
      ctx.onProgress?.({ phase: 'describing', done: ++done, total: names.length });
      return draft;
    });
    const label = config.name !== undefined ? checkSourceLabel(config.name) : namespace ? `${namespace.replace(/\/$/, '')}/${mount}` : mount;
    return {
      source: connectorSource('vault', label),
      config: { endpoint: base.href.replace(/\/$/, ''), mount, ...(namespace ? { namespace } : {}) },
      items,
      warnings: warnings.done(),
    };
  },
};

function keyNames(body: unknown, origin: string): string[] {
  const keys = (body as { data?: { keys?: unknown } } | null)?.data?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new KeywardError('connector_failed', `vault at ${origin}: the key list has no data.keys list of names`, { connector: 'vault', endpoint: origin });
  }
  // A name the URL would resolve as a path step (`..`) is not a key name.
  return keys.filter((k) => k !== '' && !hasDotSegment(k));
}

interface TransitKey {
  type?: unknown;
  latest_version?: unknown;
  min_decryption_version?: unknown;
  min_encryption_version?: unknown;
  auto_rotate_period?: unknown;
  deletion_allowed?: unknown;
  exportable?: unknown;
  derived?: unknown;
  convergent_encryption?: unknown;
  supports_encryption?: unknown;
  supports_signing?: unknown;
  imported_key?: unknown;
  key_size?: unknown;
  keys?: unknown;
}

/** One transit key's read answer as a draft. */
export function transitKey(name: string, mount: string, location: string, body: unknown): ItemDraft {
  const data = ((body as { data?: unknown } | null)?.data ?? {}) as TransitKey;
  const keyType = typeof data.type === 'string' ? data.type : 'unknown';
  const known = KEY_TYPES[keyType];
  const versions = versionTimes(data.keys);
  const latest = typeof data.latest_version === 'number' ? data.latest_version : versions.length;
  const created = versions.map((v) => v.createdAt).filter((t): t is string => t !== null).sort();
  const latestVersion = versions.find((v) => v.version === latest);
  const periodSeconds = durationSeconds(data.auto_rotate_period);
  const sizeBits = known?.bits ?? (typeof data.key_size === 'number' && data.key_size > 0 ? data.key_size * 8 : null);
  const usage = [data.supports_encryption === true ? 'ENCRYPT_DECRYPT' : null, data.supports_signing === true ? 'SIGN_VERIFY' : null, known?.type === 'hmac' ? 'MAC' : null].filter((u) => u !== null).join(',');
  return {
    name,
    externalId: `${mount}/keys/${name}`,
    type: known?.type ?? 'secret',
    algorithm: keyType,
    sizeBits,
    usage: usage || null,
    location,
    createdAt: created[0] ?? null,
    // Version 1 is the key's creation; a later latest version is its last rotation.
    lastRotatedAt: latest > 1 ? (latestVersion?.createdAt ?? null) : null,
    lastUsedAt: null,
    expiresAt: null,
    rotation: periodSeconds !== null && periodSeconds > 0 ? { enabled: true, periodDays: Math.max(1, Math.round(periodSeconds / 86400)) } : { enabled: false, periodDays: null },
    // Transit keys cannot be disabled; a key you can read is usable.
    state: 'enabled',
    fingerprint: latestVersion?.publicKey ? publicKeyFingerprint(keyType, latestVersion.publicKey) : null,
    tags: {},
    attributes: attributes({
      latestVersion: latest,
      minDecryptionVersion: numberOrNull(data.min_decryption_version),
      minEncryptionVersion: numberOrNull(data.min_encryption_version),
      deletionAllowed: boolOrNull(data.deletion_allowed),
      exportable: boolOrNull(data.exportable),
      derived: boolOrNull(data.derived),
      convergentEncryption: boolOrNull(data.convergent_encryption),
      importedKey: boolOrNull(data.imported_key),
    }),
  };
}

/** `keys`: version → creation time, as Unix seconds (symmetric keys) or an object with `creation_time` and `public_key` (asymmetric). */
function versionTimes(keys: unknown): { version: number; createdAt: string | null; publicKey: string | null }[] {
  if (typeof keys !== 'object' || keys === null) return [];
  return Object.entries(keys as Record<string, unknown>).map(([v, value]) => {
    const version = Number(v);
    if (typeof value === 'number') return { version, createdAt: isoFromEpochSeconds(value), publicKey: null };
    const o = (value ?? {}) as { creation_time?: unknown; public_key?: unknown };
    return { version, createdAt: isoFromText(o.creation_time), publicKey: typeof o.public_key === 'string' && o.public_key !== '' ? o.public_key : null };
  });
}

function publicKeyFingerprint(keyType: string, publicKey: string): string | null {
  if (publicKey.includes('-----BEGIN')) return spkiFingerprint({ pem: publicKey });
  // Vault shows Ed25519 public keys as base64 of the 32 raw bytes.
  if (keyType === 'ed25519') return spkiFingerprint({ ed25519Raw: Buffer.from(publicKey, 'base64') });
  return null;
}

/** Vault gives periods as seconds (a number) or a Go duration (`720h0m0s`). */
function durationSeconds(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value === '') return null;
  if (/^\d+$/.test(value)) return Number(value);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function boolOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}
