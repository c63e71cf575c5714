import type { AuditRecord } from '../../storage/records.ts';

/**
 * Rotation impact ("re-key rehearsal"): from a key's audit entries, who still encrypts with, or
 * decrypts data of, versions that a rotation has superseded, and how long after that rotation.
 * Pure: the engine feeds it the key's entries; the audit checks (ROT-04) can feed it theirs.
 */

const DAY_MS = 86_400_000;

/** Days after the superseding rotation from which a principal still on an old version is `stale`. */
export const DEFAULT_STALE_AFTER_DAYS = 7;

/** How an audited action uses a key version: to protect new data, or to process existing data. */
export type VersionUse = 'protect' | 'process';

/**
 * Audited actions that use one version of the key they name (keyId, keyVersion). Protecting ones
 * use the version that was current when they ran, so an old version there means a node or client
 * working from stale key metadata. `key.rewrap` names its source versions in `details.sourceVersions`.
 */
export const VERSION_USES: Readonly<Record<string, VersionUse>> = {
  'crypto.encrypt': 'protect',
  'crypto.generate-data-key': 'protect',
  'crypto.sign': 'protect',
  'crypto.mac': 'protect',
  'crypto.decrypt': 'process',
  'crypto.verify': 'process',
  'crypto.verify-mac': 'process',
  'crypto.re-encrypt': 'process',
  'key.rewrap': 'process',
};

/** Actions that create a version: the entry's keyVersion is the new version, its time when it became current. */
const VERSION_CREATING = new Set(['key.create', 'key.import', 'key.rotate']);

export interface VersionHistoryItem {
  readonly version: number;
  readonly createdAt: string;
}

/** Uses of superseded versions of one kind by one principal. */
export interface OldVersionUse {
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
  /** The superseded versions it used, ascending. */
  readonly versions: readonly number[];
  /** The longest time between a use and the rotation that had superseded its version, in days (one decimal). */
  readonly maxDaysAfterRotation: number;
}

export interface PrincipalImpact {
  readonly actor: string;
  /** Encryptions, data keys, signatures and MACs under a superseded version. */
  readonly protect: OldVersionUse | null;
  /** Decryptions, verifications and re-encryptions of data under a superseded version. */
  readonly process: OldVersionUse | null;
  /** Attempts refused because the version is below the minimum decryption version: data not yet rewrapped. */
  readonly refused: OldVersionUse | null;
  /** The latest of the above. */
  readonly lastAt: string;
  /** Still used a superseded version `staleAfterDays` or more after the rotation that superseded it. */
  readonly stale: boolean;
}

export interface VersionImpact {
  readonly version: number;
  readonly createdAt: string | null;
  /** When the next version became current; null for the current version. */
  readonly supersededAt: string | null;
  /** Successful uses of this version after it was superseded. */
  readonly usesAfterRotation: number;
  readonly lastUsedAfterRotation: string | null;
}

export interface RotationImpact {
  readonly keyId: string;
  readonly currentVersion: number;
  readonly staleAfterDays: number;
  readonly generatedAt: string;
  /** Entries looked at (those of this key). */
  readonly entriesScanned: number;
  readonly versions: readonly VersionImpact[];
  /** Principals that used superseded versions: stale ones first, then by latest use. */
  readonly principals: readonly PrincipalImpact[];
  readonly summary: { readonly principals: number; readonly stale: number; readonly refused: number };
}

export interface RotationImpactOptions {
  readonly keyId: string;
  /** The key's versions and creation times (from the store); without them they are learned from key.create/import/rotate entries. */
  readonly versions?: readonly VersionHistoryItem[];
  readonly now: Date;
  readonly staleAfterDays?: number;
}

interface Accumulator {
  count: number;
  firstMs: number;
  lastMs: number;
  versions: Set<number>;
  maxLateMs: number;
}

/**
 * Accumulates a key's audit entries, in sequence order, one at a time: a large log need not be
 * held in memory. `result()` may be called at any point.
 */
export class RotationImpactBuilder {
  readonly #keyId: string;
  readonly #now: Date;
  readonly #staleAfterDays: number;
  /** version → when it became current (ms). */
  readonly #created = new Map<number, number>();
  readonly #byActor = new Map<string, Record<'protect' | 'process' | 'refused', Accumulator | null>>();
  readonly #byVersion = new Map<number, { uses: number; lastMs: number }>();
  #scanned = 0;

  constructor(options: RotationImpactOptions) {
    this.#keyId = options.keyId;
    this.#now = options.now;
    this.#staleAfterDays = options.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS;
    for (const v of options.versions ?? []) this.#created.set(v.version, Date.parse(v.createdAt));
  }

