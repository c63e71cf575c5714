import { assessed, defineCheck } from '../check.ts';
import { practice, soc2, pci, iso, hipaa } from '../refs.ts';

/** ACC-01: a role binding granted to everyone. */
export const acc01PublicBinding = defineCheck({
  info: {
    id: 'ACC-01',
    title: 'Role granted to everyone',
    detects: 'A role binding whose subject is everyone (`*`): every authenticated identity holds the role on the keys in its scope.',
    severity: 'critical',
    remediation: 'Delete the binding and grant the role to the identities or groups that need it.',
    refs: [practice('AWS Config kms-key-policy-no-public-access'), soc2('CC6.1'), pci('7.2.1'), iso('A.5.15'), hipaa('§164.312(a)(1)')],
    effort: 'low',
  },
  needs: ['roleBindings'],
  run(input) {
    const findings = input.roleBindings
      .filter((b) => b.subjectKind === 'everyone' || b.subject === '*')
      .map((b) => ({
        subject: { kind: 'binding' as const, id: b.id, label: `${b.role} → everyone on ${b.keyScope}` },
        message: `role ${b.role} is granted to everyone on keys "${b.keyScope}" (binding ${b.id}, by ${b.createdBy})`,
      }));
    return assessed(input.roleBindings.length, findings);
  },
});
