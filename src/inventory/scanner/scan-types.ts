/**
 * What a secret scan produces. `ScanReport` is the stored form: the audit checks STO-01..03 read
 * it, so its shape only grows. No field ever holds a secret: a finding carries a fingerprint and a
 * masked preview instead.
 */

/** The audit check a rule feeds: private keys, cloud and service credentials, signing and generic secrets. */
export const AUDIT_CHECKS = ['STO-01', 'STO-02', 'STO-03'] as const;
export type AuditCheckId = (typeof AUDIT_CHECKS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The commit that introduced a secret (history scans only). */
export interface CommitInfo {
  /** Full commit id. */
  readonly id: string;
  /** `Name <email>` of the commit's author. */
  readonly author: string;
  /** Author date, ISO 8601 with the author's offset, as git reports it. */
  readonly date: string;
}

export interface ScanFinding {
  readonly ruleId: string;
  readonly description: string;
  readonly severity: Severity;
  readonly check: AuditCheckId;
  /** Path relative to the scanned root (or to the repository's top), with `/` separators. */
  readonly file: string;
  /** 1-based line of the first character of the secret. */
  readonly line: number;
  /** 1-based column of the first character of the secret, in UTF-16 code units (SARIF's default). */
  readonly column: number;
  /** 1-based line of the secret's last character. */
  readonly endLine: number;
  /** 1-based column just after the secret's last character. */
  readonly endColumn: number;
  /** Hex SHA-256 over the rule id and the secret's bytes, truncated to 128 bits: stable across runs, files and commits. */
  readonly fingerprint: string;
  /** The secret's first few characters and `…`; never more than a quarter of it. */
  readonly preview: string;
  /** Set for history findings: the commit that added the secret. */
  readonly commit: CommitInfo | null;
}

/** A finding accepted by a baseline entry that has not expired. */
export interface SuppressedFinding extends ScanFinding {
  readonly acceptedBy: string;
  readonly reason: string;
  readonly expires: string | null;
}

export interface ScanStats {
  /** Files scanned (history: file versions, i.e. one file's changes in one commit). */
  readonly files: number;
  /** Bytes of text scanned (history: bytes of added lines). */
  readonly bytes: number;
  /** Files not scanned: binary, over the size cap, or unreadable (detailed in `skippedBy`). */
  readonly skipped: number;
  readonly skippedBy: { readonly binary: number; readonly tooLarge: number; readonly unreadable: number };
  /** Commits walked (0 for a directory scan). */
  readonly commits: number;
  /** Findings a baseline accepted (listed in `suppressed`, not in `findings`). */
  readonly suppressed: number;
}

export interface ScanReport {
  readonly kind: 'directory' | 'git-history';
  /** What was scanned: the folder, or the repository and range (`<repo> (--all)`, `<repo> (A..B)`). */
  readonly target: string;
  /** Absolute path that findings' `file` paths are relative to (the folder, or the repository's top). */
  readonly root: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly stats: ScanStats;
  /** The rules that ran, so a stored report says what it looked for. */
  readonly rules: readonly { readonly id: string; readonly check: AuditCheckId; readonly severity: Severity }[];
  /** Unaccepted findings, sorted by file, line, column, rule. */
  readonly findings: readonly ScanFinding[];
  readonly suppressed: readonly SuppressedFinding[];
}
