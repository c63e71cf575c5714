import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import { iso, hipaa, pci } from '../refs.ts';

/** INV-05: keys with no data classification (tier). */
export const inv05NoClassification = defineCheck({
  info: {
    id: 'INV-05',
    title: 'Keys without data classification',
    detects: 'A key (or inventory item) with no tier: the sensitivity of the data it protects is unknown, so cryptoperiods, custodians and approvals cannot be set by risk.',
    severity: 'medium',
    remediation: 'Give every key a tier (1: regulated or critical data … 3: low sensitivity) from the data classification of what it protects.',
    refs: [iso('A.5.12'), iso('A.8.24'), pci('3.6.1.1'), hipaa('§164.312(a)(2)(iv)')],
    effort: 'low',
  },
  needs: ['keys'],
  uses: ['inventory'],
  run(input) {
    const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
    const items = (input.inventory ?? []).filter((i) => i.status === 'registered' && i.state !== 'destroyed');
    const findings: FindingDraft[] = [
      ...keys.filter((k) => k.key.tier === null).map((k) => ({ subject: keyRef(k.key), message: `key "${k.key.name}" has no tier (data classification)` })),
      ...items.filter((i) => i.tier === null).map((i) => ({ subject: { kind: 'inventory-item' as const, id: i.id, label: `${i.source}:${i.name}` }, message: `inventory item "${i.name}" (${i.source}) has no tier` })),
    ];
    return assessed(keys.length + items.length, findings);
  },
});
