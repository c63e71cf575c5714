import { KeywardError } from '../../core/errors.ts';

/**
 * Conversions between record values and PostgreSQL's, done exactly: records carry timestamps as
 * ISO 8601 UTC strings with milliseconds ('2026-01-01T00:00:00.000Z'), and the audit chain hashes
 * them, so a timestamp must come back as the very string that went in.
 */

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A record timestamp as a query parameter. Only the canonical form is accepted: anything else
 * (no milliseconds, an offset, microseconds) would be read back as a different string, which for
 * an audit entry means a chain that no longer verifies. Failing loudly here is the safe side.
 */
export function timestampParam(iso: string, field: string): string {
  if (!CANONICAL_TIMESTAMP.test(iso) || Number.isNaN(Date.parse(iso)) || new Date(iso).toISOString() !== iso) {
    throw new KeywardError('validation_failed', `${field} must be an ISO 8601 UTC timestamp with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)`, { field });
  }
  return iso;
}

export function nullableTimestampParam(iso: string | null, field: string): string | null {
  return iso === null ? null : timestampParam(iso, field);
}

// PostgreSQL's text output of timestamptz with DateStyle ISO: '2026-01-01 00:00:00.123+00',
// fraction optional (omitted when zero), offset in the session's TimeZone (UTC for our sessions,
// but any offset is handled so a changed TimeZone cannot shift a time).
const POSTGRES_TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** Parses timestamptz text into the record form; microseconds beyond the millisecond are dropped (we never write them). */
export function timestampFromPostgres(text: string): string {
  const m = POSTGRES_TIMESTAMPTZ.exec(text);
  if (!m) throw new KeywardError('internal', 'PostgreSQL returned a timestamp outside the supported range');
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const ms = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const offsetSeconds = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  // Date.UTC maps years 0..99 to 1900..1999; such years cannot come from our canonical timestamps.
  return new Date(local - offsetSeconds * 1000).toISOString();
}

/** Parses bigint text (sequence numbers, counters) into a number; they stay far below 2^53. */
export function numberFromBigint(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new KeywardError('internal', 'PostgreSQL returned an integer beyond 2^53');
  return n;
}
