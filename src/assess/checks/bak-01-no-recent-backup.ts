import { assessed, defineCheck } from '../check.ts';
import { iso, soc2, hipaa, nist57 } from '../refs.ts';
import { dayCount, daysBetween } from '../time.ts';

/** BAK-01: no verified backup within N days. */
export const bak01NoRecentBackup = defineCheck({
  info: {
    id: 'BAK-01',
    title: 'No recent verified backup',
    detects: 'No backup made within N days (default 7) that completed and was verified readable; without one, losing the database loses every key.',
    severity: 'high',
    remediation: 'Schedule backups, verify each one (checksum and a test restore), and keep copies off the host.',
    refs: [iso('A.8.13'), soc2('A1.2'), hipaa('§164.308(a)(7)(ii)(A)'), nist57('§8.2.2.1 key backup')],
    effort: 'medium',
  },
  needs: ['backups'],
  run(input) {
    const subject = { kind: 'system' as const, id: 'backups', label: 'backups' };
    const verified = input.backups.filter((b) => b.ok && b.verifiedAt !== null).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const newest = verified[0];
    if (!newest) return assessed(input.backups.length, [{ subject, message: input.backups.length === 0 ? 'no backup has ever been made' : `none of ${input.backups.length} backup(s) is verified` }]);
    const age = daysBetween(newest.createdAt, input.now);
    if (age <= input.thresholds.backupDays) return assessed(input.backups.length, []);
    return assessed(input.backups.length, [
      { subject, message: `the newest verified backup is ${dayCount(age)} old (at most ${input.thresholds.backupDays} days)`, evidence: [{ kind: 'backup', id: newest.id }] },
    ]);
  },
});
