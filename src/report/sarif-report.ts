import type { Location, Log, Notification, ReportingDescriptor, Result } from 'sarif';
import type { AuditRun, CheckInfo, EvidenceRef, Finding, Severity } from '../assess/model.ts';
import { mdText } from './markdown-report.ts';
import { evidenceText, refText, trendMark } from './run-facts.ts';

export interface SarifOptions {
  /** The Keyward version that ran the checks (tool.driver.semanticVersion). */
  readonly toolVersion?: string;
}

/** The OASIS SARIF 2.1.0 schema (with errata 01). */
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** GitHub code scanning's scale (0.0–10.0): over 9 critical, 7–8.9 high, 4–6.9 medium, 0.1–3.9 low. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

const LEVEL: Readonly<Record<Severity, Result.level>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** A logical location's kind (SARIF §3.33.7 names well-known ones): stored things are resources, the rest objects. */
const LOGICAL_KIND: Readonly<Record<EvidenceRef['kind'], string>> = {
  key: 'resource',
  'key-version': 'resource',
  'inventory-item': 'resource',
  backup: 'resource',
  file: 'resource',
  identity: 'object',
  binding: 'object',
  approval: 'object',
  breakglass: 'object',
  'audit-entry': 'object',
  policy: 'object',
  system: 'object',
};

/**
 * The run as a SARIF 2.1.0 log: one rule (reportingDescriptor) per check, with its help and
 * framework references; one result per finding, located logically (keys, identities…) or
 * physically (files, with the line); checks that were not assessed or failed to run as
 * notifications of the invocation, so they are neither results nor silently missing.
 */
export function renderSarif(run: AuditRun, options: SarifOptions = {}): string {
  const checks = uniqueChecks(run);
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const results: Result[] = run.results.flatMap((r) => r.findings.map((f) => result(run, f, index.get(f.checkId))));
  const notifications: Notification[] = run.results
    .filter((r) => r.status === 'not-assessed' || r.status === 'error')
    .map((r) => ({
      level: r.status === 'error' ? 'error' : 'note',
      message: { text: `${r.check.id} ${r.status === 'error' ? 'could not run' : 'was not assessed'}: ${r.reason ?? 'no reason given'}` },
      associatedRule: { id: r.check.id, ...indexOf(index, r.check.id) },
    }));
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Keyward',
            ...(options.toolVersion !== undefined ? { version: options.toolVersion, semanticVersion: options.toolVersion } : {}),
            rules: checks.map(rule),
          },
        },
        automationDetails: { id: `keyward-audit/${run.scope.instanceId}/${run.id}`, description: { text: run.scope.description } },
        invocations: [
          {
            executionSuccessful: !run.results.some((r) => r.status === 'error'),
            ...utc('startTimeUtc', run.startedAt),
            ...utc('endTimeUtc', run.finishedAt),
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
        properties: {
          runId: run.id,
          instanceId: run.scope.instanceId,
          startedBy: run.startedBy,
          trigger: run.trigger,
          maturityLevel: run.maturity.level,
          maturityLabel: run.maturity.label,
          ...(run.trend.previousRunId !== null ? { previousRunId: run.trend.previousRunId } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function uniqueChecks(run: AuditRun): CheckInfo[] {
  const seen = new Map<string, CheckInfo>();
  for (const r of run.results) if (!seen.has(r.check.id)) seen.set(r.check.id, r.check);
  return [...seen.values()];
}

function rule(check: CheckInfo): ReportingDescriptor {
  const refs = check.refs.map(refText);
  return {
    id: check.id,
    name: ruleName(check.title),
    shortDescription: { text: check.title },
    fullDescription: { text: check.detects },
    help: {
      text: `${check.remediation}${refs.length > 0 ? `\n\nReferences: ${refs.join('; ')}` : ''}`,
      markdown: `**Remediation:** ${mdText(check.remediation)}${refs.length > 0 ? `\n\n**References:** ${refs.map(mdText).join('; ')}` : ''}`,
    },
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      tags: ['security', 'key-management', ...new Set(check.refs.map((r) => r.framework))],
      'security-severity': SECURITY_SEVERITY[check.severity],
      severity: check.severity,
      effort: check.effort,
      frameworks: check.refs.map((r) => ({ framework: r.framework, control: r.control })),
    },
  };
}

function result(run: AuditRun, f: Finding, ruleIndex: number | undefined): Result {
  const mark = trendMark(run, f.fingerprint);
  return {
    ruleId: f.checkId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind: 'fail',
    level: LEVEL[f.severity],
    message: { text: `${f.title}: ${f.message}` },
    locations: [location(f.subject)],
    ...(f.evidence.length > 0 ? { relatedLocations: f.evidence.map((e, i) => ({ id: i + 1, ...location(e), message: { text: evidenceText(e) } })) } : {}),
    partialFingerprints: { 'keywardFinding/v1': f.fingerprint },
    ...(mark !== null ? { baselineState: mark === 'new' ? 'new' : 'unchanged' } : {}),
    properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity], subject: { ...f.subject } },
  };
}

/** A file is a physical location (with the line of a `path:line` label); anything else is logical. */
function location(ref: EvidenceRef): Location {
  if (ref.kind === 'file') {
    const line = lineOf(ref);
    return { physicalLocation: { artifactLocation: { uri: fileUri(ref.id) }, ...(line !== null ? { region: { startLine: line } } : {}) } };
  }
  return { logicalLocations: [{ name: ref.label ?? ref.id, fullyQualifiedName: `${ref.kind}/${ref.id}`, kind: LOGICAL_KIND[ref.kind] }] };
}

function lineOf(ref: EvidenceRef): number | null {
  const match = /:(\d+)$/.exec(ref.label ?? '');
  const line = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(line) && line >= 1 ? line : null;
}

/** A file path as a URI reference: `/` separators, each segment percent-encoded (spaces, commas, `#`, `%`…). */
function fileUri(path: string): string {
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

/** `RotationOverdue` from "Rotation overdue": SARIF's readable rule name. */
function ruleName(title: string): string {
  const words = title.match(/[A-Za-z0-9]+/g) ?? [];
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') || 'Check';
}

function utc<K extends string>(name: K, iso: string): Partial<Record<K, string>> {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? {} : ({ [name]: new Date(t).toISOString() } as Record<K, string>);
}

function indexOf(index: ReadonlyMap<string, number>, id: string): { index?: number } {
  const i = index.get(id);
  return i === undefined ? {} : { index: i };
}
