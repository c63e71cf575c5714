import { assessed, defineCheck, keyRef, notAssessed, type FindingDraft } from '../check.ts';
import type { IdentitySnapshot, KeyUsage } from '../input.ts';
import { bindingsForKey, identityByActor, usageByKey } from '../lookups.ts';
import { pci, iso, soc2 } from '../refs.ts';

/** ACC-09: production keys reachable from non-production identities, or one key used by both. */
export const acc09ProdNonprodMix = defineCheck({
  info: {
    id: 'ACC-09',
    title: 'Production and non-production mixed on a key',
    detects: 'A production key that a non-production identity may use (through a role binding) or has used, or any key used by identities of both production and non-production environments.',
    severity: 'high',
    remediation: 'Give each environment its own keys and identities; remove the cross-environment bindings and re-key data the other environment could read.',
    refs: [pci('3.6.1.1'), pci('6.5.3'), iso('A.8.31'), soc2('CC6.1')],
    effort: 'medium',
  },
  needs: ['keys', 'identities'],
  uses: ['roleBindings', 'usage'],
  run(input) {
    if (input.roleBindings === undefined && input.usage === undefined) return notAssessed('no role bindings and no key usage from the audit log in this deployment');
    const byId = new Map(input.identities.map((i) => [i.id, i]));
    const identityOf = identityByActor(input.identities);
    const usage = input.usage ? usageByKey(input.usage) : new Map<string, KeyUsage>();
    const findings: FindingDraft[] = [];
    const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
    for (const { key } of keys) {
      const problems: string[] = [];
      if (key.environment === 'prod') {
        const grants = bindingsForKey(input.roleBindings ?? [], key.name).filter((b) => b.grantsUse && b.subjectKind === 'identity');
        const nonProd = grants.map((b) => byId.get(b.subject)).filter((i): i is IdentitySnapshot => i !== undefined && isNonProd(i));
        for (const i of unique(nonProd)) problems.push(`${i.environment ?? ''} identity ${i.name} may use it`);
      }
      const users = unique((usage.get(key.id)?.principals ?? []).map((p) => identityOf(p.actor)).filter((i): i is IdentitySnapshot => i !== undefined && i.environment !== null));
      const envs = new Set(users.map((i) => i.environment));
      if (envs.has('prod') && users.some(isNonProd)) problems.push(`used by identities of ${[...envs].sort().join(' and ')}`);
      else if (key.environment === 'prod') for (const i of users.filter(isNonProd)) problems.push(`${i.environment ?? ''} identity ${i.name} used it`);
      if (problems.length > 0) findings.push({ subject: keyRef(key), message: `${key.environment ?? 'unlabelled'} key "${key.name}": ${[...new Set(problems)].join('; ')}` });
    }
    return assessed(keys.length, findings);
  },
});

function isNonProd(i: IdentitySnapshot): boolean {
  return i.environment !== null && i.environment !== 'prod';
}

function unique(list: readonly IdentitySnapshot[]): IdentitySnapshot[] {
  return [...new Map(list.map((i) => [i.id, i])).values()];
}
