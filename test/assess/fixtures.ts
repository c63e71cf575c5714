/**
 * Builders for assessment snapshots: a check's test states only what matters to it. Not a test
 * file itself (no `.test.ts`).
 */
import { DEFAULT_THRESHOLDS, type AssessedKey, type AssessedKeyVersion, type AssessmentInput, type InventoryItem, type KeyUsage, type RoleBindingSnapshot, type TokenSnapshot } from '../../src/assess/input.ts';
import type { KeyRecord } from '../../src/storage/records.ts';

export const NOW = '2026-06-01T12:00:00.000Z';
const DAY = 86_400_000;

export function daysAgo(days: number): string {
  return new Date(Date.parse(NOW) - days * DAY).toISOString();
}

export function hoursAgo(hours: number): string {
  return new Date(Date.parse(NOW) - hours * 3_600_000).toISOString();
}

/** A snapshot with no sections: every check is not-assessed on it. */
export function snapshot(sections: Partial<AssessmentInput> = {}): AssessmentInput {
  return { now: NOW, instanceId: 'kw_test', thresholds: DEFAULT_THRESHOLDS, ...sections };
}

/** A managed key named `name` (id `key_<name>`): active, fully described, created 10 days ago. */
export function keyRecord(name: string, over: Partial<KeyRecord> = {}): KeyRecord {
  const createdAt = over.createdAt ?? daysAgo(10);
  return {
    id: `key_${name}`,
    name,
    spec: 'AES_256_GCM',
    usage: 'ENCRYPT_DECRYPT',
    state: 'active',
    origin: 'generated',
    owner: 'alice@example.com',
    purpose: 'tests',
    environment: 'prod',
    tier: 2,
    tags: {},
    description: null,
    createdAt,
    createdBy: 'root:admin',
    updatedAt: createdAt,
    stateChangedAt: createdAt,
    currentVersion: 1,
    minDecryptionVersion: 1,
    rotationPeriodDays: 90,
    lastRotatedAt: null,
    compromisedAt: null,
    destroyedAt: null,
    revision: 1,
    ...over,
  };
}

/** A key with versions 1…currentVersion; version n created at `versionCreated[n-1]` (default: the key's creation). */
export function key(name: string, over: Partial<KeyRecord> = {}, versions: Partial<AssessedKeyVersion>[] = []): AssessedKey {
  const record = keyRecord(name, over);
  const list: AssessedKeyVersion[] = [];
  for (let v = 1; v <= record.currentVersion; v++) {
    list.push({ version: v, createdAt: record.createdAt, encryptionCount: 0, encryptionLimit: 2 ** 32, destroyed: false, ...versions[v - 1] });
  }
  return { key: record, versions: list };
}

/** Usage of `keyId` with nothing in it but what `over` says. */
export function keyUsage(keyId: string, over: Partial<KeyUsage> = {}): KeyUsage {
  return {
    keyId,
    uses: 0,
    firstUsedAt: null,
    lastUsedAt: null,
    lastUsedSeq: null,
    lastProtectAt: null,
    lastProtectSeq: null,
    versions: [],
    principals: [],
    daily: [],
    decryptFailures: [],
    sources: [],
    inactiveStateUses: [],
    inactiveStateUseCount: 0,
    ...over,
  };
}

/** A key used recently (protecting too) by one actor. */
export function usedKey(keyId: string, actor = 'token:app', at = daysAgo(1)): KeyUsage {
  return keyUsage(keyId, {
    uses: 10,
    firstUsedAt: daysAgo(9),
    lastUsedAt: at,
    lastUsedSeq: 100,
    lastProtectAt: at,
    lastProtectSeq: 100,
    versions: [{ version: 1, uses: 10, lastUsedAt: at, lastUsedSeq: 100, lastProtectAt: at, lastProtectSeq: 100 }],
    principals: [{ actor, uses: 10, lastUsedAt: at, lastUsedSeq: 100 }],
  });
}

export function usage(keys: KeyUsage[]): NonNullable<AssessmentInput['usage']> {
  return { fromSeq: 1, toSeq: 1000, since: daysAgo(400), keys };
}

export function inventoryItem(id: string, over: Partial<InventoryItem> = {}): InventoryItem {
  return {
    id,
    source: 'aws',
    externalId: `arn:aws:kms:eu-west-1:111122223333:key/${id}`,
    name: id,
    type: 'symmetric',
    algorithm: 'AES_256',
    bits: 256,
    environment: 'prod',
    owner: 'alice@example.com',
    tier: 2,
    state: 'enabled',
    status: 'registered',
    rotationEnabled: true,
    rotationPeriodDays: 365,
    lastRotatedAt: daysAgo(30),
    expiresAt: null,
    fingerprint: null,
    createdAt: daysAgo(100),
    ...over,
  };
}

export function token(accessor: string, over: Partial<TokenSnapshot> = {}): TokenSnapshot {
  return {
    accessor,
    type: 'service',
    identityId: null,
    permissions: ['crypto.*@billing'],
    createdAt: daysAgo(1),
    createdBy: 'root:admin',
    expiresAt: daysAgo(-1),
    revokedAt: null,
    ...over,
  };
}

export function binding(id: string, over: Partial<RoleBindingSnapshot> = {}): RoleBindingSnapshot {
  return {
    id,
    subject: 'id_alice',
    subjectKind: 'identity',
    role: 'key-user',
    grantsAdmin: false,
    grantsUse: true,
    keyScope: 'billing',
    createdBy: 'root:admin',
    createdAt: daysAgo(30),
    lastUsedAt: null,
    ...over,
  };
}
