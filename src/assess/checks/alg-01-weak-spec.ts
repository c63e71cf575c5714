import { SPEC_INFO } from '../../crypto/key-specs.ts';
import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import type { InventoryItem } from '../input.ts';
import { nist131a, nist57, pci, iso, hipaa } from '../refs.ts';

/** NIST SP 800-131A Rev. 2: RSA below 2048 bits is disallowed. */
export const NIST_MIN_RSA_BITS = 2048;
/** Algorithms NIST SP 800-131A disallows (or never approved) for new protection. */
const WEAK_ALGORITHM = /(^|[^a-z0-9])(3?des|tdea|tdes|rc2|rc4|md5|sha-?1|dsa_?1024|hmac_?sha-?1)($|[^a-z0-9])/i;

function inventoryWeakness(item: InventoryItem, minRsaBits: number): string | null {
  const alg = item.algorithm ?? '';
  if (WEAK_ALGORITHM.test(alg)) return `${alg} is disallowed by NIST SP 800-131A`;
  if (item.bits === null) return null;
  if (/rsa/i.test(alg) && item.bits < minRsaBits) return `RSA ${item.bits} bits is below ${minRsaBits}`;
  if (/ec|ecdsa|p-?\d+|secp/i.test(alg) && item.bits < 224) return `${alg} (${item.bits} bits) is below 224-bit curves`;
  if (item.type === 'symmetric' && item.bits < 128) return `${alg || 'symmetric key'} of ${item.bits} bits is below 128`;
  return null;
}

/** ALG-01: key specs weaker than NIST SP 800-131A or the policy allow. */
export const alg01WeakSpec = defineCheck({
  info: {
    id: 'ALG-01',
    title: 'Weak algorithm or key size',
    detects: 'A key whose algorithm or size is disallowed: RSA below 2048 bits (or the policy minimum), 3DES, RC4, SHA-1 or MD5 based keys, curves below 224 bits, symmetric keys below 128 bits, or a spec outside the policy\'s allowed list.',
    severity: 'high',
    remediation: 'Create a replacement key with an allowed spec (e.g. AES_256_GCM, RSA_3072, ECC_NIST_P256), move data and clients to it, then retire the weak key.',
    refs: [nist131a('§2–§3'), nist57('§5.6 Table 2'), pci('3.7.1'), pci('12.3.3'), iso('A.8.24'), hipaa('§164.312(e)(2)(ii)')],
    effort: 'high',
  },
  needs: ['keys'],
  uses: ['policy', 'inventory'],
  run(input) {
    const minRsa = input.policy?.minRsaBits ?? NIST_MIN_RSA_BITS;
    const allowed = input.policy?.allowedSpecs ?? null;
    const findings: FindingDraft[] = [];
    const keys = input.keys.filter((k) => k.key.state !== 'destroyed');
    for (const { key } of keys) {
      const info = SPEC_INFO[key.spec];
      if (info.family === 'rsa' && info.bits < minRsa) findings.push({ subject: keyRef(key), message: `key "${key.name}" is ${key.spec}, below the ${minRsa}-bit RSA minimum` });
      else if (allowed !== null && !allowed.includes(key.spec)) findings.push({ subject: keyRef(key), message: `key "${key.name}" is ${key.spec}, which the policy does not allow` });
    }
    const items = (input.inventory ?? []).filter((i) => i.status !== 'gone' && i.state !== 'destroyed');
    for (const item of items) {
      const weakness = inventoryWeakness(item, minRsa);
      if (weakness) findings.push({ subject: { kind: 'inventory-item', id: item.id, label: `${item.source}:${item.name}` }, message: `${item.source} key "${item.name}": ${weakness}` });
    }
    return assessed(keys.length + items.length, findings);
  },
});
