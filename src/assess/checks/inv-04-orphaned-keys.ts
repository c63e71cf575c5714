import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import { usageByKey } from '../lookups.ts';
import { practice, iso, nist57 } from '../refs.ts';
import { addDays, dayCount, daysBetween } from '../time.ts';

/** INV-04: enabled keys nobody uses, or that never protected any data. */
export const inv04OrphanedKeys = defineCheck({
  info: {
    id: 'INV-04',
    title: 'Orphaned keys',
    detects: 'An active key older than N days (default 90) that has not been used in N days, or that never protected any data (no data envelope, signature or MAC was ever made under it).',
    severity: 'low',
    remediation: 'Confirm with the owner whether the key is still needed; deactivate and schedule destruction of keys that are not, so they stop widening the attack surface.',
    refs: [practice('Prowler kms_cmk_are_used'), nist57('§8.3 post-operational phase'), iso('A.8.24')],
    effort: 'low',
  },
  needs: ['keys', 'usage'],
  run(input) {
    const days = input.thresholds.orphanDays;
    const cutoff = addDays(input.now, -days);
    const usage = usageByKey(input.usage);
    const candidates = input.keys.filter((k) => k.key.state === 'active' && k.key.createdAt < cutoff);
    const findings: FindingDraft[] = [];
    for (const { key } of candidates) {
      const u = usage.get(key.id);
      const severity = key.tier === 1 ? ('medium' as const) : undefined;
      const base = { subject: keyRef(key), ...(severity ? { severity } : {}) };
      if (!u || u.lastUsedAt === null) {
        findings.push({ ...base, message: `key "${key.name}" was created ${dayCount(daysBetween(key.createdAt, input.now))} ago and has never been used` });
      } else if (u.lastUsedAt < cutoff) {
        findings.push({ ...base, message: `key "${key.name}" was last used ${dayCount(daysBetween(u.lastUsedAt, input.now))} ago`, evidence: u.lastUsedSeq !== null ? [seqRef(u.lastUsedSeq, 'last use')] : [] });
      } else if (u.lastProtectAt === null) {
        findings.push({ ...base, message: `key "${key.name}" is used but has never protected data (no encryption, data key, signature or MAC under it)` });
      }
    }
    return assessed(candidates.length, findings);
  },
});
