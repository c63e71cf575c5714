import { assessed, defineCheck, seqRef } from '../check.ts';
import { practice, pci, soc2, nist57 } from '../refs.ts';

/** LIF-03: a destroyed key with no record of who authorised it. */
export const lif03DestructionWithoutAuthoriser = defineCheck({
  info: {
    id: 'LIF-03',
    title: 'Destruction without a recorded authoriser',
    detects: 'A destroyed key for which nothing records who authorised the destruction (no approver and no audit entry naming the actor): the minimum audit trail — creation, access, rotation, destruction and its authoriser — is incomplete.',
    severity: 'high',
    remediation: 'Find out who destroyed the key and why and record it; check the audit log for gaps (LOG-01) and require approvals for destruction.',
    refs: [practice('minimum key audit trail'), pci('3.6.1'), soc2('CC6.5'), nist57('§9.2 audit')],
    effort: 'medium',
  },
  needs: ['deletions'],
  run(input) {
    const destroyed = input.deletions.filter((d) => d.status === 'destroyed');
    const findings = destroyed
      .filter((d) => d.authorisedBy === null)
      .map((d) => ({
        subject: { kind: 'key' as const, id: d.keyId, label: d.keyName },
        message: `key "${d.keyName}" was destroyed${d.destroyedAt ? ` on ${d.destroyedAt.slice(0, 10)}` : ''} and nothing records who authorised it`,
        evidence: d.evidenceSeqs.map((s) => seqRef(s)),
      }));
    return assessed(destroyed.length, findings);
  },
});
