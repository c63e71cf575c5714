import { assessed, defineCheck } from '../check.ts';
import { soc2, pci, iso, hipaa } from '../refs.ts';
import { dayCount, daysBetween } from '../time.ts';

/** ACC-05: access to keys has not been reviewed within N days. */
export const acc05AccessReviewOverdue = defineCheck({
  info: {
    id: 'ACC-05',
    title: 'Access review overdue',
    detects: 'No access review of key permissions has been completed within N days (default 90), or none ever was.',
    severity: 'high',
    remediation: 'Run an access review: owners confirm or revoke every binding and token on their keys; schedule it every quarter.',
    refs: [soc2('CC6.2'), soc2('CC6.3'), pci('7.2.4'), iso('A.5.18'), hipaa('§164.308(a)(4)(ii)(C)')],
    effort: 'medium',
  },
  needs: ['accessReview'],
  run(input) {
    const last = input.accessReview.lastCompletedAt;
    const subject = { kind: 'system' as const, id: 'access-review', label: 'access review' };
    if (last === null) return assessed(1, [{ subject, message: 'no access review has ever been completed' }]);
    const age = daysBetween(last, input.now);
    if (age <= input.thresholds.accessReviewDays) return assessed(1, []);
    return assessed(1, [{ subject, message: `the last access review was completed ${dayCount(age)} ago (at most ${input.thresholds.accessReviewDays} allowed)` }]);
  },
});
