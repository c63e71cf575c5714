/**
 * The shapes an audit run produces: what the checks (src/assess/checks/) find, what the run
 * stores, and what the renderers (src/report/) read. Plain data (JSON-safe), so a run can be kept
 * as a document and rendered later, or by another version.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Frameworks a check can cite. */
export const FRAMEWORKS = ['NIST SP 800-57', 'NIST SP 800-131A', 'PCI DSS 4.0', 'ISO/IEC 27001:2022', 'SOC 2', 'HIPAA', 'CIS', 'practice'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface ControlRef {
  readonly framework: Framework;
  /** The control or section, e.g. `3.7.4`, `A.8.24`, `CC6.1`, `§164.312(a)(2)(iv)`, `§5.3`. */
  readonly control: string;
}

/** What a check is: its catalogue entry (docs/audit-checks.md is generated from these). */
export interface CheckInfo {
  /** Stable id, e.g. `ROT-02`. */
  readonly id: string;
  readonly title: string;
  /** What it detects, one or two sentences. */
  readonly detects: string;
  readonly severity: Severity;
  readonly remediation: string;
  readonly refs: readonly ControlRef[];
  /** Rough effort to fix one finding (for the impact/effort ordering). */
  readonly effort: 'low' | 'medium' | 'high';
}

/** Something a finding points at. */
export interface EvidenceRef {
  readonly kind: 'key' | 'key-version' | 'inventory-item' | 'identity' | 'binding' | 'approval' | 'breakglass' | 'audit-entry' | 'file' | 'backup' | 'policy' | 'system';
  /** The id (key id, identity id, audit seq as text, file path…). */
  readonly id: string;
  /** A human name (key name, user name, `path:line`…). */
  readonly label?: string;
}

export interface Finding {
  readonly checkId: string;
  /** Stable across runs for the same problem (check id + subject), for trends and baselines. */
  readonly fingerprint: string;
  readonly severity: Severity;
  readonly title: string;
  /** What was found, specific to this subject (names, dates, counts — never a secret). */
  readonly message: string;
  readonly subject: EvidenceRef;
  /** Supporting records: audit entries by seq, bindings, files with line numbers… */
  readonly evidence: readonly EvidenceRef[];
}

/**
 * How a check ended. `not-assessed` when the data it needs does not exist (reason says which),
 * never a silent pass.
 */
export type CheckStatus = 'passed' | 'failed' | 'not-assessed' | 'error';

export interface CheckResult {
  readonly check: CheckInfo;
  readonly status: CheckStatus;
  /** Why not assessed, or what went wrong; null when passed/failed. */
  readonly reason: string | null;
  readonly findings: readonly Finding[];
  /** How many subjects were examined (keys, bindings…), for pass rates. */
  readonly examined: number;
}

export interface RunMetrics {
  readonly keys: {
    readonly total: number;
    readonly byState: Readonly<Record<string, number>>;
    readonly bySpec: Readonly<Record<string, number>>;
    readonly byEnvironment: Readonly<Record<string, number>>;
    /** Managed by Keyward vs external (inventory). */
    readonly bySource: Readonly<Record<string, number>>;
  };
  /** Percentages 0–100, or null when nothing to measure. */
  readonly rotationCompliancePct: number | null;
  readonly orphanedPct: number | null;
  readonly unknownOwnerPct: number | null;
  readonly expiredPct: number | null;
  /** Median hours from an approval request to its decision; null without data. */
  readonly medianApprovalHours: number | null;
  readonly approvalsPending: number | null;
  readonly findingsBySeverity: Readonly<Record<Severity, number>>;
}

export interface MaturityAssessment {
  /** 1 (initial) … 5 (optimised). */
  readonly level: 1 | 2 | 3 | 4 | 5;
  readonly label: string;
  /** Why this level, and what keeps it from the next one. */
  readonly reasons: readonly string[];
  /** Per dimension (inventory, rotation, access, audit, recovery…), 1–5, for a radar or bar chart. */
  readonly dimensions: Readonly<Record<string, number>>;
}

export type ChecklistStatus = 'done' | 'partial' | 'missing' | 'not-assessed';

/** The audit decision checklist: scope, inventory, workflow mapped, gaps, severity, target, tooling, maintenance, human factors, DR tested. */
export interface ChecklistItem {
  readonly id: string;
  readonly title: string;
  readonly status: ChecklistStatus;
  /** What in the data decided the status. */
  readonly basis: string;
}

export interface RemediationItem {
  readonly checkId: string;
  readonly title: string;
  readonly findings: number;
  readonly impact: number;
  readonly effort: 'low' | 'medium' | 'high';
  /** Lower runs first. */
  readonly rank: number;
  readonly remediation: string;
}

export interface TrendSummary {
  /** The run compared against; null for the first run. */
  readonly previousRunId: string | null;
  readonly newFindings: readonly string[];
  readonly fixedFindings: readonly string[];
  readonly stillOpen: readonly string[];
  /** Earlier runs' rotation compliance and finding counts, oldest first, for charts. */
  readonly history: readonly { readonly runId: string; readonly at: string; readonly rotationCompliancePct: number | null; readonly findings: number }[];
}

export interface AuditRun {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Who started it (actor) and how: `api`, `cli`, `schedule`. */
  readonly startedBy: string;
  readonly trigger: string;
  /** Instance id of the Keyward audited, and what was in scope. */
  readonly scope: { readonly instanceId: string; readonly description: string };
  readonly results: readonly CheckResult[];
  readonly metrics: RunMetrics;
  readonly maturity: MaturityAssessment;
  readonly checklist: readonly ChecklistItem[];
  readonly remediation: readonly RemediationItem[];
  readonly trend: TrendSummary;
}
