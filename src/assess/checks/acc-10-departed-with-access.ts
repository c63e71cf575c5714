import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import type { DirectoryPerson } from '../input.ts';
import { ownerLookup } from '../lookups.ts';
import { soc2, pci, iso, hipaa } from '../refs.ts';

/** ACC-10: people who left (or are suspended) still holding access: an enabled identity, a binding or a live token. */
export const acc10DepartedWithAccess = defineCheck({
  info: {
    id: 'ACC-10',
    title: 'Departed people with access',
    detects: 'A person the directory lists as departed or suspended whose identity is still enabled, still holds role bindings, or still has a live token.',
    severity: 'high',
    remediation: 'Disable the identity, remove its bindings and revoke its tokens; hook the leaver process to do this on the day someone leaves.',
    refs: [soc2('CC6.2'), soc2('CC6.1'), pci('8.2.5'), iso('A.6.5'), iso('A.5.18'), hipaa('§164.308(a)(3)(ii)(C)')],
    effort: 'low',
  },
  needs: ['directory', 'identities'],
  uses: ['roleBindings', 'tokens'],
  run(input) {
    const lookup = ownerLookup(input.directory);
    const findings: FindingDraft[] = [];
    const people = input.identities.filter((i) => i.kind === 'user' && i.person !== null);
    for (const identity of people) {
      const match = lookup(identity.person as string);
      if (match.kind !== 'person' || match.person.status === 'active') continue;
      const person: DirectoryPerson = match.person;
      const bindings = (input.roleBindings ?? []).filter((b) => b.subjectKind === 'identity' && b.subject === identity.id);
      const tokens = (input.tokens ?? []).filter((t) => t.identityId === identity.id && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > input.now));
      const access = [
        ...(identity.status === 'active' ? ['an enabled identity'] : []),
        ...(bindings.length > 0 ? [`${bindings.length} role binding(s)`] : []),
        ...(tokens.length > 0 ? [`${tokens.length} live token(s)`] : []),
      ];
      if (access.length === 0) continue;
      findings.push({
        subject: { kind: 'identity', id: identity.id, label: identity.name },
        message: `${person.name} is ${person.status}${person.departedAt ? ` since ${person.departedAt.slice(0, 10)}` : ''} but still has ${access.join(', ')}`,
        evidence: [...bindings.map((b) => ({ kind: 'binding' as const, id: b.id, label: b.role })), ...tokens.map((t) => ({ kind: 'identity' as const, id: `token:${t.accessor}` }))],
      });
    }
    return assessed(people.length, findings);
  },
});
