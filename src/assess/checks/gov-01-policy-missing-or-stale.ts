import { assessed, defineCheck } from '../check.ts';
import { pci, iso, soc2, nist57 } from '../refs.ts';
import { dayCount, daysBetween } from '../time.ts';

/** GOV-01: no key-management policy, or one not reviewed within a year. */
export const gov01PolicyMissingOrStale = defineCheck({
  info: {
    id: 'GOV-01',
    title: 'Key-management policy missing or stale',
    detects: 'The deployment has no key-management policy (cryptoperiods, allowed algorithms, required metadata, retention), or it has not been changed or re-approved in N days (default 365).',
    severity: 'medium',
    remediation: 'Write the policy as code (cryptoperiods by tier and environment, allowed specs, approvals), review it every year, and record the review.',
    refs: [pci('3.6.1.1'), pci('12.1.2'), iso('A.5.1'), iso('A.8.24'), soc2('CC5.3'), nist57('§5.3 cryptoperiods set by policy')],
    effort: 'medium',
  },
  needs: ['policy'],
  run(input) {
    const subject = { kind: 'policy' as const, id: input.policy?.id ?? 'policy', label: 'key-management policy' };
    if (input.policy === null) return assessed(1, [{ subject, message: 'no key-management policy is defined' }]);
    const age = daysBetween(input.policy.updatedAt, input.now);
    if (age <= input.thresholds.policyReviewDays) return assessed(1, []);
    return assessed(1, [{ subject, message: `the key-management policy was last changed or re-approved ${dayCount(age)} ago` }]);
  },
});
