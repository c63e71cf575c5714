import { assessed, defineCheck, keyRef } from '../check.ts';
import { isLive, rotatesAutomatically } from '../key-rules.ts';
import { pci, cis, nist57, iso } from '../refs.ts';

/** ROT-01: keys that could rotate on a schedule but have none. */
export const rot01NoRotationSchedule = defineCheck({
  info: {
    id: 'ROT-01',
    title: 'No rotation schedule',
    detects: 'A live key with generated material (which Keyward can rotate on its own) that has no rotation period set. Imported keys are left to ROT-02, which accepts manual rotation.',
    severity: 'high',
    remediation: 'Set a rotation period no longer than the cryptoperiod (`keyward key update <key> --rotation-period 365d`).',
    refs: [pci('3.7.4'), cis('AWS Foundations 3.6'), nist57('§5.3'), iso('A.8.24')],
    effort: 'low',
  },
  needs: ['keys'],
  run(input) {
    const keys = input.keys.filter((k) => isLive(k.key) && rotatesAutomatically(k.key));
    const findings = keys
      .filter((k) => k.key.rotationPeriodDays === null)
      .map((k) => ({ subject: keyRef(k.key), message: `key "${k.key.name}" (${k.key.spec}) has no rotation period` }));
    return assessed(keys.length, findings);
  },
});
