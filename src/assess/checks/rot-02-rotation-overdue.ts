import { assessed, defineCheck, keyRef, type FindingDraft } from '../check.ts';
import { currentVersionAgeDays, rotationLimit } from '../key-rules.ts';
import { nist57, pci, hipaa, iso } from '../refs.ts';
import { dayCount } from '../time.ts';

/** ROT-02: the current version is older than the key's schedule or cryptoperiod. */
export const rot02RotationOverdue = defineCheck({
  info: {
    id: 'ROT-02',
    title: 'Rotation overdue',
    detects: 'An active or suspended key whose current version is older than its rotation schedule or its cryptoperiod (policy, else NIST SP 800-57 Table 1: 2 years, 3 for signing keys). A newer version, however made, counts as rotation.',
    severity: 'high',
    remediation: 'Rotate the key now (`keyward key rotate <key>`), then make sure its schedule runs.',
    refs: [nist57('§5.3'), nist57('§5.3.6 Table 1'), pci('3.7.4'), iso('A.8.24'), hipaa('§164.312(a)(2)(iv)')],
    effort: 'low',
  },
  needs: ['keys'],
  uses: ['policy'],
  run(input) {
    const keys = input.keys.filter((k) => k.key.state === 'active' || k.key.state === 'suspended');
    const findings: FindingDraft[] = [];
    for (const k of keys) {
      const limit = rotationLimit(k.key, input.policy);
      const age = currentVersionAgeDays(k, input.now);
      if (age > limit.days) {
        findings.push({
          subject: keyRef(k.key),
          message: `key "${k.key.name}" version ${k.key.currentVersion} is ${dayCount(age)} old; ${limit.source} allows ${dayCount(limit.days)}`,
          evidence: [{ kind: 'key-version', id: `${k.key.id}/${k.key.currentVersion}`, label: `${k.key.name} v${k.key.currentVersion}` }],
        });
      }
    }
    return assessed(keys.length, findings);
  },
});
