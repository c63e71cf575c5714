import { assessed, defineCheck, seqRef } from '../check.ts';
import { pci, hipaa, soc2, iso, nist57 } from '../refs.ts';

/** LOG-01: the audit log's hash chain or its checkpoints fail verification. */
export const log01ChainBroken = defineCheck({
  info: {
    id: 'LOG-01',
    title: 'Audit chain fails verification',
    detects: 'The hash chain of the audit log, or a signed checkpoint, does not verify: entries were modified, deleted, inserted, reordered, or the log was truncated or rolled back.',
    severity: 'critical',
    remediation: 'Preserve the evidence (copy the database and the checkpoint file), find the first bad entry with `keyward audit verify`, and investigate as a security incident.',
    refs: [pci('10.3.2'), hipaa('§164.312(b)'), hipaa('§164.312(c)(1)'), soc2('CC7.2'), iso('A.8.15'), nist57('§9.2 audit')],
    effort: 'high',
  },
  needs: ['auditIntegrity'],
  run(input) {
    const a = input.auditIntegrity;
    if (a.ok) return assessed(a.entries, []);
    return assessed(a.entries, [
      {
        subject: { kind: 'system', id: 'audit-log', label: 'audit log' },
        message: `the audit log fails verification: ${a.problems} problem(s)${a.firstBad ? `, first at entry ${a.firstBad.seq} (${a.firstBad.reason})` : ''}`,
        evidence: a.firstBad ? [seqRef(a.firstBad.seq, a.firstBad.reason)] : [],
      },
    ]);
  },
});
