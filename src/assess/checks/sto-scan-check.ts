import { assessed, defineCheck, type Check } from '../check.ts';
import type { CheckInfo } from '../model.ts';
import type { ScanFinding } from '../input.ts';

/**
 * STO-01…03 share their shape: the scanner files each of its findings under one of them, and the
 * check turns each into a finding on the file and line (with the match's fingerprint, never the match).
 */
export function scannerCheck(info: CheckInfo & { id: ScanFinding['checkId'] }, what: string): Check {
  return defineCheck({
    info,
    needs: ['scans'],
    run(input) {
      const findings = input.scans.findings
        .filter((f) => f.checkId === info.id)
        .map((f) => ({
          subject: { kind: 'file' as const, id: `${f.file}:${f.line}`, label: `${f.file}:${f.line}` },
          discriminator: f.fingerprint,
          message: `${what} in ${f.file} line ${f.line}${f.commit ? ` (commit ${f.commit.slice(0, 12)})` : ''}, rule ${f.rule}`,
          evidence: [{ kind: 'file' as const, id: f.id, label: `fingerprint ${f.fingerprint.slice(0, 16)}` }],
        }));
      return assessed(input.scans.targets.length, findings);
    },
  });
}
