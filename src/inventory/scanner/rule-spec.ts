import type { AuditCheckId, Severity } from './scan-types.ts';

/**
 * A detection rule as written in a rule file (docs/scanner.md describes the format). Built-in rules
 * use the same shape, so a user file can replace one by id.
 */
export interface RuleSpec {
  readonly id: string;
  readonly description: string;
  /**
   * A JavaScript regular expression. A leading `(?i)` makes it case-insensitive. The secret is the
   * named group `secret` (or the first group whose name starts with `secret` that took part in the
   * match), else the whole match. Set for regex rules; absent for `detector` rules.
   */
  readonly regex?: string;
  /** A built-in detector instead of a regex: `pkcs12` recognises PKCS#12 files by their DER header. */
  readonly detector?: 'pkcs12';
  /**
   * Lower-case words of which at least one occurs (any case) in every match. The cheap prefilter:
   * the regex only runs near an occurrence, so a rule without its keywords in a file costs nothing.
   */
  readonly keywords?: readonly string[];
  /** Minimum Shannon entropy (bits per character) of the secret; lower ones are placeholders, not secrets. */
  readonly entropy?: number;
  readonly severity: Severity;
  readonly check: AuditCheckId;
  /** The match may span lines (a PEM block, a JSON document): the regex runs over the whole file. */
  readonly multiline?: boolean;
  /** One allowlist, or several when they test different targets (the secret, the match, the line). */
  readonly allowlist?: AllowlistSpec | readonly AllowlistSpec[];
}

export interface AllowlistSpec {
  /** Globs of paths (relative to the scanned root) the rule ignores. */
  readonly paths?: readonly string[];
  /** Regexes (a leading `(?i)` for any case); a finding is dropped when one matches its target. */
  readonly regexes?: readonly string[];
  /** What `regexes` are tested against: the secret (default), the whole match, or the line. */
  readonly regexTarget?: 'secret' | 'match' | 'line';
}

/** A rule file: rules added or replaced by id, built-in ids disabled, allowlists for every rule. */
export interface RuleFileSpec {
  readonly version: 1;
  readonly rules?: readonly RuleSpec[];
  readonly disable?: readonly string[];
  /** Applies to every rule, in addition to each rule's own allowlist. */
  readonly allowlist?: AllowlistSpec;
  /** `false` drops the built-in allowlist (test fixture folders, *.example files, placeholders). */
  readonly useDefaultAllowlist?: boolean;
}
