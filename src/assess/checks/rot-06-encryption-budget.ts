import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { isLive } from '../key-rules.ts';
import { nist57, practice, pci } from '../refs.ts';

/** ROT-06: AES-GCM versions close to their encryption limit (random nonces: 2^32 per key, NIST SP 800-38D). */
export const rot06EncryptionBudget = defineCheck({
  info: {
    id: 'ROT-06',
    title: 'Key version near its encryption limit',
    detects: 'An AES-GCM key version that has used N% (default 80) of its encryption limit; at the limit encryption stops (`rotation_required`), and past it nonce reuse would break confidentiality.',
    severity: 'high',
    remediation: 'Rotate the key now and set a rotation period short enough for its encryption volume.',
    refs: [practice('NIST SP 800-38D §8.3'), nist57('§5.3.1 cryptoperiod: volume of data protected'), pci('3.7.4')],
    effort: 'low',
  },
  needs: ['keys'],
  run(input) {
    const findings: FindingDraft[] = [];
    let examined = 0;
    for (const k of input.keys.filter((x) => isLive(x.key))) {
      const v = k.versions.find((x) => x.version === k.key.currentVersion);
      if (!v || v.encryptionLimit === null || v.encryptionLimit <= 0) continue;
      examined++;
      const pct = (v.encryptionCount / v.encryptionLimit) * 100;
      if (pct >= input.thresholds.encryptionBudgetPct) {
        findings.push({
          subject: { kind: 'key-version', id: `${k.key.id}/${v.version}`, label: `${k.key.name} v${v.version}` },
          discriminator: String(v.version),
          message: `key "${k.key.name}" version ${v.version} has used ${pct.toFixed(1)}% of its ${v.encryptionLimit} encryptions`,
        });
      }
    }
    return assessed(examined, findings);
  },
});
