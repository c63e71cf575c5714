import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { soc2, iso, hipaa, practice } from '../refs.ts';
import { addHours, dayCount, daysBetween } from '../time.ts';

/** ACC-08: break-glass uses whose review is overdue, or was done by the person who used it. */
export const acc08BreakGlassUnreviewed = defineCheck({
  info: {
    id: 'ACC-08',
    title: 'Break-glass use not reviewed',
    detects: 'An emergency (break-glass) access still awaiting review N hours (default 72) after it was used, or reviewed only by the person who used it.',
    severity: 'high',
    remediation: 'Review each break-glass use with someone other than its user: confirm the emergency, check what was done, rotate what was exposed.',
    refs: [practice('emergency access review'), hipaa('§164.312(a)(2)(ii)'), soc2('CC6.1'), iso('A.8.2')],
    effort: 'low',
  },
  needs: ['breakGlass'],
  run(input) {
    const findings: FindingDraft[] = [];
    for (const b of input.breakGlass) {
      const subject = { kind: 'breakglass' as const, id: b.id, label: `break-glass by ${b.actor}` };
      if (b.reviewStatus === 'pending' && input.now > addHours(b.usedAt, input.thresholds.breakGlassReviewHours)) {
        findings.push({ subject, message: `break-glass use by ${b.actor} on ${b.usedAt.slice(0, 10)} is still unreviewed after ${dayCount(daysBetween(b.usedAt, input.now))}` });
      } else if (b.reviewStatus === 'completed' && b.reviewedBy === b.actor) {
        findings.push({ subject, message: `break-glass use by ${b.actor} on ${b.usedAt.slice(0, 10)} was reviewed only by ${b.actor}` });
      }
    }
    return assessed(input.breakGlass.length, findings);
  },
});
