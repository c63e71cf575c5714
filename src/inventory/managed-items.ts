import { SPEC_INFO, type KeyFamily } from '../crypto/key-specs.ts';
import type { AuditRecord, KeyRecord, KeyState } from '../storage/records.ts';
import type { Store } from '../storage/store.ts';
import type { InventoryItem, ItemState, ItemType } from './inventory-item.ts';
import { KEYWARD_SOURCE } from './source-name.ts';

const TYPE_BY_FAMILY: Readonly<Record<KeyFamily, ItemType>> = { aes: 'symmetric', rsa: 'asymmetric', ec: 'asymmetric', ed25519: 'asymmetric', hmac: 'hmac' };

const STATE_BY_KEY_STATE: Readonly<Record<KeyState, ItemState>> = {
  'pre-activation': 'pending-activation',
  active: 'enabled',
  suspended: 'disabled',
  // Deactivated keys only decrypt and verify: not usable for new data, so disabled.
  deactivated: 'disabled',
  compromised: 'compromised',
  destroyed: 'destroyed',
};

/** The inventory type of a managed key's spec. */
export function managedItemType(key: Pick<KeyRecord, 'spec'>): ItemType {
  return TYPE_BY_FAMILY[SPEC_INFO[key.spec].family];
}

/**
 * A managed key as an inventory item, computed on every read (never stored, so it cannot drift
 * from the key). `firstSeenAt` is its creation, `lastSeenAt` the moment of reading: Keyward sees
 * its own keys continuously. Destroyed keys stay in the inventory with state `destroyed`.
 */
export function managedItem(key: KeyRecord, now: string, lastUsedAt: string | null): InventoryItem {
  const info = SPEC_INFO[key.spec];
  return {
    id: key.id,
    source: KEYWARD_SOURCE,
    provider: 'keyward',
    externalId: key.id,
    name: key.name,
    type: managedItemType(key),
    algorithm: key.spec,
    sizeBits: info.bits,
    usage: key.usage,
    purpose: key.purpose ?? key.description,
    owner: key.owner,
    team: key.tags['team'] ?? null,
    environment: key.environment,
    tier: key.tier,
    classification: null,
    location: 'keyward',
    createdAt: key.createdAt,
    // A key's first version is not a rotation.
    lastRotatedAt: key.lastRotatedAt,
    lastUsedAt,
    expiresAt: null,
    rotation: { enabled: key.rotationPeriodDays !== null, periodDays: key.rotationPeriodDays },
    state: STATE_BY_KEY_STATE[key.state],
    fingerprint: null,
    firstSeenAt: key.createdAt,
    lastSeenAt: now,
    gone: false,
    goneAt: null,
    tags: key.tags,
    attributes: { keyState: key.state, origin: key.origin, currentVersion: String(key.currentVersion), createdBy: key.createdBy },
  };
}

/** Audit entries looked at per query when searching a key's last use. */
const USE_PAGE = 200;
/**
 * How far back (in the key's own successful audit entries) a last use is searched. Keys in use
 * are found on the first page; a key whose last thousand entries are all administration reports
 * no last use, which is what an orphan check should see anyway.
 */
const USE_SCAN_LIMIT = 1000;

/**
 * When a managed key was last used for cryptography: the newest successful `crypto.*` entry of
 * the key in the audit log. One indexed query (key id, newest first) per page of the key's
 * entries; null when none is among its newest USE_SCAN_LIMIT successful entries.
 */
export async function lastCryptoUse(store: Pick<Store, 'queryAudit'>, keyId: string): Promise<string | null> {
  let beforeSeq: number | undefined;
  for (let scanned = 0; scanned < USE_SCAN_LIMIT; scanned += USE_PAGE) {
    const page: AuditRecord[] = await store.queryAudit({ keyId, outcome: 'success', descending: true, limit: USE_PAGE, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    const use = page.find((e) => e.action.startsWith('crypto.'));
    if (use) return use.time;
    const last = page[page.length - 1];
    if (page.length < USE_PAGE || !last) return null;
    beforeSeq = last.seq;
  }
  return null;
}
