import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { ENVIRONMENTS, type Environment, type Tier } from '../storage/records.ts';
import { withSuggestion } from './closest-name.ts';

/** A problem in a policy document, with where it is (1-based line and column) and its field path. */
export interface PolicyIssue {
  readonly line: number;
  readonly column: number;
  /** `rules.rotation.maxPeriodDays[1].days`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** A value in the document: its node (null when the field is absent or empty), its path, and its offset. */
export interface Located {
  readonly node: Node | null;
  readonly path: string;
  readonly offset: number;
}

/** The known fields of a mapping, as found. */
export interface Fields {
  /** The value of a field that is present (even if empty). */
  get(name: string): Located | undefined;
  /** The value of a field that must be present; reports it missing otherwise. */
  require(name: string): Located | undefined;
  /** The mapping itself. */
  readonly at: Located;
}

/** Longest value quoted back in a message: enough to recognise it, never a wall of text. */
const QUOTE_LIMIT = 40;
/** Issues reported for one document; past this the rest are noise from one early mistake. */
export const MAX_ISSUES = 50;

/**
 * Reads a parsed YAML document field by field, checking each value's type and range and noting
 * every problem with its line and column, so `policy check` can list them all at once. Readers
 * return null (or undefined) for a value they reported as wrong; the caller just skips it.
 */
export class YamlReader {
  readonly issues: PolicyIssue[] = [];
  readonly #lines: LineCounter;

  constructor(lines: LineCounter) {
    this.#lines = lines;
  }

  /** Notes a problem at a value; always returns null, so `return reader.fail(…)` reads naturally. */
  fail(at: Located, message: string): null {
    this.issueAt(at.offset, at.path, message);
    return null;
  }

  issueAt(offset: number, path: string, message: string): void {
    if (this.issues.length >= MAX_ISSUES) return;
    const { line, col } = this.#lines.linePos(offset);
    this.issues.push({ line, column: col, path, message });
  }

  /** A mapping with only the `known` fields (unknown ones are reported, with a did-you-mean). */
  fields(at: Located, known: readonly string[]): Fields | null {
    const node = this.#plain(at);
    if (node === undefined) return null;
    if (!isMap(node)) return this.fail(at, `expected a mapping (field: value lines), got ${describe(node)}`);
    const found = new Map<string, Located>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const keyOffset = key?.range?.[0] ?? at.offset;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.issueAt(keyOffset, at.path, 'field names must be plain text');
        continue;
      }
      const name = key.value;
      const path = at.path ? `${at.path}.${name}` : name;
      if (!known.includes(name)) {
        this.issueAt(keyOffset, path, withSuggestion(`unknown field "${quote(name)}"`, name, known));
        continue;
      }
      const value = pair.value as Node | null;
      found.set(name, { node: value, path, offset: value?.range?.[0] ?? keyOffset });
    }
    return {
      at,
      get: (name) => found.get(name),
      require: (name) => {
        const value = found.get(name);
        if (value === undefined) this.fail(at, `missing required field "${name}"`);
        return value;
      },
    };
  }

  /** A sequence of at most `maxItems` values (at least `minItems`). */
  list(at: Located, limits: { minItems?: number; maxItems: number }): Located[] | null {
    const node = this.#plain(at);
    if (node === undefined) return null;
    if (!isSeq(node)) return this.fail(at, `expected a list, got ${describe(node)}`);
    const minItems = limits.minItems ?? 0;
    if (node.items.length < minItems) return this.fail(at, `expected at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    if (node.items.length > limits.maxItems) return this.fail(at, `at most ${limits.maxItems} items, got ${node.items.length}`);
    return node.items.map((item, i) => {
      const n = item as Node | null;
      return { node: n, path: `${at.path}[${i}]`, offset: n?.range?.[0] ?? at.offset };
    });
  }

  /** A whole number from `min` to `max`. */
  integer(at: Located, min: number, max: number, unit = ''): number | null {
    const value = this.#scalar(at);
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(at, `expected a whole number${unit ? ` of ${unit}` : ''}, got ${describeValue(value)}`);
    if (value < min || value > max) return this.fail(at, `must be from ${min} to ${max}${unit ? ` ${unit}` : ''}, got ${value}`);
    return value;
  }

  /** Text of 1 to `maxLength` characters, matching `pattern` (described by `hint`) if given. */
  text(at: Located, maxLength: number, pattern?: { re: RegExp; hint: string }): string | null {
    const value = this.#scalar(at);
    if (value === undefined) return null;
    if (typeof value !== 'string') return this.fail(at, `expected text, got ${describeValue(value)}`);
    if (value.length === 0 || value.length > maxLength) return this.fail(at, `must be 1 to ${maxLength} characters`);
    if (pattern && !pattern.re.test(value)) return this.fail(at, `"${quote(value)}" is not ${pattern.hint}`);
    return value;
  }

  boolean(at: Located): boolean | null {
    const value = this.#scalar(at);
    if (value === undefined) return null;
    if (typeof value !== 'boolean') return this.fail(at, `expected true or false, got ${describeValue(value)}`);
    return value;
  }

  /** One of `values` (a closed list of names), with a did-you-mean for a near miss. */
  choice<const T extends string>(at: Located, values: readonly T[], what: string): T | null {
    const value = this.#scalar(at);
    if (value === undefined) return null;
    if (typeof value !== 'string') return this.fail(at, `expected ${what}, got ${describeValue(value)}`);
    if ((values as readonly string[]).includes(value)) return value as T;
    const listed = values.length <= 12 ? `; expected one of ${values.join(', ')}` : '';
    return this.fail(at, withSuggestion(`unknown ${what} "${quote(value)}"${listed}`, value, values));
  }

  /** A classification tier (1, 2, 3), or `*` for any (null). */
  tierOrAny(at: Located): Tier | null | undefined {
    const value = this.#scalar(at);
    if (value === undefined) return undefined;
    if (value === '*') return null;
    if (value === 1 || value === 2 || value === 3) return value;
    this.fail(at, `tier must be 1, 2, 3 or "*", got ${describeValue(value)}`);
    return undefined;
  }

  /** An environment name, or `*` for any (null). */
  environmentOrAny(at: Located): Environment | null | undefined {
    const value = this.#scalar(at);
    if (value === undefined) return undefined;
    if (value === '*') return null;
    const env = this.choice(at, ENVIRONMENTS, 'environment');
    return env ?? undefined;
  }

  /** The node of a value that is not an alias nor tagged (both reported); undefined when reported. */
  #plain(at: Located): Node | null | undefined {
    const node = at.node;
    if (node === null) return this.fail(at, 'expected a value, got nothing') ?? undefined;
    if (isAlias(node)) return this.fail(at, 'anchors and aliases (*name) are not supported in policies; write the value out') ?? undefined;
    if (node.tag !== undefined) return this.fail(at, `YAML tags (${quote(node.tag)}) are not supported in policies`) ?? undefined;
    return node;
  }

  #scalar(at: Located): unknown {
    const node = this.#plain(at);
    if (node === undefined) return undefined;
    if (!isScalar(node)) {
      this.fail(at, `expected a single value, got ${describe(node)}`);
      return undefined;
    }
    if (node.value === null) {
      this.fail(at, 'expected a value, got nothing');
      return undefined;
    }
    return node.value;
  }
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'something else';
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') return `text "${quote(value)}"`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the number ${String(value)}`;
  if (typeof value === 'boolean') return `${value}`;
  return 'a value of another type';
}

export function quote(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > QUOTE_LIMIT ? `${flat.slice(0, QUOTE_LIMIT)}…` : flat;
}
