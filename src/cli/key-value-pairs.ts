import { InvalidArgumentError } from 'commander';

/**
 * Commander parser for a repeatable `key=value` option (`--context tenant=acme --context app=x`,
 * `--tag team=pay`): collects the pairs into one record. The value may be empty or hold "=";
 * the key may not be empty or repeated. Values are never echoed in errors: a context value or tag
 * can be sensitive.
 */
export function collectPair(text: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  const key = text.slice(0, eq);
  const pairs = { ...previous };
  if (Object.hasOwn(pairs, key)) throw new InvalidArgumentError(`"${key}" is given twice`);
  pairs[key] = text.slice(eq + 1);
  return pairs;
}

/** Commander parser for a repeatable option that collects plain strings (`--permission a --permission b`). */
export function collectString(text: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), text];
}
