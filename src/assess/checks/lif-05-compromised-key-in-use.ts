import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { usageByKey } from '../lookups.ts';
import { nist57, pci, soc2, iso } from '../refs.ts';
import { addHours } from '../time.ts';

/** LIF-05: a compromised key still used N hours after it was marked. */
export const lif05CompromisedKeyInUse = defineCheck({
  info: {
    id: 'LIF-05',
    title: 'Compromised key still in use',
    detects: 'A key marked compromised that was still used more than N hours (default 24) after it was marked: data is still being read (or written) under a key an attacker may hold.',
    severity: 'critical',
    remediation: 'Re-encrypt the remaining data under a new key, find and update the clients still using the compromised one, then destroy it.',
    refs: [nist57('§5.5 compromise of keys'), pci('3.7.5'), soc2('CC7.4'), iso('A.5.26')],
    effort: 'high',
  },
  needs: ['keys', 'usage'],
  run(input) {
    const usage = usageByKey(input.usage);
    const compromised = input.keys.filter((k) => k.key.state === 'compromised' && k.key.compromisedAt !== null);
    const findings: FindingDraft[] = [];
    for (const { key } of compromised) {
      const cutoff = addHours(key.compromisedAt as string, input.thresholds.compromisedGraceHours);
      const u = usage.get(key.id);
      if (!u || u.lastUsedAt === null || u.lastUsedAt <= cutoff) continue;
      const late = u.inactiveStateUses.filter((s) => s.state === 'compromised' && s.time > cutoff);
      const evidence = late.length > 0 ? late.slice(-10).map((s) => seqRef(s.seq, s.action)) : u.lastUsedSeq !== null ? [seqRef(u.lastUsedSeq, 'last use')] : [];
      findings.push({
        subject: keyRef(key),
        message: `key "${key.name}" was marked compromised at ${key.compromisedAt as string} and last used at ${u.lastUsedAt}${late.length > 0 ? ` (${late.length} late use(s) in the newest entries)` : ''}`,
        evidence,
      });
    }
    return assessed(compromised.length, findings);
  },
});
