/**
 * Dates as spreadsheets write them. Unambiguous forms are read as they are; `03/04/2024` is read
 * only when the caller says which comes first (`dmy` or `mdy`), because guessing would silently
 * move dates by months. Dates without a time are midnight UTC; times without a zone are UTC.
 */
export type DateOrder = 'dmy' | 'mdy';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

const TIME = '(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?';
const ISO_FULL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const YMD = new RegExp(`^(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})${TIME}$`);
const YM = /^(\d{4})-(\d{2})$/;
const DOTTED = new RegExp(`^(\\d{1,2})\\.(\\d{1,2})\\.(\\d{2}|\\d{4})${TIME}$`);
const SLASHED = new RegExp(`^(\\d{1,2})[/-](\\d{1,2})[/-](\\d{2}|\\d{4})${TIME}$`);
const DAY_MONTH_NAME = new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]+)\\.?,?[ -](\\d{4})${TIME}$`, 'i');
const MONTH_NAME_DAY = new RegExp(`^([a-z]+)\\.?[ -](\\d{1,2})(?:st|nd|rd|th)?,?[ -](\\d{4})${TIME}$`, 'i');

/** Reads a date; `order` settles `A/B/YYYY` when both A and B could be the month. */
export function parseDate(text: string, order?: DateOrder): Parsed<string> {
  const t = text.trim();
  const fail = (reason: string): Parsed<string> => ({ ok: false, reason });
  let m = ISO_FULL.exec(t);
  if (m) {
    const zone = m[8] ? (m[8].toUpperCase() === 'Z' ? 'Z' : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
    const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${zone}`);
    if (Number.isNaN(d.getTime()) || !sameCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return fail(`"${clip(t)}" is not a valid date`);
    return inRange(d, t);
  }
  if ((m = YMD.exec(t))) return build(Number(m[1]), Number(m[2]), Number(m[3]), m.slice(4), t);
  if ((m = YM.exec(t))) return build(Number(m[1]), Number(m[2]), 1, [], t);
  if ((m = DOTTED.exec(t))) return build(year(m[3] as string), Number(m[2]), Number(m[1]), m.slice(4), t);
  if ((m = SLASHED.exec(t))) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    let dayFirst: boolean;
    if (a > 12 && b <= 12) dayFirst = true;
    else if (b > 12 && a <= 12) dayFirst = false;
    else if (a === b) dayFirst = true;
    else if (order) dayFirst = order === 'dmy';
    else return fail(`"${clip(t)}" could be day/month or month/day: say which (date order dmy or mdy)`);
    return build(year(m[3] as string), dayFirst ? b : a, dayFirst ? a : b, m.slice(4), t);
  }
  if ((m = DAY_MONTH_NAME.exec(t))) {
    const month = MONTHS[(m[2] as string).toLowerCase()];
    if (month === undefined) return fail(`"${clip(t)}" has an unknown month name`);
    return build(Number(m[3]), month, Number(m[1]), m.slice(4), t);
  }
  if ((m = MONTH_NAME_DAY.exec(t))) {
    const month = MONTHS[(m[1] as string).toLowerCase()];
    if (month === undefined) return fail(`"${clip(t)}" has an unknown month name`);
    return build(Number(m[3]), month, Number(m[2]), m.slice(4), t);
  }
  return fail(`"${clip(t)}" is not a date (use YYYY-MM-DD, or an ISO 8601 time)`);
}

function build(y: number, month: number, day: number, time: readonly (string | undefined)[], text: string): Parsed<string> {
  const [h, min, s] = time;
  const hours = h === undefined ? 0 : Number(h);
  const minutes = min === undefined ? 0 : Number(min);
  const seconds = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || !sameCalendarDay(y, month, day) || hours > 23 || minutes > 59 || seconds > 59) {
    return { ok: false, reason: `"${clip(text)}" is not a valid date` };
  }
  return inRange(new Date(Date.UTC(y, month - 1, day, hours, minutes, seconds)), text);
}

/** Whether y-m-d names a real day (no 30 February). */
function sameCalendarDay(y: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(y, month - 1, day));
  return d.getUTCFullYear() === y && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Two-digit years: 70–99 are 19xx, 00–69 are 20xx (the POSIX strptime pivot). */
function year(text: string): number {
  const n = Number(text);
  if (text.length === 4) return n;
  return n >= 70 ? 1900 + n : 2000 + n;
}

function inRange(d: Date, text: string): Parsed<string> {
  const y = d.getUTCFullYear();
  if (y < 1970 || y > 2200) return { ok: false, reason: `"${clip(text)}" is outside 1970–2200` };
  return { ok: true, value: d.toISOString() };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const PERIOD_WORDS: Readonly<Record<string, number>> = {
  daily: 1,
  weekly: 7,
  monthly: 30,
  quarterly: 90,
  biannually: 182,
  semiannually: 182,
  yearly: 365,
  annually: 365,
  annual: 365,
};
const UNIT_DAYS: Readonly<Record<string, number>> = { h: 1 / 24, d: 1, w: 7, m: 30, mo: 30, y: 365 };
const OFF = new Set(['', '-', 'no', 'n', 'none', 'never', 'manual', 'off', 'false', 'disabled', 'na', 'n/a', '0']);

/**
 * A rotation period in days: `90`, `90d`, `90 days`, `3 months`, `1y`, `P90D`, `2160h`,
 * `quarterly`. `never`, `manual`, `none`, `no` mean no schedule (null).
 */
export function parseRotationPeriod(text: string): Parsed<number | null> {
  const t = text.trim().toLowerCase();
  if (OFF.has(t)) return { ok: true, value: null };
  const word = PERIOD_WORDS[t.replace(/[^a-z]/g, '')];
  if (word !== undefined) return { ok: true, value: word };
  const iso = /^p(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:t(?:(\d+)h)?)?$/.exec(t);
  if (iso && t !== 'p' && t !== 'pt') {
    const [, y, mo, w, d, h] = iso.map((v) => (v === undefined ? 0 : Number(v)));
    return days((y ?? 0) * 365 + (mo ?? 0) * 30 + (w ?? 0) * 7 + (d ?? 0) + (h ?? 0) / 24, text);
  }
  const m = /^(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?|m|mo|months?|y|yrs?|years?)?$/.exec(t);
  if (!m) return { ok: false, reason: `"${clip(text)}" is not a rotation period (e.g. 90, 90d, 3 months, 1y, P90D, never)` };
  const unit = (m[2] ?? 'd').replace(/^(hours?|hr)$/, 'h').replace(/^days?$/, 'd').replace(/^weeks?$/, 'w').replace(/^months?$/, 'm').replace(/^(yrs?|years?)$/, 'y');
  return days(Number(m[1]) * (UNIT_DAYS[unit] ?? 1), text);
}

function days(value: number, text: string): Parsed<number | null> {
  const rounded = Math.round(value);
  if (rounded < 1 || rounded > 36500) return { ok: false, reason: `"${clip(text)}" is not a rotation period between 1 day and 100 years` };
  return { ok: true, value: rounded };
}

const YES = new Set(['yes', 'y', 'true', '1', 'on', 'enabled', 'enable', 'auto', 'automatic', 'scheduled']);
const NO = new Set(['no', 'n', 'false', '0', 'off', 'disabled', 'disable', 'manual', 'none', 'never']);

/** yes/no, true/false, enabled/disabled, auto/manual… */
export function parseYesNo(text: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (YES.has(t)) return { ok: true, value: true };
  if (NO.has(t)) return { ok: true, value: false };
  return { ok: false, reason: `"${clip(text)}" is not yes or no` };
}
