/** The columns an import understands. */
export const IMPORT_FIELDS = [
  'name',
  'externalId',
  'type',
  'algorithm',
  'size',
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
  'rotationEnabled',
  'rotationPeriod',
  'state',
  'tags',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/**
 * Header spellings per field, best first, compared after `normalizeHeader` (so `Last Rotated`,
 * `last_rotated` and `LastRotated` are one). When two columns name the same field, the one with
 * the better spelling wins and the other is reported as ignored.
 */
const SYNONYMS: Readonly<Record<ImportField, readonly string[]>> = {
  name: ['name', 'keyname', 'secretname', 'itemname', 'alias', 'keyalias', 'title'],
  externalId: ['externalid', 'id', 'keyid', 'arn', 'keyarn', 'resourceid', 'resourcename', 'identifier', 'uri', 'url', 'keyurl', 'path'],
  type: ['type', 'keytype', 'secrettype', 'itemtype', 'kind', 'category'],
  algorithm: ['algorithm', 'algo', 'keyspec', 'spec', 'cipher', 'keyalgorithm'],
  size: ['size', 'keysize', 'bits', 'keybits', 'length', 'keylength', 'sizebits'],
  usage: ['usage', 'keyusage'],
  purpose: ['purpose', 'usedfor', 'use', 'description', 'comment', 'comments', 'notes'],
  owner: ['owner', 'keyowner', 'owneremail', 'responsible', 'custodian', 'contact', 'accountable'],
  team: ['team', 'ownerteam', 'group', 'department', 'squad', 'businessunit'],
  environment: ['environment', 'env', 'stage', 'deployment'],
  tier: ['tier', 'keytier', 'risktier'],
  classification: ['classification', 'dataclassification', 'sensitivity', 'criticality', 'risk'],
  location: ['location', 'storedin', 'store', 'storage', 'system', 'provider', 'platform', 'vault', 'where', 'host'],
  createdAt: ['created', 'createdat', 'createdon', 'creationdate', 'createddate', 'datecreated', 'issued', 'issuedon', 'generated'],
  lastRotatedAt: ['lastrotated', 'lastrotatedat', 'lastrotatedon', 'lastrotation', 'lastrotationdate', 'rotated', 'rotatedon', 'rotatedat'],
  lastUsedAt: ['lastused', 'lastusedat', 'lastusedon', 'lastuse', 'lastaccess', 'lastaccessed'],
  expiresAt: ['expires', 'expiresat', 'expireson', 'expiry', 'expirydate', 'expiration', 'expirationdate', 'notafter', 'validuntil', 'validto'],
  rotation: ['rotation', 'rotationschedule', 'rotationpolicy', 'autorotation', 'autorotate'],
  rotationEnabled: ['rotationenabled', 'autorotationenabled', 'rotates', 'rotatedautomatically'],
  rotationPeriod: ['rotationperiod', 'rotationperioddays', 'rotationdays', 'rotationinterval', 'rotateevery', 'rotationfrequency', 'cryptoperiod', 'cryptoperioddays'],
  state: ['state', 'status', 'keystate', 'keystatus'],
  tags: ['tags', 'labels'],
};

/** Header cells that name secret values: never read, and said so, because an inventory holds no secrets. */
const VALUE_HEADERS = new Set(['value', 'secret', 'secretvalue', 'password', 'passwordvalue', 'key', 'keyvalue', 'keymaterial', 'material', 'token', 'tokenvalue', 'privatekey', 'apikey', 'plaintext']);

/** Lower case with everything but letters and digits dropped: `Last Rotated (UTC)` → `lastrotatedutc`. */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/\(.*?\)/g, '').replace(/[^a-z0-9]/g, '');
}

export interface HeaderMatch {
  /** Column index → field. */
  readonly columns: ReadonlyMap<number, ImportField>;
  /** Headers not used, as written. */
  readonly ignored: readonly string[];
  /** Headers that look like they hold secret values (never read). */
  readonly secretLooking: readonly string[];
}

/** Which column holds which field; tolerant of case, spaces, underscores, punctuation and a few synonyms. */
export function matchHeaders(headers: readonly string[]): HeaderMatch {
  const best = new Map<ImportField, { index: number; rank: number }>();
  headers.forEach((header, index) => {
    const norm = normalizeHeader(header);
    for (const field of IMPORT_FIELDS) {
      const rank = SYNONYMS[field].indexOf(norm);
      if (rank === -1) continue;
      const current = best.get(field);
      if (!current || rank < current.rank) best.set(field, { index, rank });
    }
  });
  const columns = new Map<number, ImportField>();
  for (const [field, { index }] of best) if (!columns.has(index)) columns.set(index, field);
  const ignored: string[] = [];
  const secretLooking: string[] = [];
  headers.forEach((header, index) => {
    if (columns.has(index) || header.trim() === '') return;
    (VALUE_HEADERS.has(normalizeHeader(header)) ? secretLooking : ignored).push(header.trim().slice(0, 64));
  });
  return { columns, ignored, secretLooking };
}
