import { iso, pci, soc2 } from '../refs.ts';
import { scannerCheck } from './sto-scan-check.ts';

/** STO-03: hard-coded signing secrets and other high-entropy secrets in configuration. */
export const sto03HardcodedSecret = scannerCheck(
  {
    id: 'STO-03',
    title: 'Hard-coded secret in configuration',
    detects: 'A JWT/HMAC signing secret or another high-entropy secret hard-coded in configuration or source, found by the secret scanner.',
    severity: 'high',
    remediation: 'Move the secret into Keyward (an HMAC key used through the API, or a secret fetched at start-up) and rotate it.',
    refs: [iso('A.8.24'), pci('3.7.1'), pci('8.6.2'), soc2('CC6.1')],
    effort: 'medium',
  },
  'hard-coded secret',
);
