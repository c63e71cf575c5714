import { assessed, defineCheck } from '../check.ts';
import { soc2, iso, practice } from '../refs.ts';

/** GOV-02: accepted or suppressed findings that nobody answers for. */
export const gov02SuppressionUnaccountable = defineCheck({
  info: {
    id: 'GOV-02',
    title: 'Suppressed finding without owner, reason or expiry',
    detects: 'A finding accepted as a risk or suppressed without an owner, a reason, or an expiry date: accepted risks must be owned and revisited.',
    severity: 'medium',
    remediation: 'Give every suppression an owner, a written reason and an expiry no more than a year away; let expired ones lapse.',
    refs: [practice('risk acceptance with owner and expiry'), soc2('CC3.2'), iso('A.5.1')],
    effort: 'low',
  },
  needs: ['suppressions'],
  run(input) {
    const findings = input.suppressions
      .map((s) => ({ s, missing: [s.owner === null ? 'owner' : null, s.reason === null || s.reason.trim() === '' ? 'reason' : null, s.expiresAt === null ? 'expiry' : null].filter((x) => x !== null) }))
      .filter(({ missing }) => missing.length > 0)
      .map(({ s, missing }) => ({
        subject: { kind: 'system' as const, id: `suppression:${s.fingerprint}`, label: `suppression of ${s.fingerprint}` },
        message: `the suppression of ${s.fingerprint} (since ${s.createdAt.slice(0, 10)}) has no ${missing.join(', ')}`,
      }));
    return assessed(input.suppressions.length, findings);
  },
});
