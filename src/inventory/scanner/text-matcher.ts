import type { CompiledAllowlist, CompiledRule, CompiledRuleSet } from './compile-rules.ts';
import { shannonEntropy } from './entropy.ts';

/** A secret found in a text. The caller redacts it at once (fingerprint + preview) and drops it. */
export interface SecretMatch {
  readonly rule: CompiledRule;
  /** Byte offsets of the secret in the text. */
  readonly start: number;
  readonly end: number;
  /** The secret's bytes as latin1 text (one character per byte). */
  readonly secret: string;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/**
 * Which rules apply to a file: `null` when a global allowlist path covers it (nothing to scan),
 * else one flag per rule (a rule's own allowlist paths turn it off for that file).
 */
export function rulesForPath(set: CompiledRuleSet, path: string): Uint8Array | null {
  for (const list of set.globalAllowlists) if (list.paths?.(path) === true) return null;
  const enabled = new Uint8Array(set.rules.length).fill(1);
  for (const rule of set.rules) {
    if (rule.pathScoped && rule.allowlists.some((a) => a.paths?.(path) === true)) enabled[rule.index] = 0;
  }
  return enabled;
}

/**
 * Every secret in a text given as bytes. The keyword automaton walks the bytes once; a hit wakes
 * the rules of its keyword, which run over the hit's line only (each line once per rule), or
 * over the whole text for multi-line rules (once). Only lines with a hit are decoded. Where
 * findings overlap, the rule that comes first in the set wins.
 */
export function findSecrets(bytes: Buffer, set: CompiledRuleSet, enabled: Uint8Array): SecretMatch[] {
  const prefilter = set.prefilter;
  if (prefilter === null) return [];
  const found: SecretMatch[] = [];
  const lastLine = new Float64Array(set.rules.length).fill(-1);
  const wholeText = new Uint8Array(set.rules.length);
  let woken = false;
  const hits = prefilter.scan(bytes);
  if (hits === 0) return [];
  const doc = new Document(bytes);
  for (let h = 0; h < hits; h++) {
    const at = prefilter.hitEnd(h);
    let lineStart = -1;
    let line = '';
    for (const keyword of prefilter.keywordsAt(h)) {
      for (const i of set.rulesOfKeyword[keyword] as readonly number[]) {
        if (enabled[i] !== 1) continue;
        const rule = set.rules[i] as CompiledRule;
        if (rule.multiline) {
          wholeText[i] = 1;
          woken = true;
          continue;
        }
        if (lineStart === -1) {
          lineStart = bytes.lastIndexOf(NEWLINE, at) + 1;
          const newline = bytes.indexOf(NEWLINE, at);
          let lineEnd = newline === -1 ? bytes.length : newline;
          if (lineEnd > lineStart && bytes[lineEnd - 1] === CARRIAGE_RETURN) lineEnd--;
          line = bytes.toString('latin1', lineStart, lineEnd);
        }
        if (lastLine[i] === lineStart) continue;
        lastLine[i] = lineStart;
        runRule(rule, { subject: line, offset: lineStart, doc }, set, found);
      }
    }
  }
  if (woken) {
    for (let i = 0; i < wholeText.length; i++) {
      if (wholeText[i] === 1) runRule(set.rules[i] as CompiledRule, { subject: doc.text(), offset: 0, doc }, set, found);
    }
  }
  return keepNonOverlapping(found);
}

/** The scanned bytes, decoded as a whole only when a multi-line rule or a line allowlist needs it. */
class Document {
  readonly bytes: Buffer;
  #text: string | null = null;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  text(): string {
    this.#text ??= this.bytes.toString('latin1');
    return this.#text;
  }

  lineAround(at: number): string {
    const start = this.bytes.lastIndexOf(NEWLINE, at - 1) + 1;
    const end = this.bytes.indexOf(NEWLINE, at);
    return this.bytes.toString('latin1', start, end === -1 ? this.bytes.length : end);
  }
}

interface Subject {
  /** What the regex runs over: a line, or the whole text. */
  readonly subject: string;
  /** Where `subject` starts in the bytes. */
  readonly offset: number;
  readonly doc: Document;
}

function runRule(rule: CompiledRule, where: Subject, set: CompiledRuleSet, found: SecretMatch[]): void {
  const re = rule.regex;
  if (re === null) return;
  re.lastIndex = 0;
  for (let m = re.exec(where.subject); m !== null; m = re.exec(where.subject)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const [from, to] = secretSpan(m);
    const secret = where.subject.slice(from, to);
    if (secret.length === 0) continue;
    if (rule.entropy !== null && shannonEntropy(secret) < rule.entropy) continue;
    const start = where.offset + from;
    const targets = { secret, match: m[0], line: () => where.doc.lineAround(start) };
    if (allowed(rule.allowlists, targets) || allowed(set.globalAllowlists, targets)) continue;
    found.push({ rule, start, end: where.offset + to, secret });
  }
}

/** The secret's span in the subject: the `secret` group, else the first `secret…` group that matched, else the whole match. */
function secretSpan(m: RegExpExecArray): readonly [number, number] {
  const spans = m.indices?.groups;
  if (spans !== undefined) {
    const named = spans['secret'];
    if (named !== undefined) return named;
    for (const name of Object.keys(spans)) {
      const span = spans[name];
      if (span !== undefined && name.startsWith('secret')) return span;
    }
  }
  return [m.index, m.index + m[0].length];
}

function allowed(lists: readonly CompiledAllowlist[], targets: { secret: string; match: string; line: () => string }): boolean {
  for (const list of lists) {
    if (list.regexes.length === 0) continue;
    const value = list.target === 'secret' ? targets.secret : list.target === 'match' ? targets.match : targets.line();
    if (list.regexes.some((re) => re.test(value))) return true;
  }
  return false;
}

/** Overlapping findings keep the one of the earliest rule; identical spans of one rule count once. */
function keepNonOverlapping(found: SecretMatch[]): SecretMatch[] {
  if (found.length < 2) return found;
  const byPriority = [...found].sort((a, b) => a.rule.index - b.rule.index || a.start - b.start);
  const kept: SecretMatch[] = [];
  for (const candidate of byPriority) {
    if (!kept.some((k) => candidate.start < k.end && k.start < candidate.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start || a.rule.index - b.rule.index);
}
