import type { KeyRecord, KeyVersionRecord } from '../storage/records.ts';

/** What callers see of a key: metadata and versions, never material. */
export interface KeyView extends Omit<KeyRecord, 'revision'> {
  readonly versions?: readonly KeyVersionView[];
}

export interface KeyVersionView {
  readonly version: number;
  readonly createdAt: string;
  readonly origin: string;
  readonly encryptionCount: number;
  readonly destroyed: boolean;
  readonly publicKey: string | null;
}

export function keyView(key: KeyRecord, versions?: readonly KeyVersionRecord[]): KeyView {
  const { revision: _revision, ...rest } = key;
  if (!versions) return rest;
  return {
    ...rest,
    versions: versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      origin: v.origin,
      encryptionCount: v.encryptionCount,
      destroyed: v.wrappedMaterial === null,
      publicKey: v.publicKey,
    })),
  };
}
