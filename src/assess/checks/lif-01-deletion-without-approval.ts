import { assessed, defineCheck, seqRef, type FindingDraft } from '../check.ts';
import { pci, soc2, iso, practice } from '../refs.ts';

/** Approval actions that cover scheduling or performing a key's destruction. */
const DELETION_ACTIONS = new Set(['key.destroy', 'key.schedule-deletion']);

/** LIF-01: keys scheduled for deletion or destroyed without an approved request. */
export const lif01DeletionWithoutApproval = defineCheck({
  info: {
    id: 'LIF-01',
    title: 'Deletion without an approved request',
    detects: 'A key scheduled for deletion or destroyed with no approval request, or with one that was not approved, was for another key, or another action.',
    severity: 'critical',
    remediation: 'Require M-of-N approval for key destruction in the policy; investigate each destruction found and record its justification.',
    refs: [pci('3.6.1'), pci('3.7.6'), soc2('CC6.5'), iso('A.8.10'), practice('AWS Config kms-cmk-not-scheduled-for-deletion')],
    effort: 'medium',
  },
  needs: ['deletions', 'approvals'],
  run(input) {
    const approvals = new Map(input.approvals.map((a) => [a.id, a]));
    const findings: FindingDraft[] = [];
    for (const d of input.deletions) {
      const subject = { kind: 'key' as const, id: d.keyId, label: d.keyName };
      const evidence = d.evidenceSeqs.map((s) => seqRef(s));
      const verb = d.status === 'destroyed' ? 'destroyed' : 'scheduled for deletion';
      const approval = d.approvalId !== null ? approvals.get(d.approvalId) : undefined;
      let problem: string | null = null;
      if (d.approvalId === null) problem = `key "${d.keyName}" was ${verb} without an approval request`;
      else if (!approval) problem = `key "${d.keyName}" was ${verb} under approval ${d.approvalId}, which does not exist`;
      else if (approval.status !== 'approved' && approval.status !== 'executed') problem = `key "${d.keyName}" was ${verb} under approval ${approval.id}, which is ${approval.status}`;
      else if (!DELETION_ACTIONS.has(approval.action) || (approval.keyId !== null && approval.keyId !== d.keyId)) {
        problem = `key "${d.keyName}" was ${verb} under approval ${approval.id}, which approved ${approval.action} of another key or action`;
      }
      if (problem) findings.push({ subject, message: problem, evidence: [...evidence, ...(approval ? [{ kind: 'approval' as const, id: approval.id }] : [])] });
    }
    return assessed(input.deletions.length, findings);
  },
});
