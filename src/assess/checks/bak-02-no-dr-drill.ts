import { assessed, defineCheck } from '../check.ts';
import { iso, soc2, hipaa, practice } from '../refs.ts';
import { dayCount, daysBetween } from '../time.ts';

/** BAK-02: no successful disaster-recovery drill (backup restored and used) within N days. */
export const bak02NoDrDrill = defineCheck({
  info: {
    id: 'BAK-02',
    title: 'No recent disaster-recovery drill',
    detects: 'No successful disaster-recovery drill — a backup restored, unsealed and used to decrypt — within N days (default 90), or none ever: backups that were never restored are not known to work.',
    severity: 'medium',
    remediation: 'Restore a backup into a scratch instance, unseal it with the custodians\' shares and decrypt known data; record the drill and fix what failed.',
    refs: [practice('tested disaster recovery'), iso('A.5.30'), soc2('A1.3'), hipaa('§164.308(a)(7)(ii)(D)')],
    effort: 'medium',
  },
  needs: ['drills'],
  run(input) {
    const subject = { kind: 'system' as const, id: 'dr-drill', label: 'disaster-recovery drills' };
    const passed = input.drills.filter((d) => d.ok).sort((a, b) => b.at.localeCompare(a.at));
    const newest = passed[0];
    if (!newest) return assessed(input.drills.length, [{ subject, message: input.drills.length === 0 ? 'no disaster-recovery drill has ever been run: no backup is known to restore' : `none of ${input.drills.length} drill(s) succeeded` }]);
    const age = daysBetween(newest.at, input.now);
    if (age <= input.thresholds.drillDays) return assessed(input.drills.length, []);
    return assessed(input.drills.length, [{ subject, message: `the last successful drill was ${dayCount(age)} ago (at most ${input.thresholds.drillDays} days)` }]);
  },
});
