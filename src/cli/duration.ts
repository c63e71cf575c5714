import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d+[smhdw])+$/;

/**
 * Parses a duration into whole seconds: `3600` (seconds), `90s`, `30m`, `1h`, `7d`, `2w`, or a
 * sum like `1h30m`. Commander calls it for `--ttl`.
 */
export function parseDuration(text: string): number {
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else if (DURATION.test(text)) {
    seconds = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) seconds += Number(amount) * (UNIT_SECONDS[unit ?? ''] ?? 0);
  } else throw new InvalidArgumentError('a duration is seconds (3600) or a number with a unit: 90s, 30m, 1h, 7d, 2w, 1h30m');
  if (seconds < 1 || !Number.isSafeInteger(seconds)) throw new InvalidArgumentError('a duration must be at least one second');
  return seconds;
}
