import type { Static } from '@sinclair/typebox';
import type { KeyView } from '../server/schemas/keys.ts';
import { formatFields, formatTable, type Column } from './table.ts';

export type Key = Static<typeof KeyView>;
type KeyVersion = NonNullable<Key['versions']>[number];

export const KEY_COLUMNS: readonly Column<Key>[] = [
  { header: 'name', cell: (k) => k.name },
  { header: 'spec', cell: (k) => k.spec },
  { header: 'state', cell: (k) => k.state },
  { header: 'version', cell: (k) => k.currentVersion },
  { header: 'environment', cell: (k) => k.environment },
  { header: 'owner', cell: (k) => k.owner },
  { header: 'tier', cell: (k) => k.tier },
  { header: 'id', cell: (k) => k.id },
];

const VERSION_COLUMNS: readonly Column<KeyVersion>[] = [
  { header: 'version', cell: (v) => v.version },
  { header: 'created', cell: (v) => v.createdAt },
  { header: 'origin', cell: (v) => v.origin },
  { header: 'encryptions', cell: (v) => v.encryptionCount },
  { header: 'destroyed', cell: (v) => v.destroyed },
];

/** One key for people: its metadata, then its versions. */
export function keyText(key: Key): string {
  const fields = formatFields([
    ['Name', key.name],
    ['ID', key.id],
    ['Spec', key.spec],
    ['Usage', key.usage],
    ['State', key.state],
    ['Origin', key.origin],
    ['Current version', key.currentVersion],
    ['Min decryption version', key.minDecryptionVersion],
    ['Owner', key.owner],
    ['Purpose', key.purpose],
    ['Environment', key.environment],
    ['Tier', key.tier],
    ['Tags', tagsText(key.tags)],
    ['Description', key.description],
    ['Rotation period', key.rotationPeriodDays === null ? null : `${key.rotationPeriodDays} days`],
    ['Created', `${key.createdAt} by ${key.createdBy}`],
    ['Updated', key.updatedAt],
    ['State changed', key.stateChangedAt],
    ['Last rotated', key.lastRotatedAt],
    ['Compromised', key.compromisedAt],
    ['Destroyed', key.destroyedAt],
  ]);
  return key.versions && key.versions.length > 0 ? `${fields}\n${formatTable(VERSION_COLUMNS, key.versions)}` : fields;
}

function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
