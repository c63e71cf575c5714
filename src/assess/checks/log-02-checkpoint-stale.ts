import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { pci, soc2, iso, hipaa, practice } from '../refs.ts';
import { hoursBetween } from '../time.ts';

/** LOG-02: no recent signed checkpoint, or checkpoints kept only inside the database they protect. */
export const log02CheckpointStale = defineCheck({
  info: {
    id: 'LOG-02',
    title: 'No recent audit checkpoint, or none kept apart',
    detects: 'The newest signed checkpoint that matches the log is older than N hours (default 24), or none exists; or checkpoints are not also written outside the database, so a restored or rewritten database could go unnoticed.',
    severity: 'medium',
    remediation: 'Keep the periodic checkpoint job running on the scheduler leader, and keep the checkpoint file on another volume (or export it off the host).',
    refs: [practice('logs stored apart from the system they record'), pci('10.3.3'), soc2('CC7.2'), iso('A.8.15'), hipaa('§164.312(b)')],
    effort: 'low',
  },
  needs: ['auditIntegrity'],
  run(input) {
    const a = input.auditIntegrity;
    const subject = { kind: 'system' as const, id: 'audit-log', label: 'audit log' };
    const findings: FindingDraft[] = [];
    if (a.lastAnchoredAt === null) {
      if (a.entries > 0) findings.push({ subject, discriminator: 'checkpoint', message: `no signed checkpoint anchors the log (${a.unanchoredEntries} entries rest on the database alone)` });
    } else {
      const age = hoursBetween(a.lastAnchoredAt, input.now);
      if (age > input.thresholds.checkpointHours) {
        findings.push({ subject, discriminator: 'checkpoint', message: `the newest checkpoint is ${Math.floor(age)} hours old (at most ${input.thresholds.checkpointHours}); ${a.unanchoredEntries} entries after it are unanchored` });
      }
    }
    if (!a.externalCopy.configured) findings.push({ subject, discriminator: 'external', message: 'checkpoints are kept only in the database: no checkpoint file outside it' });
    return assessed(1, findings);
  },
});
