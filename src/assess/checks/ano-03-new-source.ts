import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { keysById } from '../lookups.ts';
import { soc2, iso, practice } from '../refs.ts';
import { addDays } from '../time.ts';

/** ANO-03: an established key used from a source address it had not been used from before. */
export const ano03NewSource = defineCheck({
  info: {
    id: 'ANO-03',
    title: 'Key used from a new source',
    detects: 'A key in use for longer than the anomaly window (default 7 days) that was used from a source address first seen within that window.',
    severity: 'low',
    remediation: 'Confirm the new source belongs to a known client (a new host, a moved service); if not, revoke the token used and investigate.',
    refs: [practice('unexpected-source alerting'), soc2('CC7.2'), iso('A.8.16')],
    effort: 'low',
  },
  needs: ['usage'],
  uses: ['keys'],
  run(input) {
    const keys = keysById(input.keys ?? []);
    const windowStart = addDays(input.now, -input.thresholds.anomalyWindowDays);
    const findings: FindingDraft[] = [];
    let examined = 0;
    for (const u of input.usage.keys) {
      if (u.firstUsedAt === null || u.firstUsedAt >= windowStart) continue;
      examined++;
      const key = keys.get(u.keyId)?.key;
      for (const s of u.sources.filter((x) => x.firstSeenAt >= windowStart)) {
        findings.push({
          subject: key ? keyRef(key) : { kind: 'key', id: u.keyId },
          discriminator: s.source,
          message: `key "${key?.name ?? u.keyId}" was first used from ${s.source} on ${s.firstSeenAt.slice(0, 10)} (${s.uses} use(s) since)`,
          evidence: [seqRef(s.firstSeq, 'first use from this source')],
        });
      }
    }
    return assessed(examined, findings);
  },
});
