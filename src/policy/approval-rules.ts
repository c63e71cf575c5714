import { ENVIRONMENTS, type Environment, type Tier } from '../storage/records.ts';
import { APPROVABLE_OPERATIONS, type ApprovableOperation, type ApprovalRule, type Policy } from './policy-model.ts';
import { MAX_ENTRIES } from './rule-fields.ts';
import type { Located, YamlReader } from './yaml-reader.ts';

/** More approvers than this is a committee, not a control; it would also stall every request. */
export const MAX_QUORUM = 10;
const ROLE_NAME = { re: /^[a-z0-9][a-z0-9._-]{0,63}$/, hint: 'a role name (lower-case letters, digits, ._-, up to 64)' };

/**
 * `rules.approvals`:
 *
 *     approvals:
 *       - operations: [key.destroy, key.schedule-deletion]
 *         quorum: 2
 *         approverRole: security-officer
 *         appliesTo: { tiers: [1, 2], environments: [prod] }
 */
export function readApprovals(reader: YamlReader, at: Located): ApprovalRule[] {
  const out: ApprovalRule[] = [];
  for (const item of reader.list(at, { maxItems: MAX_ENTRIES }) ?? []) {
    const entry = reader.fields(item, ['operations', 'quorum', 'approverRole', 'appliesTo']);
    if (!entry) continue;
    const opsAt = entry.require('operations');
    const operations: ApprovableOperation[] = [];
    for (const opAt of (opsAt && reader.list(opsAt, { minItems: 1, maxItems: APPROVABLE_OPERATIONS.length })) || []) {
      const op = reader.choice(opAt, APPROVABLE_OPERATIONS, 'operation');
      if (op !== null && !operations.includes(op)) operations.push(op);
    }
    const quorumAt = entry.require('quorum');
    const quorum = quorumAt ? reader.integer(quorumAt, 1, MAX_QUORUM, 'approvers') : null;
    const roleAt = entry.require('approverRole');
    const approverRole = roleAt ? reader.text(roleAt, 64, ROLE_NAME) : null;
    const scope = readAppliesTo(reader, entry.get('appliesTo'));
    if (operations.length === 0 || quorum === null || approverRole === null || !scope) continue;
    out.push({ operations, quorum, approverRole, ...scope });
  }
  return out;
}

function readAppliesTo(reader: YamlReader, at: Located | undefined): Pick<ApprovalRule, 'tiers' | 'environments'> | null {
  if (!at) return { tiers: null, environments: null };
  const fields = reader.fields(at, ['tiers', 'environments']);
  if (!fields) return null;
  let ok = true;
  let tiers: Tier[] | null = null;
  const tiersAt = fields.get('tiers');
  if (tiersAt) {
    tiers = [];
    for (const t of reader.list(tiersAt, { minItems: 1, maxItems: 3 }) ?? []) {
      const tier = reader.tierOrAny(t);
      if (tier === undefined) ok = false;
      else if (tier === null) reader.fail(t, 'list the tiers, or leave `tiers` out for all of them');
      else if (!tiers.includes(tier)) tiers.push(tier);
    }
  }
  let environments: Environment[] | null = null;
  const envsAt = fields.get('environments');
  if (envsAt) {
    environments = [];
    for (const e of reader.list(envsAt, { minItems: 1, maxItems: ENVIRONMENTS.length }) ?? []) {
      const env = reader.choice(e, ENVIRONMENTS, 'environment');
      if (env === null) ok = false;
      else if (!environments.includes(env)) environments.push(env);
    }
  }
  return ok ? { tiers, environments } : null;
}

export interface ApprovalRequirement {
  readonly quorum: number;
  readonly approverRole: string;
}

/**
 * Whether `action` on `key` needs approval under `policy`, and from whom: the entry with the
 * largest quorum among those that name the action and cover the key (the first listed on a tie).
 * For an action about no key (`binding.create-tier1`, `policy.update`), `appliesTo` cannot be
 * checked, so every entry naming the action applies: the cautious reading.
 *
 * @example
 * approvalRequirement(policy, 'key.destroy', { tier: 1, environment: 'prod' }) // { quorum: 2, approverRole: 'security-officer' }
 */
export function approvalRequirement(
  policy: Pick<Policy, 'approvals'> | null,
  action: string,
  key: { readonly tier: number | null; readonly environment: string | null } | null,
): ApprovalRequirement | null {
  let best: ApprovalRule | null = null;
  for (const rule of policy?.approvals ?? []) {
    if (!(rule.operations as readonly string[]).includes(action)) continue;
    if (key !== null) {
      if (rule.tiers && !(rule.tiers as readonly (number | null)[]).includes(key.tier)) continue;
      if (rule.environments && !(rule.environments as readonly (string | null)[]).includes(key.environment)) continue;
    }
    if (!best || rule.quorum > best.quorum) best = rule;
  }
  return best ? { quorum: best.quorum, approverRole: best.approverRole } : null;
}

export function describeApproval(rule: ApprovalRule): string {
  const scope = [rule.tiers ? `tier ${rule.tiers.join('/')}` : null, rule.environments ? rule.environments.join('/') : null].filter((p) => p !== null).join(' ');
  return `approvals: ${rule.operations.join(', ')} need ${rule.quorum} × ${rule.approverRole}${scope ? ` (${scope} keys)` : ''}`;
}
