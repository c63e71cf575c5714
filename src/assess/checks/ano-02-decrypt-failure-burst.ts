import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { keysById } from '../lookups.ts';
import { soc2, iso, practice, hipaa } from '../refs.ts';
import { addDays, utcHour } from '../time.ts';

/** ANO-02: many failed decryptions of one key within an hour (probing, tampered data, wrong context). */
export const ano02DecryptFailureBurst = defineCheck({
  info: {
    id: 'ANO-02',
    title: 'Burst of decryption failures',
    detects: 'An hour in the last N days (default 7) with at least B (default 20) failed decryptions under one key: tampered or truncated ciphertexts, a wrong encryption context, or someone probing.',
    severity: 'medium',
    remediation: 'Find the caller in the audit entries; fix a misconfigured client, or treat altered ciphertexts as an integrity incident.',
    refs: [practice('decryption-failure alerting'), soc2('CC7.2'), iso('A.8.16'), hipaa('§164.312(c)(1)')],
    effort: 'low',
  },
  needs: ['usage'],
  uses: ['keys'],
  run(input) {
    const t = input.thresholds;
    const keys = keysById(input.keys ?? []);
    const since = utcHour(addDays(input.now, -t.anomalyWindowDays));
    const findings: FindingDraft[] = [];
    for (const u of input.usage.keys) {
      const bursts = u.decryptFailures.filter((h) => h.hour >= since && h.count >= t.decryptFailureBurst);
      if (bursts.length === 0) continue;
      const worst = bursts.reduce((a, b) => (b.count > a.count ? b : a));
      const key = keys.get(u.keyId)?.key;
      findings.push({
        subject: key ? keyRef(key) : { kind: 'key', id: u.keyId },
        message: `${worst.count} failed decryptions under key "${key?.name ?? u.keyId}" in the hour from ${worst.hour}:00 UTC${bursts.length > 1 ? ` (${bursts.length} such hours)` : ''}`,
        evidence: [seqRef(worst.firstSeq, 'first failure of the hour'), seqRef(worst.lastSeq, 'last failure of the hour')],
      });
    }
    return assessed(input.usage.keys.length, findings);
  },
});
