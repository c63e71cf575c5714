import { assessed, defineCheck } from '../check.ts';
import { pci, soc2, iso } from '../refs.ts';

/** INV-01: keys that connectors discovered but nobody took into the inventory. */
export const inv01UnmanagedKeys = defineCheck({
  info: {
    id: 'INV-01',
    title: 'Unmanaged keys discovered',
    detects: 'A key or secret reported by a connector (cloud KMS, Vault, CSV import) that has no inventory record: nobody owns it, classifies it or rotates it.',
    severity: 'high',
    remediation: 'Register each discovered key in the inventory with an owner, purpose, environment and tier, or retire it at its source.',
    refs: [pci('3.6.1.1'), soc2('CC6.1'), iso('A.5.9')],
    effort: 'medium',
  },
  needs: ['inventory'],
  run(input) {
    const present = input.inventory.filter((i) => i.status !== 'gone');
    const findings = present
      .filter((i) => i.status === 'discovered')
      .map((i) => ({
        subject: { kind: 'inventory-item' as const, id: i.id, label: `${i.source}:${i.name}` },
        message: `${i.type} key "${i.name}" (${i.source}, ${i.externalId}) was discovered but has no inventory record`,
      }));
    return assessed(present.length, findings);
  },
});
