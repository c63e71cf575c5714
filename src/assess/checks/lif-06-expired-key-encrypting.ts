import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { cryptoperiod } from '../key-rules.ts';
import { usageByKey } from '../lookups.ts';
import { pci, nist57, hipaa } from '../refs.ts';
import { addDays } from '../time.ts';

/** LIF-06: a version past its cryptoperiod still used to protect new data. */
export const lif06ExpiredKeyEncrypting = defineCheck({
  info: {
    id: 'LIF-06',
    title: 'Key past its cryptoperiod still encrypting',
    detects: 'A key version that protected new data (encrypt, data key, sign, MAC) after its cryptoperiod (policy, else NIST SP 800-57 Table 1) had ended.',
    severity: 'high',
    remediation: 'Rotate the key so new data goes under a fresh version, and re-encrypt what was written after the cryptoperiod.',
    refs: [pci('3.7.5'), pci('3.7.4'), nist57('§5.3.4 originator-usage period'), hipaa('§164.312(a)(2)(iv)')],
    effort: 'low',
  },
  needs: ['keys', 'usage'],
  uses: ['policy'],
  run(input) {
    const usage = usageByKey(input.usage);
    const findings: FindingDraft[] = [];
    for (const k of input.keys) {
      const period = cryptoperiod(k.key, input.policy);
      for (const v of usage.get(k.key.id)?.versions ?? []) {
        const created = k.versions.find((x) => x.version === v.version)?.createdAt;
        if (!created || v.lastProtectAt === null) continue;
        const end = addDays(created, period.days);
        if (v.lastProtectAt > end) {
          findings.push({
            subject: keyRef(k.key),
            discriminator: String(v.version),
            message: `key "${k.key.name}" version ${v.version} protected data on ${v.lastProtectAt.slice(0, 10)}, after its cryptoperiod ended on ${end.slice(0, 10)} (${period.source})`,
            evidence: v.lastProtectSeq !== null ? [seqRef(v.lastProtectSeq, 'last protecting use')] : [],
          });
        }
      }
    }
    return assessed(input.keys.length, findings);
  },
});