  add(entry: AuditRecord): void {
    if (entry.keyId !== this.#keyId) return;
    this.#scanned++;
    const at = Date.parse(entry.time);
    if (VERSION_CREATING.has(entry.action)) {
      if (entry.outcome === 'success' && entry.keyVersion !== null && !this.#created.has(entry.keyVersion)) this.#created.set(entry.keyVersion, at);
      return;
    }
    const use = VERSION_USES[entry.action];
    if (use === undefined) return;
    if (entry.outcome === 'success') {
      for (const version of usedVersions(entry)) this.#record(entry.actor, use, version, at);
    } else if (entry.errorCode === 'key_version_disabled' && entry.keyVersion !== null) {
      this.#record(entry.actor, 'refused', entry.keyVersion, at);
    }
  }

  /** When `version` stopped being current (the next version's creation), if known. */
  #supersededAt(version: number): number | undefined {
    return this.#created.get(version + 1);
  }

  #record(actor: string, kind: 'protect' | 'process' | 'refused', version: number, at: number): void {
    const superseded = this.#supersededAt(version);
    if (superseded === undefined || at < superseded) return;
    let uses = this.#byActor.get(actor);
    if (!uses) {
      uses = { protect: null, process: null, refused: null };
      this.#byActor.set(actor, uses);
    }
    const acc = (uses[kind] ??= { count: 0, firstMs: at, lastMs: at, versions: new Set(), maxLateMs: 0 });
    acc.count++;
    acc.firstMs = Math.min(acc.firstMs, at);
    acc.lastMs = Math.max(acc.lastMs, at);
    acc.versions.add(version);
    acc.maxLateMs = Math.max(acc.maxLateMs, at - superseded);
    if (kind !== 'refused') {
      const v = this.#byVersion.get(version) ?? { uses: 0, lastMs: at };
      v.uses++;
      v.lastMs = Math.max(v.lastMs, at);
      this.#byVersion.set(version, v);
    }
  }

  result(): RotationImpact {
    const staleMs = this.#staleAfterDays * DAY_MS;
    const principals: PrincipalImpact[] = [...this.#byActor].map(([actor, uses]) => {
      const protect = summarise(uses.protect);
      const process = summarise(uses.process);
      const refused = summarise(uses.refused);
      const lastMs = Math.max(uses.protect?.lastMs ?? 0, uses.process?.lastMs ?? 0, uses.refused?.lastMs ?? 0);
      const stale = [uses.protect, uses.process].some((acc) => acc !== null && acc.maxLateMs >= staleMs);
      return { actor, protect, process, refused, lastAt: new Date(lastMs).toISOString(), stale };
    });
    principals.sort((a, b) => Number(b.stale) - Number(a.stale) || b.lastAt.localeCompare(a.lastAt) || a.actor.localeCompare(b.actor));
    const current = Math.max(0, ...this.#created.keys());
    const versions: VersionImpact[] = [];
    for (let version = 1; version <= current; version++) {
      const created = this.#created.get(version);
      const superseded = this.#supersededAt(version);
      const used = this.#byVersion.get(version);
      versions.push({
        version,
        createdAt: created === undefined ? null : new Date(created).toISOString(),
        supersededAt: superseded === undefined ? null : new Date(superseded).toISOString(),
        usesAfterRotation: used?.uses ?? 0,
        lastUsedAfterRotation: used ? new Date(used.lastMs).toISOString() : null,
      });
    }
    return {
      keyId: this.#keyId,
      currentVersion: current,
      staleAfterDays: this.#staleAfterDays,
      generatedAt: this.#now.toISOString(),
      entriesScanned: this.#scanned,
      versions,
      principals,
      summary: { principals: principals.length, stale: principals.filter((p) => p.stale).length, refused: principals.filter((p) => p.refused !== null).length },
    };
  }
}

/** The impact over a whole list of a key's entries (in sequence order). */
export function rotationImpact(options: RotationImpactOptions & { readonly entries: Iterable<AuditRecord> }): RotationImpact {
  const builder = new RotationImpactBuilder(options);
  for (const entry of options.entries) builder.add(entry);
  return builder.result();
}

/** The versions a successful use entry touched: its keyVersion, or a rewrap's source versions. */
function usedVersions(entry: AuditRecord): number[] {
  if (entry.action === 'key.rewrap') {
    const sources = entry.details['sourceVersions'];
    if (sources === null || typeof sources !== 'object' || Array.isArray(sources)) return [];
    return Object.keys(sources as Record<string, string>)
      .map(Number)
      .filter((v) => Number.isInteger(v) && v > 0);
  }
  return entry.keyVersion === null ? [] : [entry.keyVersion];
}

function summarise(acc: Accumulator | null): OldVersionUse | null {
  if (acc === null) return null;
  return {
    count: acc.count,
    firstAt: new Date(acc.firstMs).toISOString(),
    lastAt: new Date(acc.lastMs).toISOString(),
    versions: [...acc.versions].sort((a, b) => a - b),
    maxDaysAfterRotation: Math.floor((acc.maxLateMs / DAY_MS) * 10) / 10,
  };
}
