import type { TableError } from './csv-table.ts';

export interface JsonRecord {
  /** The line the element starts on (1-based). */
  readonly line: number;
  readonly value: unknown;
}

export interface JsonItems {
  readonly records: readonly JsonRecord[];
  /** Set when the text as a whole is not a list of items. */
  readonly fatal: TableError | null;
}

/**
 * The items of a JSON import: a top-level array, or an object with an `items` array (what
 * `keyward inventory list --json` prints). Each element comes with the line it starts on, so a
 * bad one is reported the way a bad CSV row is.
 */
export function jsonItems(text: string): JsonItems {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { records: [], fatal: { line: errorLine(text, err), reason: 'not valid JSON' } };
  }
  const list: unknown[] | null = Array.isArray(parsed) ? (parsed as unknown[]) : isObject(parsed) && Array.isArray(parsed['items']) ? (parsed['items'] as unknown[]) : null;
  if (!list) return { records: [], fatal: { line: 1, reason: 'expected a list of items, or an object with an "items" list' } };
  const lines = elementLines(text, !Array.isArray(parsed));
  return { records: list.map((value: unknown, i) => ({ line: lines[i] ?? 1, value })), fatal: null };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The line where each element of the item list starts: the root array, or the root object's "items" array. */
function elementLines(text: string, inItemsKey: boolean): number[] {
  const lines: number[] = [];
  const stack: ('[' | '{')[] = [];
  let line = 1;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastRootKey: string | null = null;
  let expectKey = false;
  let target = -1; // stack depth of the item list once entered
  let awaitingElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') {
        inString = false;
        if (expectKey && stack.length === 1) lastRootKey = JSON.parse(text.slice(stringStart, i + 1)) as string;
      }
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (awaitingElement && stack.length === target && ch !== ']') {
      lines.push(line);
      awaitingElement = false;
    }
    switch (ch) {
      case '"':
        inString = true;
        stringStart = i;
        break;
      case '{':
        stack.push('{');
        expectKey = true;
        break;
      case '[':
        stack.push('[');
        if (target === -1 && (inItemsKey ? stack.length === 2 && lastRootKey === 'items' : stack.length === 1)) {
          target = stack.length;
          awaitingElement = true;
        }
        break;
      case ']':
      case '}':
        if (stack.length === target && ch === ']') target = -2; // the list is done
        stack.pop();
        break;
      case ',':
        if (stack.length === target) awaitingElement = true;
        if (stack[stack.length - 1] === '{') expectKey = true;
        break;
      case ':':
        expectKey = false;
        break;
    }
  }
  return lines;
}

/**
 * The line of the first syntax error: V8's JSON.parse message gives a position only for some
 * errors, so the text is walked again by a small validating reader that tracks lines.
 */
function errorLine(text: string, err: unknown): number {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (m) return text.slice(0, Number(m[1])).split('\n').length;
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /[ \t\r\n]/.test(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw new Error('syntax');
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = (): void => {
    i++;
    for (; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') i++;
      else if (ch < ' ') fail();
    }
    fail();
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    const num = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!num) fail();
    i += (num as RegExpExecArray)[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch {
    // i is where reading stopped
  }
  return text.slice(0, i).split('\n').length;
}
