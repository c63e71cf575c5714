import { KeywardError } from '../../core/errors.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { DeletionPolicy } from './deletion-policy.ts';

/** The key tag that holds a retention date: `YYYY-MM-DD` (kept through that UTC day) or an ISO date-time. */
export const RETAIN_UNTIL_TAG = 'retain-until';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/** Why a key may not be destroyed yet. */
export interface RetentionHold {
  /** When destruction becomes allowed (ISO); null when it cannot be known (a malformed tag), which holds it until fixed. */
  readonly until: string | null;
  /** What imposes it: `tag` (retain-until), `policy`, or `tag+policy` when both end at the same time. */
  readonly source: 'tag' | 'policy' | 'tag+policy';
  /** For people: what holds the key and until when. */
  readonly reason: string;
}

/**
 * The end of retention a `retain-until` value names, or null when it is not a date. A date alone
 * keeps the key through that whole UTC day, so "retain until 2030-06-30" cannot end hours early in
 * some time zone.
 */
export function parseRetainUntil(value: string): Date | null {
  const text = value.trim();
  const day = DATE_ONLY.exec(text);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const back = new Date(start);
    // Refuse 2030-02-31 and friends rather than roll them over into March.
    if (back.getUTCFullYear() !== Number(day[1]) || back.getUTCMonth() !== Number(day[2]) - 1 || back.getUTCDate() !== Number(day[3])) return null;
    return new Date(start + DAY_MS);
  }
  if (!DATE_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * What keeps the key from being destroyed at `now`, or null when nothing does. Fails closed: a
 * `retain-until` tag that is not a date holds the key (until: null) until it is corrected.
 */
export async function retentionHold(key: KeyRecord, now: Date, policy?: DeletionPolicy): Promise<RetentionHold | null> {
  const tag = key.tags[RETAIN_UNTIL_TAG];
  let tagEnd: Date | null = null;
  if (tag !== undefined) {
    tagEnd = parseRetainUntil(tag);
    if (tagEnd === null) {
      return { until: null, source: 'tag', reason: `the key's ${RETAIN_UNTIL_TAG} tag is not a date (YYYY-MM-DD or ISO 8601 date-time); correct or remove it` };
    }
  }
  const policyEnd = policy?.retentionEnd ? await policy.retentionEnd(key) : null;
  const ends = [tagEnd, policyEnd].filter((d): d is Date => d !== null && d.getTime() > now.getTime());
  if (ends.length === 0) return null;
  const until = new Date(Math.max(...ends.map((d) => d.getTime())));
  const fromTag = tagEnd !== null && tagEnd.getTime() === until.getTime();
  const fromPolicy = policyEnd !== null && policyEnd.getTime() === until.getTime();
  const source = fromTag && fromPolicy ? 'tag+policy' : fromTag ? 'tag' : 'policy';
  const what = source === 'policy' ? 'a retention policy' : source === 'tag' ? `its ${RETAIN_UNTIL_TAG} tag` : `its ${RETAIN_UNTIL_TAG} tag and a retention policy`;
  return { until: until.toISOString(), source, reason: `key "${key.name}" is retained until ${until.toISOString()} by ${what}` };
}

/** Throws `retention_active` while a retention hold applies (destruction, scheduled or direct). */
export async function requireRetentionOver(key: KeyRecord, now: Date, policy?: DeletionPolicy): Promise<void> {
  const hold = await retentionHold(key, now, policy);
  if (hold) throw new KeywardError('retention_active', `cannot destroy key "${key.name}" yet: ${hold.reason}`, { retainedUntil: hold.until, source: hold.source });
}
