import { assessed, defineCheck, keyRef, seqRef, type FindingDraft } from '../check.ts';
import type { StateUse } from '../input.ts';
import { keysById } from '../lookups.ts';
import { nist57, pci, hipaa } from '../refs.ts';

/** Whether NIST SP 800-57's state rules (as Keyward applies them) forbid this use. */
function illegal(use: StateUse): boolean {
  if (use.kind === 'protect') return use.state !== 'active';
  return use.state !== 'deactivated' && use.state !== 'compromised';
}

/** LIF-04: the log shows a key used in a state that forbids it (a deactivated key encrypting, a suspended key decrypting). */
export const lif04UseInWrongState = defineCheck({
  info: {
    id: 'LIF-04',
    title: 'Key used in a state that forbids it',
    detects: 'A successful operation in the audit log that the key\'s state at that moment did not allow: protecting (encrypt, sign, MAC) with a key that was not active, or any use of a suspended, pre-activation or destroyed key.',
    severity: 'high',
    remediation: 'Investigate how the operation got through (an external copy of the key, a restored database, a tampered log); re-key the affected data.',
    refs: [nist57('§7 key states and transitions'), pci('3.7.5'), hipaa('§164.312(b)')],
    effort: 'high',
  },
  needs: ['usage'],
  uses: ['keys'],
  run(input) {
    const keys = keysById(input.keys ?? []);
    const findings: FindingDraft[] = [];
    for (const u of input.usage.keys) {
      const bad = u.inactiveStateUses.filter(illegal);
      if (bad.length === 0) continue;
      const key = keys.get(u.keyId)?.key;
      const first = bad[0] as StateUse;
      findings.push({
        subject: key ? keyRef(key) : { kind: 'key', id: u.keyId },
        message: `key "${key?.name ?? u.keyId}" was used ${bad.length} time(s) in a state that forbids it, e.g. ${first.action} while ${first.state} (entry ${first.seq})`,
        evidence: bad.slice(0, 10).map((b) => seqRef(b.seq, `${b.action} while ${b.state}`)),
      });
    }
    return assessed(input.usage.keys.length, findings);
  },
});
