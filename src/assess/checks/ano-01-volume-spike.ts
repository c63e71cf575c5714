import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { keysById } from '../lookups.ts';
import { soc2, iso, practice } from '../refs.ts';
import { addDays, utcDay } from '../time.ts';

/** ANO-01: a principal's daily operations on a key far above its own baseline. */
export const ano01VolumeSpike = defineCheck({
  info: {
    id: 'ANO-01',
    title: 'Operation volume spike',
    detects: 'A day in the last N days (default 7) on which one principal ran more than F times (default 5) its daily mean of the preceding baseline days (default 14) on a key, and at least M operations (default 100). Keys without a full baseline are skipped.',
    severity: 'medium',
    remediation: 'Ask the principal\'s owner whether the volume is expected (a batch job, a migration); if not, suspend the token and investigate as possible exfiltration.',
    refs: [practice('anomaly detection'), soc2('CC7.2'), iso('A.8.16')],
    effort: 'low',
  },
  needs: ['usage'],
  uses: ['keys'],
  run(input) {
    const t = input.thresholds;
    const keys = keysById(input.keys ?? []);
    const windowStart = utcDay(addDays(input.now, -(t.anomalyWindowDays - 1)));
    const findings: FindingDraft[] = [];
    let examined = 0;
    for (const u of input.usage.keys) {
      if (u.firstUsedAt === null || utcDay(u.firstUsedAt) > utcDay(addDays(`${windowStart}T00:00:00.000Z`, -t.anomalyBaselineDays))) continue;
      examined++;
      const byActor = new Map<string, Map<string, { ops: number; lastSeq: number }>>();
      for (const d of u.daily) {
        const days = byActor.get(d.actor) ?? new Map<string, { ops: number; lastSeq: number }>();
        days.set(d.day, { ops: d.protect + d.process, lastSeq: d.lastSeq });
        byActor.set(d.actor, days);
      }
      for (const [actor, days] of [...byActor].sort(([a], [b]) => a.localeCompare(b))) {
        let worst: { day: string; ops: number; mean: number; lastSeq: number } | null = null;
        for (const [day, { ops, lastSeq }] of days) {
          if (day < windowStart || ops < t.anomalyMinOperations) continue;
          let sum = 0;
          for (let i = 1; i <= t.anomalyBaselineDays; i++) sum += days.get(utcDay(addDays(`${day}T00:00:00.000Z`, -i)))?.ops ?? 0;
          const mean = sum / t.anomalyBaselineDays;
          if (ops > t.anomalyFactor * Math.max(mean, 1) && (!worst || ops / Math.max(mean, 1) > worst.ops / Math.max(worst.mean, 1))) worst = { day, ops, mean, lastSeq };
        }
        if (!worst) continue;
        const key = keys.get(u.keyId)?.key;
        findings.push({
          subject: key ? keyRef(key) : { kind: 'key', id: u.keyId },
          discriminator: actor,
          message: `${actor} ran ${worst.ops} operations on key "${key?.name ?? u.keyId}" on ${worst.day}, against a daily mean of ${worst.mean.toFixed(1)} over the ${t.anomalyBaselineDays} days before`,
          evidence: [seqRef(worst.lastSeq, `last operation on ${worst.day}`)],
        });
      }
    }
    return assessed(examined, findings);
  },
});
