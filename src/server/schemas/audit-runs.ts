import { Type, type Static } from '@sinclair/typebox';
import { FRAMEWORKS, SEVERITIES, type AuditRun } from '../../assess/model.ts';
import { MAX_RUN_PAGE, type AuditRunSummary } from '../../engine/assess-service.ts';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const Severity = OneOf(SEVERITIES);
const Effort = OneOf(['low', 'medium', 'high'] as const);
const Count = Type.Integer({ minimum: 0 });
const Percent = Nullable(Type.Number({ minimum: 0, maximum: 100 }));
const Counts = Type.Record(Type.String(), Count);
const SeverityCounts = StrictObject({ info: Count, low: Count, medium: Count, high: Count, critical: Count });

export const RunId = Type.String({ pattern: '^run_[0-9]{13}_[0-9a-f]{24}$', description: 'an audit run id (run_…)' });

const ControlRef = StrictObject({ framework: OneOf(FRAMEWORKS), control: Type.String() });

const CheckInfo = StrictObject({
  id: Type.String(),
  title: Type.String(),
  detects: Type.String(),
  severity: Severity,
  remediation: Type.String(),
  refs: Type.Array(ControlRef),
  effort: Effort,
});

const EvidenceRef = StrictObject({
  kind: OneOf(['key', 'key-version', 'inventory-item', 'identity', 'binding', 'approval', 'breakglass', 'audit-entry', 'file', 'backup', 'policy', 'system'] as const),
  id: Type.String(),
  label: Type.Optional(Type.String()),
});

const Finding = StrictObject({
  checkId: Type.String(),
  fingerprint: Type.String({ description: 'stable across runs for the same problem (check id and subject)' }),
  severity: Severity,
  title: Type.String(),
  message: Type.String(),
  subject: EvidenceRef,
  evidence: Type.Array(EvidenceRef),
});

const CheckResult = StrictObject({
  check: CheckInfo,
  status: OneOf(['passed', 'failed', 'not-assessed', 'error'] as const),
  reason: Nullable(Type.String({ description: 'why not assessed, what went wrong, or that the findings were truncated' })),
  findings: Type.Array(Finding),
  examined: Count,
});

const RunMetrics = StrictObject({
  keys: StrictObject({ total: Count, byState: Counts, bySpec: Counts, byEnvironment: Counts, bySource: Counts }),
  rotationCompliancePct: Percent,
  orphanedPct: Percent,
  unknownOwnerPct: Percent,
  expiredPct: Percent,
  medianApprovalHours: Nullable(Type.Number({ minimum: 0 })),
  approvalsPending: Nullable(Count),
  findingsBySeverity: SeverityCounts,
});

const Maturity = StrictObject({
  level: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Literal(4), Type.Literal(5)]),
  label: Type.String(),
  reasons: Type.Array(Type.String()),
  dimensions: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 5 })),
});

const ChecklistItem = StrictObject({ id: Type.String(), title: Type.String(), status: OneOf(['done', 'partial', 'missing', 'not-assessed'] as const), basis: Type.String() });

const RemediationItem = StrictObject({
  checkId: Type.String(),
  title: Type.String(),
  findings: Count,
  impact: Type.Number(),
  effort: Effort,
  rank: Type.Number(),
  remediation: Type.String(),
});

const Trend = StrictObject({
  previousRunId: Nullable(Type.String()),
  newFindings: Type.Array(Type.String()),
  fixedFindings: Type.Array(Type.String()),
  stillOpen: Type.Array(Type.String()),
  history: Type.Array(StrictObject({ runId: Type.String(), at: Type.String(), rotationCompliancePct: Percent, findings: Count })),
});

export const AuditRunBody = StrictObject(
  {
    id: RunId,
    startedAt: IsoTime,
    finishedAt: IsoTime,
    startedBy: Type.String(),
    trigger: Type.String(),
    scope: StrictObject({ instanceId: Type.String(), description: Type.String() }),
    results: Type.Array(CheckResult),
    metrics: RunMetrics,
    maturity: Maturity,
    checklist: Type.Array(ChecklistItem),
    remediation: Type.Array(RemediationItem),
    trend: Trend,
  },
  { description: 'an audit run: every check\'s result with findings and evidence, metrics, maturity, decision checklist, remediation order, trend' },
);

export const AuditRunSummaryBody = StrictObject({
  id: RunId,
  startedAt: IsoTime,
  finishedAt: IsoTime,
  startedBy: Type.String(),
  trigger: Type.String(),
  maturityLevel: Type.Integer({ minimum: 1, maximum: 5 }),
  maturityLabel: Type.String(),
  rotationCompliancePct: Percent,
  findingsBySeverity: SeverityCounts,
  checks: StrictObject({ passed: Count, failed: Count, 'not-assessed': Count, error: Count }),
});

export const AuditRunList = StrictObject({
  runs: Type.Array(AuditRunSummaryBody, { description: 'newest first' }),
  next: Nullable(Type.String({ description: 'pass as `after` for the next (older) page' })),
});

export const ListAuditRunsQuery = StrictObject({
  after: Type.Optional(RunId),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RUN_PAGE })),
});

export const StartAuditRunBody = StrictObject({
  trigger: Type.Optional(OneOf(['api', 'cli'] as const, { description: 'how the run was started (default api); `schedule` is the server\'s own' })),
});

export const AuditRunParams = StrictObject({ id: RunId });

// The schemas and the engine's types must describe the same thing: each direction fails to compile on drift.
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const runMatches: Same<Static<typeof AuditRunBody>, Mutable<AuditRun>> = true;
const summaryMatches: Same<Static<typeof AuditRunSummaryBody>, Mutable<AuditRunSummary>> = true;
void runMatches;
void summaryMatches;
