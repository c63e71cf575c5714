import type { AssessmentInput } from './input.ts';
import type { AuditRun, ChecklistItem, ChecklistStatus, CheckResult, RunMetrics } from './model.ts';
import { CONTINUOUS_AUDIT_HOURS } from './maturity.ts';
import { passed, resultOf, wasAssessed } from './severity.ts';
import { hoursBetween } from './time.ts';

interface ChecklistContext {
  readonly input: AssessmentInput;
  readonly results: readonly CheckResult[];
  readonly metrics: RunMetrics;
  readonly previous: AuditRun | null;
  readonly previousRuns: readonly AuditRun[];
}

/** A status from how many of some conditions hold: all → done, some → partial, none → missing. */
function byCount(met: number, of: number): ChecklistStatus {
  return met === of ? 'done' : met > 0 ? 'partial' : 'missing';
}

function item(id: string, title: string, status: ChecklistStatus, basis: string): ChecklistItem {
  return { id, title, status, basis };
}

function statusOf(results: readonly CheckResult[], id: string): string {
  return `${id} ${resultOf(results, id)?.status ?? 'absent'}`;
}

/**
 * The audit decision checklist, each item's status decided by the data (the basis says how):
 * scope, inventory, workflow mapped, gaps, severity, target, tooling, maintenance, human factors,
 * DR tested.
 */
export function buildChecklist(c: ChecklistContext): ChecklistItem[] {
  return [scope(c), inventory(c), workflow(c), gaps(c), severity(c), target(c), tooling(c), maintenance(c), humanFactors(c), drTested(c)];
}

function scope({ input }: ChecklistContext): ChecklistItem {
  const parts = [input.keys !== undefined ? 'managed keys' : null, input.inventory !== undefined ? 'external inventory' : null].filter((x) => x !== null);
  const status: ChecklistStatus = input.keys !== undefined && input.inventory !== undefined ? 'done' : parts.length > 0 ? 'partial' : 'missing';
  return item('scope', 'Scope: which keys and systems the audit covers', status, parts.length > 0 ? `in scope: ${parts.join(' and ')}${input.inventory === undefined ? '; no connector inventory of external keys' : ''}` : 'no key data');
}

function inventory({ input, results, metrics }: ChecklistContext): ChecklistItem {
  const title = 'Inventory: every key recorded with owner, purpose and classification';
  if (input.keys === undefined) return item('inventory', title, 'not-assessed', 'no key records');
  if (metrics.keys.total === 0) return item('inventory', title, 'missing', 'no keys recorded');
  const ids = ['INV-02', 'INV-05', ...(wasAssessed(results, 'INV-01') ? ['INV-01'] : [])];
  return item('inventory', title, byCount(ids.filter((id) => passed(results, id)).length, ids.length), ids.map((id) => statusOf(results, id)).join(', '));
}

function workflow({ input, results }: ChecklistContext): ChecklistItem {
  const parts = [
    { met: passed(results, 'ROT-01'), text: `rotation schedules (${statusOf(results, 'ROT-01')})` },
    { met: (input.approvals?.length ?? 0) > 0, text: `approvals (${input.approvals === undefined ? 'no approval workflow' : `${input.approvals.length} request(s)`})` },
    { met: passed(results, 'LIF-03'), text: `destruction recorded with authoriser (${statusOf(results, 'LIF-03')})` },
  ];
  return item('workflow', 'Workflow mapped: creation, rotation, approval and destruction follow a defined path', byCount(parts.filter((p) => p.met).length, parts.length), parts.map((p) => `${p.met ? 'yes' : 'no'}: ${p.text}`).join('; '));
}

function gaps({ results }: ChecklistContext): ChecklistItem {
  const ran = results.filter((r) => r.status === 'passed' || r.status === 'failed').length;
  const notRun = results.filter((r) => r.status === 'not-assessed' || r.status === 'error').map((r) => r.check.id);
  const status: ChecklistStatus = notRun.length === 0 ? 'done' : ran * 2 >= results.length ? 'partial' : 'missing';
  return item('gaps', 'Gaps identified against the frameworks', status, `${ran} of ${results.length} checks assessed${notRun.length > 0 ? `; not assessed: ${notRun.join(', ')}` : ''}`);
}

