import { parseDocument } from 'yaml';
import { KeywardError } from '../../core/errors.ts';
import { BUILTIN_RULES, DEFAULT_ALLOWLIST } from './builtin-rules.ts';
import { ruleRegExp } from './compile-rules.ts';
import { checkGlob } from './glob.ts';
import type { AllowlistSpec, RuleFileSpec, RuleSpec } from './rule-spec.ts';
import { AUDIT_CHECKS, SEVERITIES } from './scan-types.ts';

/** A rule file larger than this is refused: hundreds of rules fit in a few dozen KiB. */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;
/** Problems listed for one file; past this the rest are usually echoes of an early mistake. */
const MAX_ISSUES = 20;

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const FILE_FIELDS = ['version', 'rules', 'disable', 'allowlist', 'useDefaultAllowlist'];
const RULE_FIELDS = ['id', 'description', 'regex', 'detector', 'keywords', 'entropy', 'severity', 'check', 'multiline', 'allowlist'];
const ALLOWLIST_FIELDS = ['paths', 'regexes', 'regexTarget'];
const REGEX_TARGETS = ['secret', 'match', 'line'];

/** The rules a scan runs, in priority order, and the allowlists that apply to all of them. Plain data (workers get a copy). */
export interface RuleSet {
  readonly rules: readonly RuleSpec[];
  readonly allowlists: readonly AllowlistSpec[];
}

/** The built-in rules and allowlist. */
export function builtinRuleSet(): RuleSet {
  return { rules: BUILTIN_RULES, allowlists: [DEFAULT_ALLOWLIST] };
}

/**
 * Parses and checks a rule file (YAML, or JSON, which YAML reads too). Every problem is listed in
 * one `validation_failed` error, each with the field it is about (`rules[2].severity`).
 */
export function parseRuleFile(text: string, source: string): RuleFileSpec {
  if (Buffer.byteLength(text, 'utf8') > MAX_RULE_FILE_BYTES) throw invalid(source, [`the file is larger than ${MAX_RULE_FILE_BYTES} bytes`]);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => (e.message.split('\n')[0] ?? e.message).trim());
  if (syntax.length > 0) throw invalid(source, syntax);
  const issues: string[] = [];
  checkRuleFile(doc.toJS({ maxAliasCount: 100 }) as unknown, issues);
  if (issues.length > 0) throw invalid(source, issues);
  return doc.toJS() as RuleFileSpec;
}

/**
 * The built-in set changed by a rule file: a rule with a built-in id replaces it in place, new
 * rules go first (they win overlaps: a rule someone wrote for their own token format is more
 * specific than the generic ones), `disable` removes built-ins.
 */
export function mergeRuleFile(base: RuleSet, file: RuleFileSpec, source: string): RuleSet {
  const disabled = new Set(file.disable ?? []);
  const unknown = [...disabled].filter((id) => !base.rules.some((r) => r.id === id));
  if (unknown.length > 0) throw invalid(source, unknown.map((id) => `disable: there is no rule "${id}" to disable (rules: ${base.rules.map((r) => r.id).join(', ')})`));
  const replacing = new Map((file.rules ?? []).map((r) => [r.id, r]));
  const kept = base.rules.filter((r) => !disabled.has(r.id)).map((r) => replacing.get(r.id) ?? r);
  const added = (file.rules ?? []).filter((r) => !base.rules.some((b) => b.id === r.id));
  const allowlists = file.useDefaultAllowlist === false ? base.allowlists.filter((a) => a !== DEFAULT_ALLOWLIST) : [...base.allowlists];
  if (file.allowlist !== undefined) allowlists.push(file.allowlist);
  return { rules: [...added, ...kept], allowlists };
}

function invalid(source: string, issues: readonly string[]): KeywardError {
  const shown = issues.slice(0, MAX_ISSUES);
  const more = issues.length > shown.length ? `\n  … and ${issues.length - shown.length} more` : '';
  return new KeywardError('validation_failed', `${source}: invalid rule file:\n  ${shown.join('\n  ')}${more}`, { field: 'rules', issues: issues.length });
}

function checkRuleFile(value: unknown, issues: string[]): void {
  if (!isRecord(value)) {
    issues.push('the file must be a mapping with `version: 1` and `rules`, `disable` or `allowlist`');
    return;
  }
  unknownFields(value, FILE_FIELDS, '', issues);
  if (value['version'] !== 1) issues.push(`version: must be 1 (got ${show(value['version'])})`);
  if ('useDefaultAllowlist' in value && typeof value['useDefaultAllowlist'] !== 'boolean') issues.push('useDefaultAllowlist: must be true or false');
  if ('disable' in value) {
    const disable = value['disable'];
    if (!Array.isArray(disable) || disable.some((id) => typeof id !== 'string')) issues.push('disable: must be a list of rule ids');
  }
  if ('allowlist' in value) checkAllowlist(value['allowlist'], 'allowlist', issues);
  if ('rules' in value) {
    const rules = value['rules'];
    if (!Array.isArray(rules)) {
      issues.push('rules: must be a list of rules');
      return;
    }
    const seen = new Set<string>();
    rules.forEach((rule: unknown, i) => {
      const id = checkRule(rule, `rules[${i}]`, issues);
      if (id === null) return;
      if (seen.has(id)) issues.push(`rules[${i}].id: "${id}" appears twice`);
      seen.add(id);
    });
  }
}

