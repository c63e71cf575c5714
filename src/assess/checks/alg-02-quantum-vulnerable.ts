import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import { isLive, isQuantumVulnerable } from '../key-rules.ts';
import { nist57, pci, iso } from '../refs.ts';

/** ALG-02: the inventory of keys a quantum computer could break (RSA, ECC): planning data for migration, not a defect. */
export const alg02QuantumVulnerable = defineCheck({
  info: {
    id: 'ALG-02',
    title: 'Quantum-vulnerable keys',
    detects: 'Live RSA, elliptic-curve and Ed25519 keys (and such inventory items): the keys to migrate to post-quantum algorithms (ML-KEM, ML-DSA) first, by how long their data must stay confidential or their signatures valid.',
    severity: 'info',
    remediation: 'Keep this list in the cryptographic inventory; plan migration for keys protecting long-lived data first.',
    refs: [nist57('Rev. 6 draft: post-quantum transition'), pci('12.3.3'), iso('A.8.24')],
    effort: 'high',
  },
  needs: ['keys'],
  uses: ['inventory'],
  run(input) {
    const keys = input.keys.filter((k) => isLive(k.key));
    const findings: FindingDraft[] = keys.filter((k) => isQuantumVulnerable(k.key)).map((k) => ({ subject: keyRef(k.key), message: `key "${k.key.name}" is ${k.key.spec}` }));
    const items = (input.inventory ?? []).filter((i) => i.status !== 'gone' && i.state === 'enabled' && i.type === 'asymmetric');
    for (const item of items.filter((i) => /rsa|ec|p-?\d+|secp|ed25519|dsa/i.test(i.algorithm ?? ''))) {
      findings.push({ subject: { kind: 'inventory-item', id: item.id, label: `${item.source}:${item.name}` }, message: `${item.source} key "${item.name}" is ${item.algorithm ?? 'asymmetric'}` });
    }
    return assessed(keys.length + items.length, findings);
  },
});
