import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { identityByActor, usageByKey } from '../lookups.ts';
import { soc2, iso, pci, practice } from '../refs.ts';

/** ACC-04: whoever created a key is the only one using it (creation and use not separated). */
export const acc04CreatorSoleUser = defineCheck({
  info: {
    id: 'ACC-04',
    title: 'Key creator is its sole user',
    detects: 'A key whose every successful cryptographic use came from the identity that created it: the person who controls the key also uses it alone, with nobody else involved.',
    severity: 'medium',
    remediation: 'Have keys created by administrators and used by the applications or people that need them, under separate identities.',
    refs: [practice('separation of duties'), soc2('CC6.3'), iso('A.5.3'), pci('3.6.1.3')],
    effort: 'medium',
  },
  needs: ['keys', 'usage'],
  uses: ['identities'],
  run(input) {
    const usage = usageByKey(input.usage);
    const identityOf = identityByActor(input.identities);
    const who = (actor: string): string => identityOf(actor)?.id ?? actor;
    const findings: FindingDraft[] = [];
    let examined = 0;
    for (const { key } of input.keys) {
      const u = usage.get(key.id);
      if (!u || u.principals.length === 0) continue;
      examined++;
      const users = new Set(u.principals.map((p) => who(p.actor)));
      const creator = who(key.createdBy);
      if (users.size === 1 && users.has(creator)) {
        findings.push({
          subject: keyRef(key),
          message: `key "${key.name}" was created by ${key.createdBy}, the only identity that has used it (${u.uses} use(s))`,
          evidence: u.lastUsedSeq !== null ? [seqRef(u.lastUsedSeq, 'last use')] : [],
        });
      }
    }
    return assessed(examined, findings);
  },
});
