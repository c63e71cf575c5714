import { pci, soc2, iso, practice } from '../refs.ts';
import { scannerCheck } from './sto-scan-check.ts';

/** STO-01: private keys in files or git history. */
export const sto01PrivateKeyInFiles = scannerCheck(
  {
    id: 'STO-01',
    title: 'Private key in files or history',
    detects: 'A private key (PEM, OpenSSH, PKCS#12) found by the secret scanner in a file or in git history: it exists outside any key store, in clear.',
    severity: 'critical',
    remediation: 'Treat the key as compromised: replace it, move the new one into Keyward (or an HSM), and purge it from history.',
    refs: [pci('3.6.1.2'), soc2('CC6.1'), iso('A.8.24'), practice('gitleaks private-key')],
    effort: 'high',
  },
  'private key',
);
