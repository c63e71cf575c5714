import { assessed, defineCheck, seqRef, type FindingDraft } from '../check.ts';
import { pci, soc2, iso, hipaa } from '../refs.ts';

/** Operations that need a second person (dual control). */
export const DUAL_CONTROL_ACTIONS: ReadonlySet<string> = new Set(['key.destroy', 'key.schedule-deletion', 'key.import', 'key.export']);

/** ACC-07: a sensitive operation performed by one person alone. */
export const acc07SensitiveOperationAlone = defineCheck({
  info: {
    id: 'ACC-07',
    title: 'Sensitive operation without a second person',
    detects: 'A key destruction, scheduled deletion, import or export performed without an approval by someone other than the performer (and not under break-glass, which ACC-08 reviews).',
    severity: 'high',
    remediation: 'Require approval by another person for these operations (dual control) in the policy.',
    refs: [pci('3.7.6'), soc2('CC6.3'), iso('A.5.3'), hipaa('§164.308(a)(3)')],
    effort: 'medium',
  },
  needs: ['sensitiveOperations'],
  uses: ['approvals'],
  run(input) {
    const approvals = new Map((input.approvals ?? []).map((a) => [a.id, a]));
    const ops = input.sensitiveOperations.filter((o) => DUAL_CONTROL_ACTIONS.has(o.action));
    const findings: FindingDraft[] = [];
    for (const op of ops) {
      if (op.breakGlassId !== null) continue;
      const approval = op.approvalId !== null ? approvals.get(op.approvalId) : undefined;
      const others = approval ? approval.approvers.filter((a) => a !== op.actor) : [];
      // Without approval records, an approval id is taken on trust: the approvals section checks it when present.
      const alone = op.approvalId === null || (input.approvals !== undefined && others.length === 0);
      if (!alone) continue;
      findings.push({
        subject: seqRef(op.seq, op.action),
        message: `${op.action}${op.keyId ? ` of key ${op.keyId}` : ''} by ${op.actor} on ${op.time.slice(0, 10)} had ${op.approvalId === null ? 'no approval' : `no approver other than ${op.actor}`}`,
        evidence: [seqRef(op.seq), ...(op.keyId ? [{ kind: 'key' as const, id: op.keyId }] : []), ...(op.approvalId ? [{ kind: 'approval' as const, id: op.approvalId }] : [])],
      });
    }
    return assessed(ops.length, findings);
  },
});
