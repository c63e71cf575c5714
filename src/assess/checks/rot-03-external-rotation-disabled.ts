import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { NIST_CRYPTOPERIOD_DAYS } from '../key-rules.ts';
import type { InventoryItem, PolicySnapshot } from '../input.ts';
import { cis, pci, nist57 } from '../refs.ts';

/** The longest rotation period policy allows for an external item: the most specific matching rule, else NIST's 2 years. */
function allowedPeriod(item: InventoryItem, policy: PolicySnapshot | null | undefined): number {
  const rules = (policy?.cryptoperiods ?? []).filter((r) => (r.tier === null || r.tier === item.tier) && (r.environment === null || r.environment === item.environment));
  return rules.length > 0 ? Math.min(...rules.map((r) => r.days)) : NIST_CRYPTOPERIOD_DAYS.other;
}

/** ROT-03: external keys (AWS, GCP, Azure, Vault) with automatic rotation off, or a period beyond policy. */
export const rot03ExternalRotationDisabled = defineCheck({
  info: {
    id: 'ROT-03',
    title: 'External key rotation disabled or too slow',
    detects: 'A key reported by a connector whose automatic rotation is disabled, or whose rotation period is longer than the policy (or NIST) cryptoperiod. Items the source cannot rotate are skipped.',
    severity: 'medium',
    remediation: 'Enable automatic rotation at the source (e.g. `aws kms enable-key-rotation`) with a period within the cryptoperiod.',
    refs: [cis('GCP 1.10'), cis('Azure 9.3'), cis('AWS Foundations 3.6'), pci('3.7.4'), nist57('§5.3')],
    effort: 'low',
  },
  needs: ['inventory'],
  uses: ['policy'],
  run(input) {
    const items = input.inventory.filter((i) => i.status !== 'gone' && i.state === 'enabled' && i.rotationEnabled !== null);
    const findings: FindingDraft[] = [];
    for (const item of items) {
      const subject = { kind: 'inventory-item' as const, id: item.id, label: `${item.source}:${item.name}` };
      const allowed = allowedPeriod(item, input.policy);
      if (item.rotationEnabled === false) findings.push({ subject, message: `${item.source} key "${item.name}" has automatic rotation disabled` });
      else if (item.rotationPeriodDays !== null && item.rotationPeriodDays > allowed) {
        findings.push({ subject, message: `${item.source} key "${item.name}" rotates every ${item.rotationPeriodDays} days; at most ${allowed} allowed` });
      }
    }
    return assessed(items.length, findings);
  },
});
