import type { Tier } from '../storage/records.ts';
import { ITEM_LIMITS, ITEM_TYPES, type ItemDraft, type ItemType } from './inventory-item.ts';

/** Trims, collapses control characters and cuts to `max` characters (with an ellipsis): provider text is shown, never trusted. */
export function clipText(value: string, max: number = ITEM_LIMITS.text): string {
  const clean = value.replace(/\p{Cc}+/gu, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** Text or null: empty strings say nothing. */
export function textOrNull(value: string | null | undefined, max: number = ITEM_LIMITS.text): string | null {
  if (value === null || value === undefined) return null;
  const clipped = clipText(value, max);
  return clipped === '' ? null : clipped;
}

const ENVIRONMENT_SYNONYMS: Readonly<Record<string, string>> = {
  prod: 'prod',
  production: 'prod',
  prd: 'prod',
  live: 'prod',
  staging: 'staging',
  stage: 'staging',
  stg: 'staging',
  preprod: 'staging',
  'pre-prod': 'staging',
  'pre-production': 'staging',
  dev: 'dev',
  development: 'dev',
  develop: 'dev',
  ci: 'ci',
};

/** Lower case, the usual spellings folded to Keyward's environments (`production` → `prod`); others kept. */
export function normalizeEnvironment(value: string): string | null {
  const v = clipText(value, 64).toLowerCase();
  if (v === '') return null;
  return ENVIRONMENT_SYNONYMS[v] ?? v;
}

/** `1`, `tier 1`, `T1`, `tier-1` → 1; anything else is not a tier. */
export function parseTier(value: string): Tier | null {
  const m = /^(?:tier|t)?[\s_-]*([123])$/i.exec(value.trim());
  return m ? (Number(m[1]) as Tier) : null;
}

/** A classification cell: a tier when it reads as one, else a label. */
export function parseClassification(value: string): { tier: Tier | null; classification: string | null } {
  const tier = parseTier(value);
  if (tier !== null) return { tier, classification: null };
  return { tier: null, classification: textOrNull(value, 64) };
}

const TYPE_SYNONYMS: Readonly<Record<string, ItemType>> = {
  symmetric: 'symmetric',
  symmetrickey: 'symmetric',
  aes: 'symmetric',
  des: 'symmetric',
  '3des': 'symmetric',
  tdes: 'symmetric',
  encryptionkey: 'symmetric',
  dek: 'symmetric',
  kek: 'symmetric',
  asymmetric: 'asymmetric',
  asymmetrickey: 'asymmetric',
  keypair: 'asymmetric',
  privatekey: 'asymmetric',
  rsa: 'asymmetric',
  ec: 'asymmetric',
  ecc: 'asymmetric',
  ecdsa: 'asymmetric',
  ed25519: 'asymmetric',
  sshkey: 'asymmetric',
  ssh: 'asymmetric',
  pgp: 'asymmetric',
  gpg: 'asymmetric',
  signingkey: 'asymmetric',
  hmac: 'hmac',
  hmackey: 'hmac',
  mac: 'hmac',
  apitoken: 'api-token',
  apikey: 'api-token',
  token: 'api-token',
  accesstoken: 'api-token',
  accesskey: 'api-token',
  bearertoken: 'api-token',
  pat: 'api-token',
  certificate: 'certificate',
  cert: 'certificate',
  x509: 'certificate',
  tls: 'certificate',
  tlscertificate: 'certificate',
  sslcertificate: 'certificate',
  password: 'password',
  passwd: 'password',
  passphrase: 'password',
  pw: 'password',
  credential: 'password',
  secret: 'secret',
  generic: 'secret',
  other: 'secret',
};

/** `API key`, `api_token`, `Token` → `api-token`; `RSA` → `asymmetric`; null when unknown. */
export function parseItemType(value: string): ItemType | null {
  const v = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if ((ITEM_TYPES as readonly string[]).includes(value.trim().toLowerCase())) return value.trim().toLowerCase() as ItemType;
  // "AES key", "SSH keys", "signing key pair": the word key adds nothing.
  return TYPE_SYNONYMS[v] ?? TYPE_SYNONYMS[v.replace(/keys?$|keypairs?$/, '')] ?? null;
}

/** The type an algorithm name implies (`AES-256` → symmetric), for rows that name an algorithm but no type. */
export function typeFromAlgorithm(algorithm: string): ItemType | null {
  const a = algorithm.toUpperCase();
  if (/HMAC/.test(a)) return 'hmac';
  if (/^(AES|DES|3DES|TDES|CHACHA|XCHACHA|SYMMETRIC|GOOGLE_SYMMETRIC|OCT)/.test(a)) return 'symmetric';
  if (/^(RSA|EC|ECC|ECDSA|ED25519|ED448|SM2|DSA|X25519)/.test(a)) return 'asymmetric';
  return null;
}

/** The size an algorithm name states (`AES_256`, `RSA-2048`, `P-384`, `HMAC_SHA512`), if any. */
export function sizeFromAlgorithm(algorithm: string): number | null {
  const a = algorithm.toUpperCase();
  if (/ED25519|X25519|CURVE25519/.test(a)) return 256;
  if (/ED448/.test(a)) return 448;
  const curve = /(?:P|SECP|NIST_P)[-_]?(256|384|521)/.exec(a);
  if (curve) return Number(curve[1]);
  const hmac = /HMAC[-_]?SHA[-_]?(1|224|256|384|512)\b/.exec(a);
  if (hmac) return hmac[1] === '1' ? 160 : Number(hmac[1]);
  const bits = /(?:^|[^0-9])(128|192|224|256|384|512|1024|2048|3072|4096|8192)(?:[^0-9]|$)/.exec(a);
  return bits ? Number(bits[1]) : null;
}

/** Tag names that carry inventory metadata, by field (compared case-insensitively, `-`/`_`/space ignored). */
const METADATA_TAGS = {
  owner: ['owner', 'owneremail', 'keyowner', 'contact'],
  team: ['team', 'ownerteam', 'squad', 'department'],
  environment: ['environment', 'env', 'stage'],
  classification: ['classification', 'dataclassification', 'tier', 'sensitivity'],
  purpose: ['purpose', 'usedfor'],
} as const;

/**
 * Owner, team, environment, classification and purpose read from a source's tags or labels
 * (`Owner=alice`, `env=production`), for fields the source has no place for. Fields already in
 * the draft win.
 */
export function withTagMetadata(draft: ItemDraft): ItemDraft {
  const tags = draft.tags ?? {};
  const byNorm = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase().replace(/[^a-z0-9]/g, ''), v]));
  const find = (names: readonly string[]): string | null => {
    for (const n of names) {
      const v = byNorm.get(n);
      if (v !== undefined && v.trim() !== '') return v;
    }
    return null;
  };
  const out: { -readonly [K in keyof ItemDraft]: ItemDraft[K] } = { ...draft };
  const owner = find(METADATA_TAGS.owner);
  if (out.owner == null && owner !== null) out.owner = textOrNull(owner, 256);
  const team = find(METADATA_TAGS.team);
  if (out.team == null && team !== null) out.team = textOrNull(team, 256);
  const environment = find(METADATA_TAGS.environment);
  if (out.environment == null && environment !== null) out.environment = normalizeEnvironment(environment);
  const purpose = find(METADATA_TAGS.purpose);
  if (out.purpose == null && purpose !== null) out.purpose = textOrNull(purpose);
  const classification = find(METADATA_TAGS.classification);
  if (out.tier == null && out.classification == null && classification !== null) {
    const parsed = parseClassification(classification);
    out.tier = parsed.tier;
    out.classification = parsed.classification;
  }
  return out;
}

