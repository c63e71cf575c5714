import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import { bindingsForKey } from '../lookups.ts';
import { cis, soc2, iso, pci } from '../refs.ts';

/** ACC-03: one identity both administers and uses a key (no separation of duties). */
export const acc03AdminAndUser = defineCheck({
  info: {
    id: 'ACC-03',
    title: 'Key administrator is also a key user',
    detects: 'An identity bound both to a role that administers a key (rotate, change state, grant) and to one that uses it (encrypt, decrypt): it could, for example, export data and destroy the key that protects it.',
    severity: 'medium',
    remediation: 'Split the duties: administrators and users of a key are different identities.',
    refs: [cis('GCP 1.11'), soc2('CC6.3'), iso('A.5.3'), pci('3.6.1.3')],
    effort: 'medium',
  },
  needs: ['keys', 'roleBindings'],
  run(input) {
    const findings: FindingDraft[] = [];
    const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
    for (const { key } of keys) {
      const applying = bindingsForKey(input.roleBindings, key.name).filter((b) => b.subjectKind === 'identity');
      const admins = new Set(applying.filter((b) => b.grantsAdmin).map((b) => b.subject));
      const users = new Set(applying.filter((b) => b.grantsUse).map((b) => b.subject));
      for (const subject of [...admins].filter((s) => users.has(s)).sort()) {
        const bindings = applying.filter((b) => b.subject === subject && (b.grantsAdmin || b.grantsUse));
        findings.push({
          subject: keyRef(key),
          discriminator: subject,
          message: `identity ${subject} both administers and uses key "${key.name}" (${[...new Set(bindings.map((b) => b.role))].join(', ')})`,
          evidence: [{ kind: 'identity', id: subject }, ...bindings.map((b) => ({ kind: 'binding' as const, id: b.id, label: b.role }))],
        });
      }
    }
    return assessed(keys.length, findings);
  },
});
