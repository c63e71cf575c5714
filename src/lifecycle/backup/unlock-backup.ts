import { createPrivateKey, createPublicKey } from 'node:crypto';
import { KeywardError } from '../../core/errors.ts';
import { Seal } from '../../seal/seal.ts';
import type { SealRecord } from '../../storage/records.ts';

/** The two secrets a backup is opened with: the root key (frame and MAC keys) and the audit signing key. */
export interface BackupSecrets {
  readonly rootKey: Buffer;
  readonly auditSigningKey: Buffer;
}

/**
 * Rebuilds the root key from unseal shares against a seal record — the one in a backup's header,
 * or a restored instance's — exactly as unsealing a node does (seal/seal.ts): each share is checked
 * against the record's share digests (`invalid_share`, `duplicate_share`), and the combination is
 * authenticated by unwrapping the root key (`unseal_failed`). Returns copies the caller must wipe.
 */
export async function secretsFromShares(record: SealRecord, shares: readonly string[]): Promise<BackupSecrets> {
  const seal = new Seal(record);
  try {
    for (const share of shares) {
      if (!(await seal.submitShare(share)).sealed) break;
    }
    const status = seal.status();
    if (status.sealed) {
      throw new KeywardError('validation_failed', `opening this backup needs ${record.threshold} unseal share${record.threshold === 1 ? '' : 's'}; ${status.progress} valid one${status.progress === 1 ? ' was' : 's were'} given`, { field: 'shares' });
    }
    const { rootKey, auditSigningKey } = seal.secrets();
    return { rootKey: Buffer.from(rootKey), auditSigningKey: Buffer.from(auditSigningKey) };
  } finally {
    seal.seal();
  }
}

export function wipeSecrets(secrets: BackupSecrets): void {
  secrets.rootKey.fill(0);
  secrets.auditSigningKey.fill(0);
}

/** Whether a PKCS#8 Ed25519 private key is the one behind `publicKeyPem`. */
export function signingKeyMatches(privateKeyDer: Buffer, publicKeyPem: string): boolean {
  try {
    const derived = createPublicKey(createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' }));
    return derived.equals(createPublicKey(publicKeyPem));
  } catch {
    return false;
  }
}
