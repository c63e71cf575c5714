import type { AssessmentInput } from './input.ts';
import { cryptoperiod, currentVersionAgeDays } from './key-rules.ts';
import { ownerLookup } from './lookups.ts';
import { SEVERITIES, type CheckResult, type RunMetrics, type Severity } from './model.ts';
import { resultOf, wasAssessed } from './severity.ts';
import { hoursBetween, median } from './time.ts';

/** Inventory items' states named as key states, so one breakdown covers both. */
const INVENTORY_STATE: Readonly<Record<string, string>> = { enabled: 'active', disabled: 'deactivated', 'pending-deletion': 'pending-deletion', destroyed: 'destroyed', compromised: 'compromised' };

/**
 * The run's numbers, derived from the snapshot and the check results so that a percentage and the
 * findings behind it always agree (a key counts as non-compliant exactly when a rotation check
 * names it). A percentage is null when there is nothing to measure or its data is missing.
 */
export function computeMetrics(input: AssessmentInput, results: readonly CheckResult[]): RunMetrics {
  const keys = input.keys ?? [];
  const items = (input.inventory ?? []).filter((i) => i.status !== 'gone');
  const byState: Record<string, number> = {};
  const bySpec: Record<string, number> = {};
  const byEnvironment: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const add = (map: Record<string, number>, k: string): void => void (map[k] = (map[k] ?? 0) + 1);
  for (const { key } of keys) {
    add(byState, key.state);
    add(bySpec, key.spec);
    add(byEnvironment, key.environment ?? 'unset');
    add(bySource, 'keyward');
  }
  for (const i of items) {
    add(byState, INVENTORY_STATE[i.state] ?? i.state);
    add(bySpec, i.algorithm ?? 'unknown');
    add(byEnvironment, i.environment ?? 'unset');
    add(bySource, i.source);
  }

  const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of results) for (const f of r.findings) findingsBySeverity[f.severity]++;

  const approvals = input.approvals;
  const decided = (approvals ?? []).filter((a) => a.decidedAt !== null).map((a) => hoursBetween(a.createdAt, a.decidedAt as string));
  const medianHours = median(decided);

  return {
    keys: { total: keys.length + items.length, byState, bySpec, byEnvironment, bySource },
    rotationCompliancePct: rotationCompliance(input, results),
    orphanedPct: orphaned(results),
    unknownOwnerPct: unknownOwner(input),
    expiredPct: expired(input),
    medianApprovalHours: medianHours === null ? null : round1(medianHours),
    approvalsPending: approvals ? approvals.filter((a) => a.status === 'pending').length : null,
    findingsBySeverity,
  };
}

function pct(part: number, whole: number): number | null {
  return whole === 0 ? null : round1((part / whole) * 100);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function subjectIds(results: readonly CheckResult[], ids: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const id of ids) for (const f of resultOf(results, id)?.findings ?? []) out.add(f.subject.id);
  return out;
}

/** Of the keys in use (active or suspended) and the external keys that can rotate: those no rotation check (ROT-01/02/03) names. */
function rotationCompliance(input: AssessmentInput, results: readonly CheckResult[]): number | null {
  const managed = wasAssessed(results, 'ROT-01') && wasAssessed(results, 'ROT-02');
  const external = wasAssessed(results, 'ROT-03');
  if (!managed && !external) return null;
  const subjects = [
    ...(managed ? (input.keys ?? []).filter((k) => k.key.state === 'active' || k.key.state === 'suspended').map((k) => k.key.id) : []),
    ...(external ? (input.inventory ?? []).filter((i) => i.status !== 'gone' && i.state === 'enabled' && i.rotationEnabled !== null).map((i) => i.id) : []),
  ];
  const failing = subjectIds(results, ['ROT-01', 'ROT-02', 'ROT-03']);
  return pct(subjects.filter((id) => !failing.has(id)).length, subjects.length);
}

/** Of the active keys INV-04 examined (older than the orphan threshold): those it found orphaned. */
function orphaned(results: readonly CheckResult[]): number | null {
  const r = resultOf(results, 'INV-04');
  if (!r || (r.status !== 'passed' && r.status !== 'failed')) return null;
  return pct(r.findings.length, r.examined);
}

/** Of the keys not destroyed (and registered inventory items): those with no owner, or one the directory does not know as active. */
function unknownOwner(input: AssessmentInput): number | null {
  if (!input.keys) return null;
  const lookup = input.directory ? ownerLookup(input.directory) : null;
  const unresolved = (owner: string | null): boolean => {
    if (owner === null || owner.trim() === '') return true;
    if (!lookup) return false;
    const m = lookup(owner);
    return m.kind === 'unknown' || (m.kind === 'person' && m.person.status !== 'active');
  };
  const owners = [
    ...input.keys.filter((k) => k.key.state !== 'destroyed').map((k) => k.key.owner),
    ...(input.inventory ?? []).filter((i) => i.status === 'registered' && i.state !== 'destroyed').map((i) => i.owner),
  ];
  return pct(owners.filter(unresolved).length, owners.length);
}

/** Of the keys not destroyed: those in use past their cryptoperiod, and external items past their expiry. */
function expired(input: AssessmentInput): number | null {
  if (!input.keys) return null;
  const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
  const items = (input.inventory ?? []).filter((i) => i.status !== 'gone' && i.state !== 'destroyed');
  const expiredKeys = keys.filter((k) => (k.key.state === 'active' || k.key.state === 'suspended') && currentVersionAgeDays(k, input.now) > cryptoperiod(k.key, input.policy).days);
  const expiredItems = items.filter((i) => i.expiresAt !== null && i.expiresAt < input.now);
  return pct(expiredKeys.length + expiredItems.length, keys.length + items.length);
}
