import { KeywardError } from '../../core/errors.ts';
import type { ConnectorKind, ItemDraft } from '../inventory-item.ts';
import { clipText } from '../item-fields.ts';

/** The fetch a connector is given (global fetch in production; tests pass it too). */
export type Fetch = typeof globalThis.fetch;

/** What every discovery runs with, given by the engine. */
export interface DiscoveryContext {
  readonly fetch: Fetch;
  readonly now: Date;
  /** Per HTTP request. */
  readonly timeoutMs: number;
  /** Requests in flight at once while describing keys one by one. */
  readonly concurrency: number;
  readonly onProgress?: (progress: DiscoveryProgress) => void;
}

export interface DiscoveryProgress {
  readonly phase: 'listing' | 'describing';
  readonly done: number;
  /** Known once the listing is complete. */
  readonly total: number | null;
}

/**
 * Where to discover: no secret here. It is validated by each connector and what it says (minus
 * defaults) is kept with the source, so the next run can be compared and repeated.
 */
export interface ConnectorConfig {
  /** Replaces the generated part of the source name (`vault:<name>`), e.g. to tell two clusters apart. */
  readonly name?: string;
  /** Base URL of the API (AWS: any KMS-compatible endpoint; Azure: the vault URL). */
  readonly endpoint?: string;
  readonly region?: string;
  /** AWS account id, when it cannot be read from the keys' ARNs (an account without keys). */
  readonly account?: string;
  readonly mount?: string;
  readonly namespace?: string;
  readonly project?: string;
  readonly location?: string;
  /** Allow plain http to a host other than loopback (the credential crosses the network in clear). */
  readonly allowInsecureHttp?: boolean;
  readonly timeoutSeconds?: number;
}

/**
 * Credentials for one run, from the caller's environment or flags. Used for the requests of this
 * run only; never stored, logged, audited or put in an error message.
 */
export interface ConnectorCredentials {
  /** Vault token, GCP OAuth access token or Azure access token. */
  readonly token?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

export interface Discovery {
  /** The source name; null when the connector cannot tell (AWS account without keys and no `account`). */
  readonly source: string | null;
  /** The configuration to keep with the source (no secrets, no defaults). */
  readonly config: Readonly<Record<string, string>>;
  readonly items: readonly ItemDraft[];
  /** Per-item problems (a key whose details could not be read): the item is still reported. */
  readonly warnings: readonly string[];
}

export interface Connector {
  readonly kind: ConnectorKind;
  discover(config: ConnectorConfig, credentials: ConnectorCredentials, ctx: DiscoveryContext): Promise<Discovery>;
}

/** One source with more keys than this is refused rather than stored half: split it (several mounts, regions). */
export const MAX_DISCOVERED_ITEMS = 50_000;
/** Warnings kept in full per run; the rest are counted. */
export const MAX_WARNINGS = 50;

/** Collects per-item warnings, keeping the first MAX_WARNINGS. */
export class Warnings {
  readonly list: string[] = [];
  count = 0;

  add(message: string): void {
    this.count++;
    if (this.list.length < MAX_WARNINGS) this.list.push(clipText(message, 300));
  }

  done(): string[] {
    return this.count > this.list.length ? [...this.list, `…and ${this.count - this.list.length} more`] : this.list;
  }
}

/** Refuses a source past MAX_DISCOVERED_ITEMS. */
export function checkItemCount(kind: ConnectorKind, count: number): void {
  if (count > MAX_DISCOVERED_ITEMS) {
    throw new KeywardError('connector_failed', `${kind} reported more than ${MAX_DISCOVERED_ITEMS} keys; discover it in parts (per region, mount or key ring)`, { connector: kind });
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in input order. The first
 * failure rejects (the calls already started finish on their own).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), items.length) }, worker));
  return results;
}

/** A required text option, trimmed; `validation_failed` naming the field when missing. */
export function required(value: string | undefined, field: string, hint: string): string {
  const v = value?.trim();
  if (!v) throw new KeywardError('validation_failed', `${field} is required: ${hint}`, { field });
  return v;
}
