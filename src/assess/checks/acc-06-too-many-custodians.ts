import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import { bindingsForKey } from '../lookups.ts';
import { pci, iso, soc2 } from '../refs.ts';

/** ACC-06: more administrators than allowed on a tier-1 key. */
export const acc06TooManyCustodians = defineCheck({
  info: {
    id: 'ACC-06',
    title: 'Too many custodians on a tier-1 key',
    detects: 'A tier-1 key administered by more identities than the limit (default 3): PCI DSS asks for the fewest custodians necessary.',
    severity: 'medium',
    remediation: 'Remove administrator bindings until only the custodians needed remain; document who they are.',
    refs: [pci('3.6.1'), pci('3.6.1.3'), iso('A.8.2'), soc2('CC6.3')],
    effort: 'low',
  },
  needs: ['keys', 'roleBindings'],
  run(input) {
    const max = input.thresholds.maxCustodians;
    const keys = input.keys.filter((k) => k.key.tier === 1 && k.key.state !== 'destroyed');
    const findings: FindingDraft[] = [];
    for (const { key } of keys) {
      const admins = bindingsForKey(input.roleBindings, key.name).filter((b) => b.grantsAdmin);
      const subjects = [...new Set(admins.map((b) => b.subject))].sort();
      if (subjects.length > max) {
        findings.push({
          subject: keyRef(key),
          message: `tier-1 key "${key.name}" has ${subjects.length} administrators (at most ${max}): ${subjects.slice(0, 10).join(', ')}`,
          evidence: admins.slice(0, 20).map((b) => ({ kind: 'binding' as const, id: b.id, label: `${b.role} → ${b.subject}` })),
        });
      }
    }
    return assessed(keys.length, findings);
  },
});
