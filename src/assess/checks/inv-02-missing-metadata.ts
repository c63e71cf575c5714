import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import type { MetadataField } from '../input.ts';
import { pci, iso, soc2 } from '../refs.ts';

/** Metadata every key needs when the policy does not say: who answers for it, what it is for, where it runs. */
export const DEFAULT_REQUIRED_METADATA: readonly MetadataField[] = ['owner', 'purpose', 'environment'];

/** INV-02: inventory records missing owner, purpose, environment (or what the policy requires). */
export const inv02MissingMetadata = defineCheck({
  info: {
    id: 'INV-02',
    title: 'Key records missing required metadata',
    detects: 'A key that is not destroyed but lacks an owner, a purpose or an environment (or other metadata the policy requires), so nobody can answer for it or judge its use.',
    severity: 'medium',
    remediation: 'Fill in the missing fields (`keyward key update <key> --owner … --purpose … --environment …`); make them mandatory at creation in the policy.',
    refs: [pci('3.6.1.1'), iso('A.5.9'), iso('A.8.24'), soc2('CC6.1')],
    effort: 'low',
  },
  needs: ['keys'],
  uses: ['policy', 'inventory'],
  run(input) {
    const required = input.policy?.requiredMetadata ?? DEFAULT_REQUIRED_METADATA;
    const findings: FindingDraft[] = [];
    const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
    for (const { key } of keys) {
      const missing = required.filter((field) => key[field] === null || key[field] === '');
      if (missing.length > 0) findings.push({ subject: keyRef(key), message: `key "${key.name}" has no ${missing.join(', ')}` });
    }
    const items = (input.inventory ?? []).filter((i) => i.status === 'registered' && i.state !== 'destroyed');
    for (const item of items) {
      const missing = (['owner', 'environment'] as const).filter((f) => item[f] === null);
      if (missing.length > 0) {
        findings.push({ subject: { kind: 'inventory-item', id: item.id, label: `${item.source}:${item.name}` }, message: `inventory item "${item.name}" (${item.source}) has no ${missing.join(', ')}` });
      }
    }
    return assessed(keys.length + items.length, findings);
  },
});
