import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import type { InventoryItem } from '../input.ts';
import { pci, iso, soc2 } from '../refs.ts';

/** STO-04: the same key material (by fingerprint) in production and elsewhere. */
export const sto04SameKeyAcrossEnvironments = defineCheck({
  info: {
    id: 'STO-04',
    title: 'Same key in production and non-production',
    detects: 'Two or more inventory items with the same key fingerprint where one is in production and another in a non-production environment: test systems hold a production key.',
    severity: 'high',
    remediation: 'Replace the production key with one that exists only in production, and re-key its data.',
    refs: [pci('3.6.1.1'), pci('6.5.5'), iso('A.8.31'), soc2('CC6.1')],
    effort: 'high',
  },
  needs: ['inventory'],
  run(input) {
    const groups = new Map<string, InventoryItem[]>();
    const items = input.inventory.filter((i) => i.fingerprint !== null && i.status !== 'gone' && i.state !== 'destroyed');
    for (const item of items) groups.set(item.fingerprint as string, [...(groups.get(item.fingerprint as string) ?? []), item]);
    const findings: FindingDraft[] = [];
    for (const [fp, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const envs = new Set(group.map((i) => i.environment).filter((e) => e !== null));
      if (!envs.has('prod') || envs.size < 2) continue;
      findings.push({
        subject: { kind: 'inventory-item', id: `fingerprint:${fp}`, label: `key ${fp.slice(0, 16)}` },
        message: `the same key (fingerprint ${fp.slice(0, 16)}…) is in ${[...envs].sort().join(', ')}: ${group.map((i) => `${i.source}:${i.name}`).join(', ')}`,
        evidence: group.map((i) => ({ kind: 'inventory-item' as const, id: i.id, label: `${i.source}:${i.name} (${i.environment ?? 'no environment'})` })),
      });
    }
    return assessed(groups.size, findings);
  },
});