function severity({ results, previous }: ChecklistContext): ChecklistItem {
  const title = 'Severity: gaps rated, and critical ones dealt with promptly';
  const critical = results.flatMap((r) => r.findings).filter((f) => f.severity === 'critical').map((f) => f.fingerprint);
  if (critical.length === 0) return item('severity', title, 'done', 'no critical findings open');
  const before = new Set((previous?.results ?? []).flatMap((r) => r.findings).map((f) => f.fingerprint));
  const carried = critical.filter((fp) => before.has(fp));
  if (carried.length > 0) return item('severity', title, 'missing', `${carried.length} critical finding(s) still open since the previous run`);
  return item('severity', title, 'partial', `${critical.length} new critical finding(s) to address`);
}

function target({ input, results }: ChecklistContext): ChecklistItem {
  const title = 'Target state set by a current key-management policy';
  if (input.policy === undefined) return item('target', title, 'not-assessed', 'policy data is not available in this deployment');
  if (input.policy === null) return item('target', title, 'missing', 'no key-management policy defined');
  return item('target', title, passed(results, 'GOV-01') ? 'done' : 'partial', `policy ${input.policy.id}, ${statusOf(results, 'GOV-01')}`);
}

function tooling({ input }: ChecklistContext): ChecklistItem {
  const tools = [
    { met: input.keys !== undefined, text: 'key management (Keyward)' },
    { met: (input.inventory?.length ?? 0) > 0, text: 'connectors for external keys' },
    { met: input.scans !== undefined, text: 'secret scanner' },
    { met: (input.backups?.length ?? 0) > 0, text: 'backups' },
  ];
  return item('tooling', 'Tooling: KMS, connectors, secret scanning and backups in place', byCount(tools.filter((t) => t.met).length, tools.length), tools.map((t) => `${t.met ? 'yes' : 'no'}: ${t.text}`).join('; '));
}

function maintenance({ input, results, metrics, previousRuns }: ChecklistContext): ChecklistItem {
  const scheduled = previousRuns.some((r) => r.trigger === 'schedule' && r.finishedAt <= input.now && hoursBetween(r.finishedAt, input.now) <= CONTINUOUS_AUDIT_HOURS);
  const parts = [
    { met: scheduled, text: `a scheduled audit run within ${CONTINUOUS_AUDIT_HOURS} h` },
    { met: passed(results, 'LOG-02'), text: `fresh audit checkpoints (${statusOf(results, 'LOG-02')})` },
    { met: metrics.rotationCompliancePct !== null && metrics.rotationCompliancePct >= 80, text: `rotation compliance ≥ 80 % (${metrics.rotationCompliancePct ?? 'not measured'})` },
  ];
  return item('maintenance', 'Maintenance: audits, checkpoints and rotation keep running', byCount(parts.filter((p) => p.met).length, parts.length), parts.map((p) => `${p.met ? 'yes' : 'no'}: ${p.text}`).join('; '));
}

function humanFactors({ results }: ChecklistContext): ChecklistItem {
  const title = 'Human factors: owners known, leavers removed, access reviewed';
  const ids = ['INV-03', 'ACC-10', 'ACC-05'].filter((id) => wasAssessed(results, id));
  if (ids.length === 0) return item('human-factors', title, 'not-assessed', 'no directory or access-review data (INV-03, ACC-10, ACC-05 not assessed)');
  const ok = ids.filter((id) => passed(results, id)).length;
  const status: ChecklistStatus = ok === 3 ? 'done' : ok > 0 || ids.length < 3 ? 'partial' : 'missing';
  return item('human-factors', title, status, ['INV-03', 'ACC-10', 'ACC-05'].map((id) => statusOf(results, id)).join(', '));
}

function drTested({ results }: ChecklistContext): ChecklistItem {
  const title = 'Disaster recovery tested: backups restored in a drill';
  if (!wasAssessed(results, 'BAK-02')) return item('dr-tested', title, 'not-assessed', 'no disaster-recovery drill records');
  const status: ChecklistStatus = !passed(results, 'BAK-02') ? 'missing' : wasAssessed(results, 'BAK-01') && !passed(results, 'BAK-01') ? 'partial' : 'done';
  return item('dr-tested', title, status, `${statusOf(results, 'BAK-02')}, ${statusOf(results, 'BAK-01')}`);
}
