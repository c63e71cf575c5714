import { soc2, pci, iso } from '../refs.ts';
import { scannerCheck } from './sto-scan-check.ts';

/** STO-02: cloud credentials in files or git history. */
export const sto02CloudCredentialInFiles = scannerCheck(
  {
    id: 'STO-02',
    title: 'Cloud credential in files or history',
    detects: 'A cloud credential (AWS access key, GCP service-account key, Azure connection string) found by the secret scanner in a file or in git history.',
    severity: 'critical',
    remediation: 'Revoke the credential at the provider now, check its use in the provider\'s logs, and load credentials from a secret store or workload identity instead.',
    refs: [soc2('CC6.1'), pci('8.6.2'), iso('A.5.17')],
    effort: 'medium',
  },
  'cloud credential',
);
