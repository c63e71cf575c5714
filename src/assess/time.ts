/** Time arithmetic on ISO 8601 strings, for the checks (which never read a clock: `input.now` is "now"). */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function ms(iso: string): number {
  return Date.parse(iso);
}

/** Whole and fractional days from `from` to `to` (negative if `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return (ms(to) - ms(from)) / DAY_MS;
}

export function hoursBetween(from: string, to: string): number {
  return (ms(to) - ms(from)) / HOUR_MS;
}

export function addDays(iso: string, days: number): string {
  return new Date(ms(iso) + days * DAY_MS).toISOString();
}

export function addHours(iso: string, hours: number): string {
  return new Date(ms(iso) + hours * HOUR_MS).toISOString();
}

/** The UTC day `YYYY-MM-DD` of a time. */
export function utcDay(iso: string): string {
  return new Date(ms(iso)).toISOString().slice(0, 10);
}

/** The UTC hour `YYYY-MM-DDTHH` of a time. */
export function utcHour(iso: string): string {
  return new Date(ms(iso)).toISOString().slice(0, 13);
}

/** Days as people read them in a message: `45 days`, `1 day`. */
export function dayCount(days: number): string {
  const n = Math.floor(days);
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** The median of a list of numbers, or null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
