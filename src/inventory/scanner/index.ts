/**
 * The secret scanner: finds key material and credentials in folders and in git history.
 * Pure domain code: it reads files and runs `git`, and returns reports; the CLI (`keyward scan`)
 * renders them and the audit checks STO-01..03 read stored ones.
 */
export { scanDirectory } from './directory-scan.ts';
export { scanGitHistory, type GitScanOptions } from './git-history.ts';
export { DEFAULT_EXCLUDES, DEFAULT_MAX_FILE_SIZE, type ScanOptions } from './scan-options.ts';
export { compareFindings } from './scan-report.ts';
export { builtinRuleSet, mergeRuleFile, parseRuleFile, MAX_RULE_FILE_BYTES, type RuleSet } from './rule-file.ts';
export type { AllowlistSpec, RuleFileSpec, RuleSpec } from './rule-spec.ts';
export { applyBaseline, buildBaseline, formatBaseline, parseBaseline, type Acceptance, type Baseline, type BaselineEntry } from './baseline.ts';
export { renderSarif } from './render-sarif.ts';
export { renderCsv } from './render-csv.ts';
export { AUDIT_CHECKS, SEVERITIES, type AuditCheckId, type CommitInfo, type ScanFinding, type ScanReport, type ScanStats, type Severity, type SuppressedFinding } from './scan-types.ts';
