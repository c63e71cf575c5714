import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import type { EvidenceRef } from '../model.ts';
import { ownerLookup } from '../lookups.ts';
import { pci, soc2, iso } from '../refs.ts';

/** INV-03: the owner a key names is unknown to the directory, has left, or is suspended. */
export const inv03OwnerNotInDirectory = defineCheck({
  info: {
    id: 'INV-03',
    title: 'Key owner unknown, departed or suspended',
    detects: 'A key whose owner is neither a person nor a team in the directory, or a person who has left or is suspended: the key has no accountable owner.',
    severity: 'high',
    remediation: 'Hand each key to an active owner (a person or a team in the directory); make ownership transfer part of the leaver process.',
    refs: [soc2('CC6.1'), pci('3.7.8'), iso('A.5.9'), iso('A.6.5')],
    effort: 'low',
  },
  needs: ['keys', 'directory'],
  uses: ['inventory'],
  run(input) {
    const lookup = ownerLookup(input.directory);
    const subjects: { ref: EvidenceRef; what: string; owner: string }[] = [];
    for (const { key } of input.keys) {
      if (key.state !== 'destroyed' && key.owner !== null) subjects.push({ ref: keyRef(key), what: `key "${key.name}"`, owner: key.owner });
    }
    for (const item of input.inventory ?? []) {
      if (item.status === 'registered' && item.state !== 'destroyed' && item.owner !== null) {
        subjects.push({ ref: { kind: 'inventory-item', id: item.id, label: `${item.source}:${item.name}` }, what: `inventory item "${item.name}"`, owner: item.owner });
      }
    }
    const findings: FindingDraft[] = [];
    for (const s of subjects) {
      const match = lookup(s.owner);
      if (match.kind === 'unknown') findings.push({ subject: s.ref, message: `${s.what} is owned by "${s.owner}", who is not in the directory` });
      else if (match.kind === 'person' && match.person.status !== 'active') {
        const when = match.person.departedAt ? ` on ${match.person.departedAt.slice(0, 10)}` : '';
        findings.push({ subject: s.ref, message: `${s.what} is owned by ${match.person.name}, who is ${match.person.status}${match.person.status === 'departed' ? when : ''}` });
      }
    }
    return assessed(subjects.length, findings);
  },
});
