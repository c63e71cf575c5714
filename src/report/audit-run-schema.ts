import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { KeywardError } from '../core/errors.ts';
import { FRAMEWORKS, SEVERITIES, type AuditRun } from '../assess/model.ts';

/**
 * The shape of an AuditRun (src/assess/model.ts) as a schema, so a run that comes from outside the
 * process — a file given to `keyward report --input`, or a server of another version — is checked
 * before the renderers trust it. Objects accept extra members: a newer Keyward may add fields, and
 * an older renderer should still render what it knows.
 */
function literals<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

const Severity = literals(SEVERITIES);
const Effort = literals(['low', 'medium', 'high'] as const);
const Count = Type.Integer({ minimum: 0 });
const Percent = Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]);
const Counts = Type.Record(Type.String(), Count);

const ControlRef = Type.Object({ framework: literals(FRAMEWORKS), control: Type.String() });

const CheckInfo = Type.Object({
  id: Type.String({ minLength: 1 }),
  title: Type.String(),
  detects: Type.String(),
  severity: Severity,
  remediation: Type.String(),
  refs: Type.Array(ControlRef),
  effort: Effort,
});

const EvidenceRef = Type.Object({
  kind: literals(['key', 'key-version', 'inventory-item', 'identity', 'binding', 'approval', 'breakglass', 'audit-entry', 'file', 'backup', 'policy', 'system'] as const),
  id: Type.String(),
  label: Type.Optional(Type.String()),
});

const Finding = Type.Object({
  checkId: Type.String({ minLength: 1 }),
  fingerprint: Type.String({ minLength: 1 }),
  severity: Severity,
  title: Type.String(),
  message: Type.String(),
  subject: EvidenceRef,
  evidence: Type.Array(EvidenceRef),
});

const CheckResult = Type.Object({
  check: CheckInfo,
  status: literals(['passed', 'failed', 'not-assessed', 'error'] as const),
  reason: Type.Union([Type.String(), Type.Null()]),
  findings: Type.Array(Finding),
  examined: Count,
});

const RunMetrics = Type.Object({
  keys: Type.Object({ total: Count, byState: Counts, bySpec: Counts, byEnvironment: Counts, bySource: Counts }),
  rotationCompliancePct: Percent,
  orphanedPct: Percent,
  unknownOwnerPct: Percent,
  expiredPct: Percent,
  medianApprovalHours: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  approvalsPending: Type.Union([Count, Type.Null()]),
  findingsBySeverity: Type.Object({ info: Count, low: Count, medium: Count, high: Count, critical: Count }),
});

const MaturityAssessment = Type.Object({
  level: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Literal(4), Type.Literal(5)]),
  label: Type.String(),
  reasons: Type.Array(Type.String()),
  dimensions: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 5 })),
});

const ChecklistItem = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: literals(['done', 'partial', 'missing', 'not-assessed'] as const),
  basis: Type.String(),
});

const RemediationItem = Type.Object({
  checkId: Type.String(),
  title: Type.String(),
  findings: Count,
  impact: Type.Number(),
  effort: Effort,
  rank: Type.Number(),
  remediation: Type.String(),
});

const TrendSummary = Type.Object({
  previousRunId: Type.Union([Type.String(), Type.Null()]),
  newFindings: Type.Array(Type.String()),
  fixedFindings: Type.Array(Type.String()),
  stillOpen: Type.Array(Type.String()),
  history: Type.Array(Type.Object({ runId: Type.String(), at: Type.String(), rotationCompliancePct: Percent, findings: Count })),
});

export const AuditRunSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  startedBy: Type.String(),
  trigger: Type.String(),
  scope: Type.Object({ instanceId: Type.String(), description: Type.String() }),
  results: Type.Array(CheckResult),
  metrics: RunMetrics,
  maturity: MaturityAssessment,
  checklist: Type.Array(ChecklistItem),
  remediation: Type.Array(RemediationItem),
  trend: TrendSummary,
});

// The schema and the model must describe the same thing: each direction fails to compile on drift.
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesModel: Same<Static<typeof AuditRunSchema>, Mutable<AuditRun>> = true;
void schemaMatchesModel;

let compiled: TypeCheck<TSchema> | null = null;

/**
 * `value` as an AuditRun, or `validation_failed` naming the first field that does not fit (the
 * field's path, never its value: a run names keys and people).
 */
export function parseAuditRun(value: unknown): AuditRun {
  compiled ??= TypeCompiler.Compile(AuditRunSchema);
  if (compiled.Check(value)) return value as AuditRun;
  const first = compiled.Errors(value).First();
  const field = first?.path.split('/').filter(Boolean).join('.') || 'run';
  const problem = first ? first.message.charAt(0).toLowerCase() + first.message.slice(1) : 'is not valid';
  throw new KeywardError('validation_failed', `not an audit run: ${field}: ${problem}`, { field });
}