/** Checks one rule; returns its id when it has a valid one. */
function checkRule(rule: unknown, at: string, issues: string[]): string | null {
  if (!isRecord(rule)) {
    issues.push(`${at}: must be a mapping (id, description, regex, keywords, severity, check…)`);
    return null;
  }
  const id = typeof rule['id'] === 'string' && RULE_ID.test(rule['id']) ? rule['id'] : null;
  // Each problem names the field, and the rule's id when it has one: `rules[2].severity (rule "x"): …`.
  const of = id === null ? '' : ` (rule "${id}")`;
  const field = (name: string): string => `${at}${name === '' ? '' : `.${name}`}${of}`;
  if (id === null) issues.push(`${at}.id: must be lower-case letters, digits, '.', '_' or '-' (up to 64), starting with a letter or digit (got ${show(rule['id'])})`);
  for (const key of Object.keys(rule)) if (!RULE_FIELDS.includes(key)) issues.push(`${field(key)}: unknown field (known: ${RULE_FIELDS.join(', ')})`);
  if (typeof rule['description'] !== 'string' || rule['description'].trim() === '' || rule['description'].length > 300) {
    issues.push(`${field('description')}: must be a non-empty text of up to 300 characters`);
  }
  if (!SEVERITIES.includes(rule['severity'] as never)) issues.push(`${field('severity')}: must be one of ${SEVERITIES.join(', ')} (got ${show(rule['severity'])})`);
  if (!AUDIT_CHECKS.includes(rule['check'] as never)) issues.push(`${field('check')}: must be one of ${AUDIT_CHECKS.join(', ')} (got ${show(rule['check'])})`);
  if ('multiline' in rule && typeof rule['multiline'] !== 'boolean') issues.push(`${field('multiline')}: must be true or false`);
  if ('entropy' in rule) {
    const entropy = rule['entropy'];
    if (typeof entropy !== 'number' || !(entropy >= 0 && entropy <= 8)) issues.push(`${field('entropy')}: must be a number of bits per character from 0 to 8 (got ${show(entropy)})`);
  }
  const hasRegex = 'regex' in rule;
  const hasDetector = 'detector' in rule;
  if (!hasRegex && !hasDetector) issues.push(`${field('regex')}: a rule needs a regex (or a built-in detector)`);
  if (hasRegex && hasDetector) issues.push(`${field('')}: has both regex and detector; give one`);
  if (hasDetector && rule['detector'] !== 'pkcs12') issues.push(`${field('detector')}: the only detector is pkcs12 (got ${show(rule['detector'])})`);
  if (hasRegex) {
    checkRegex(rule['regex'], field('regex'), issues);
    const keywords = rule['keywords'];
    if (!Array.isArray(keywords) || keywords.length === 0) issues.push(`${field('keywords')}: a regex rule needs at least one keyword (a word every match contains; the prefilter)`);
    else {
      keywords.forEach((k: unknown, i) => {
        if (typeof k !== 'string' || k.length < 3 || k.length > 64 || k !== k.toLowerCase() || /[\r\n]/.test(k)) {
          issues.push(`${field(`keywords[${i}]`)}: must be lower-case text of 3 to 64 characters on one line (got ${show(k)})`);
        }
      });
    }
  } else if ('keywords' in rule) issues.push(`${field('keywords')}: only regex rules take keywords`);
  if ('allowlist' in rule) {
    const lists = rule['allowlist'];
    if (Array.isArray(lists)) lists.forEach((list: unknown, i) => checkAllowlist(list, field(`allowlist[${i}]`), issues));
    else checkAllowlist(lists, field('allowlist'), issues);
  }
  return id;
}

function checkAllowlist(list: unknown, at: string, issues: string[]): void {
  if (!isRecord(list)) {
    issues.push(`${at}: must be a mapping with paths, regexes and/or regexTarget`);
    return;
  }
  unknownFields(list, ALLOWLIST_FIELDS, at, issues);
  if ('paths' in list) {
    const paths = list['paths'];
    if (!Array.isArray(paths)) issues.push(`${at}.paths: must be a list of globs`);
    else {
      paths.forEach((glob: unknown, i) => {
        if (typeof glob !== 'string') issues.push(`${at}.paths[${i}]: must be a glob (text)`);
        else {
          try {
            checkGlob(glob);
          } catch (err) {
            issues.push(`${at}.paths[${i}]: ${JSON.stringify(glob.length > 60 ? `${glob.slice(0, 57)}…` : glob)} is not a valid glob: ${(err as Error).message}`);
          }
        }
      });
    }
  }
  if ('regexes' in list) {
    const regexes = list['regexes'];
    if (!Array.isArray(regexes)) issues.push(`${at}.regexes: must be a list of regular expressions`);
    else regexes.forEach((re: unknown, i) => checkRegex(re, `${at}.regexes[${i}]`, issues));
  }
  if ('regexTarget' in list && !REGEX_TARGETS.includes(list['regexTarget'] as string)) {
    issues.push(`${at}.regexTarget: must be one of ${REGEX_TARGETS.join(', ')} (got ${show(list['regexTarget'])})`);
  }
}

function checkRegex(source: unknown, at: string, issues: string[]): void {
  if (typeof source !== 'string' || source === '' || source.length > 4096) {
    issues.push(`${at}: must be a regular expression (text of 1 to 4096 characters)`);
    return;
  }
  try {
    ruleRegExp(source, 'gmd');
  } catch (err) {
    issues.push(`${at}: not a valid JavaScript regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: string, issues: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issues.push(`${at === '' ? '' : `${at}.`}${key}: unknown field (known: ${known.join(', ')})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value quoted back in a message. Only short words are repeated: the file given as --rules may
 * be the wrong one (a .env, a key file), and a message must not echo a secret from it.
 */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return /^[A-Za-z0-9 ._-]{0,12}$/.test(value) ? JSON.stringify(value) : `a text of ${value.length} characters`;
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
