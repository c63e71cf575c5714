import type { CompiledRule, CompiledRuleSet } from './compile-rules.ts';
import { TextLocator } from './locate.ts';
import { isPkcs12 } from './pkcs12.ts';
import { fingerprint, fingerprintBytes, maskedPreview } from './redact.ts';
import type { CommitInfo, ScanFinding } from './scan-types.ts';
import { findSecrets, rulesForPath } from './text-matcher.ts';

/** How much of a file decides whether it is binary: git's own heuristic looks at the first 8000 bytes for a NUL. */
const BINARY_SNIFF_BYTES = 8000;

export type FileVerdict = 'scanned' | 'binary' | 'allowlisted';

export interface FileScanResult {
  readonly verdict: FileVerdict;
  readonly findings: ScanFinding[];
}

/** Whether bytes look binary: a NUL byte near the start. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).indexOf(0) !== -1;
}

/**
 * Scans one file's bytes. A PKCS#12 bundle is a finding by itself; other binary files are not
 * scanned. Text is matched as latin1 (one character per byte: offsets are byte offsets, and any
 * byte sequence decodes), and only the lines near a keyword are decoded at all.
 */
export function scanFileBytes(bytes: Buffer, path: string, set: CompiledRuleSet, commit: CommitInfo | null = null): FileScanResult {
  const enabled = rulesForPath(set, path);
  if (enabled === null) return { verdict: 'allowlisted', findings: [] };
  const pkcs12 = set.pkcs12;
  if (pkcs12 !== null && enabled[pkcs12.index] === 1 && isPkcs12(bytes.subarray(0, 32))) {
    return { verdict: 'scanned', findings: [pkcs12Finding(pkcs12, bytes, path, commit)] };
  }
  if (looksBinary(bytes)) return { verdict: 'binary', findings: [] };
  return { verdict: 'scanned', findings: findingsInText(bytes, { path, set, enabled, commit, lineNumber: (i) => i + 1 }) };
}

export interface TextContext {
  readonly path: string;
  readonly set: CompiledRuleSet;
  readonly enabled: Uint8Array;
  readonly commit: CommitInfo | null;
  /** The file's line number of the text's 0-based line index (history texts hold only added lines). */
  readonly lineNumber: (lineIndex: number) => number;
}

/** Findings in a text, located and redacted: the secret itself goes no further than this function. */
export function findingsInText(bytes: Buffer, context: TextContext): ScanFinding[] {
  const matches = findSecrets(bytes, context.set, context.enabled);
  if (matches.length === 0) return [];
  const locator = new TextLocator(bytes);
  return matches.map((match) => {
    const start = locator.locate(match.start);
    const end = locator.locate(match.end);
    return {
      ruleId: match.rule.id,
      description: match.rule.description,
      severity: match.rule.severity,
      check: match.rule.check,
      file: context.path,
      line: context.lineNumber(start.lineIndex),
      column: start.column,
      endLine: context.lineNumber(end.lineIndex),
      endColumn: end.column,
      fingerprint: fingerprint(match.rule.id, match.secret),
      preview: maskedPreview(match.secret),
      commit: context.commit,
    };
  });
}

function pkcs12Finding(rule: CompiledRule, bytes: Uint8Array, path: string, commit: CommitInfo | null): ScanFinding {
  return {
    ruleId: rule.id,
    description: rule.description,
    severity: rule.severity,
    check: rule.check,
    file: path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    fingerprint: fingerprintBytes(rule.id, bytes),
    preview: '…',
    commit,
  };
}
