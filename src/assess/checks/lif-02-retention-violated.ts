import { assessed, defineCheck, notAssessed, seqRef, type FindingDraft } from '../check.ts';
import { iso, practice, nist57, hipaa } from '../refs.ts';
import { addDays, dayCount, daysBetween } from '../time.ts';

/** LIF-02: destroyed before the retention period ended, or still pending deletion long after it did. */
export const lif02RetentionViolated = defineCheck({
  info: {
    id: 'LIF-02',
    title: 'Destruction out of step with retention',
    detects: 'A key destroyed before the end of the retention period of the data under it (that data is lost), or a deletion still pending more than N days (default 7) after its retention ended.',
    severity: 'high',
    remediation: 'Tie key destruction to the data-retention schedule: never destroy before retention ends; complete or cancel pending deletions once it has.',
    refs: [iso('A.8.24'), iso('A.8.10'), nist57('§8.3 post-operational phase'), hipaa('§164.316(b)(2)(i)'), practice('retention-aware destruction')],
    effort: 'medium',
  },
  needs: ['deletions'],
  run(input) {
    const known = input.deletions.filter((d) => d.retentionEndsAt !== null);
    if (input.deletions.length > 0 && known.length === 0) return notAssessed('no deletion record carries a retention end (no retention rule in the policy)');
    const findings: FindingDraft[] = [];
    for (const d of known) {
      const end = d.retentionEndsAt as string;
      const subject = { kind: 'key' as const, id: d.keyId, label: d.keyName };
      const evidence = d.evidenceSeqs.map((s) => seqRef(s));
      if (d.status === 'destroyed' && d.destroyedAt !== null && d.destroyedAt < end) {
        findings.push({ subject, evidence, message: `key "${d.keyName}" was destroyed ${dayCount(daysBetween(d.destroyedAt, end))} before its retention ended (${end.slice(0, 10)})` });
      } else if (d.status === 'scheduled' && input.now > addDays(end, input.thresholds.deletionGraceDays)) {
        findings.push({ subject, evidence, message: `deletion of key "${d.keyName}" is still pending ${dayCount(daysBetween(end, input.now))} after its retention ended` });
      }
    }
    return assessed(known.length, findings);
  },
});
