import { compileGlobs, type PathMatcher } from './glob.ts';
import { KeywordAutomaton } from './keyword-automaton.ts';
import type { AllowlistSpec, RuleSpec } from './rule-spec.ts';
import type { AuditCheckId, Severity } from './scan-types.ts';

export interface CompiledAllowlist {
  readonly paths: PathMatcher | null;
  readonly regexes: readonly RegExp[];
  readonly target: 'secret' | 'match' | 'line';
}

export interface CompiledRule {
  /** Position in the set: on overlapping findings the lower index wins. */
  readonly index: number;
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  readonly check: AuditCheckId;
  /** Flags `gmd` (+`i`): global for iteration, `m` for line anchors, `d` for the secret group's offsets. */
  readonly regex: RegExp | null;
  readonly detector: 'pkcs12' | null;
  readonly entropy: number | null;
  readonly multiline: boolean;
  readonly allowlists: readonly CompiledAllowlist[];
  /** Whether an allowlist names paths: then each file is checked against it. */
  readonly pathScoped: boolean;
}

export interface CompiledRuleSet {
  readonly rules: readonly CompiledRule[];
  /** Finds the keywords of the regex rules; null when no regex rule is on. */
  readonly prefilter: KeywordAutomaton | null;
  /** Keyword index (in the automaton) → indexes of the rules it wakes. */
  readonly rulesOfKeyword: readonly (readonly number[])[];
  readonly globalAllowlists: readonly CompiledAllowlist[];
  /** Whether the PKCS#12 detector is on. */
  readonly pkcs12: CompiledRule | null;
}

/** A JavaScript RegExp from rule-file syntax: a leading `(?i)` becomes the `i` flag. */
export function ruleRegExp(source: string, flags: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), `${flags}i`) : new RegExp(source, flags);
}

export function compileAllowlist(spec: AllowlistSpec): CompiledAllowlist {
  return {
    paths: compileGlobs(spec.paths ?? []),
    regexes: (spec.regexes ?? []).map((r) => ruleRegExp(r, '')),
    target: spec.regexTarget ?? 'secret',
  };
}

/** Compiles validated specs (see rule-file.ts); the order of `specs` is the priority order. */
export function compileRuleSet(specs: readonly RuleSpec[], globalAllowlists: readonly AllowlistSpec[]): CompiledRuleSet {
  const rules = specs.map((spec, index): CompiledRule => {
    const lists = spec.allowlist === undefined ? [] : Array.isArray(spec.allowlist) ? (spec.allowlist as readonly AllowlistSpec[]) : [spec.allowlist as AllowlistSpec];
    const allowlists = lists.map(compileAllowlist);
    return {
      index,
      id: spec.id,
      description: spec.description,
      severity: spec.severity,
      check: spec.check,
      regex: spec.regex === undefined ? null : ruleRegExp(spec.regex, 'gmd'),
      detector: spec.detector ?? null,
      entropy: spec.entropy ?? null,
      multiline: spec.multiline === true,
      allowlists,
      pathScoped: allowlists.some((a) => a.paths !== null),
    };
  });

  const byKeyword = new Map<string, number[]>();
  for (const rule of rules) {
    if (rule.regex === null) continue;
    for (const keyword of specs[rule.index]?.keywords ?? []) {
      const list = byKeyword.get(keyword) ?? [];
      if (!list.includes(rule.index)) list.push(rule.index);
      byKeyword.set(keyword, list);
    }
  }
  const keywords = [...byKeyword.keys()];
  return {
    rules,
    prefilter: keywords.length === 0 ? null : new KeywordAutomaton(keywords),
    rulesOfKeyword: keywords.map((k) => byKeyword.get(k) ?? []),
    globalAllowlists: globalAllowlists.map(compileAllowlist),
    pkcs12: rules.find((r) => r.detector === 'pkcs12') ?? null,
  };
}