/**
 * Tags cut to the inventory's limits: at most ITEM_LIMITS.tags entries (by name order, so the cut
 * is stable), names and values clipped. Provider tags are shown, so they are cleaned like text.
 */
export function boundedTags(tags: Readonly<Record<string, string>>, max: number = ITEM_LIMITS.tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(tags).sort().slice(0, max)) {
    const key = clipText(name, ITEM_LIMITS.tagKey);
    if (key === '') continue;
    out[key] = clipText(tags[name] ?? '', ITEM_LIMITS.tagValue);
  }
  return out;
}

/** Drops null and empty values, clips the rest: provider-specific facts. */
export function attributes(values: Readonly<Record<string, string | number | boolean | null | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') continue;
    if (Object.keys(out).length >= ITEM_LIMITS.attributes) break;
    out[name] = clipText(String(value), ITEM_LIMITS.tagValue);
  }
  return out;
}

/** Seconds since the epoch (as providers send them) to an ISO string; null for nonsense. */
export function isoFromEpochSeconds(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  const d = new Date(value * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An RFC 3339 / ISO timestamp from a provider, normalised to UTC; null for nonsense (and for Go's zero time). */
export function isoFromText(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return null;
  return d.toISOString();
}

/** The later of two ISO times (either may be null). */
export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
