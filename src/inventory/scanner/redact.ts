import { createHash } from 'node:crypto';

/** Hex digits kept of the SHA-256: 128 bits, plenty to tell findings apart, short enough to read. */
const FINGERPRINT_HEX = 32;

/**
 * The stable identity of a finding: SHA-256 over the rule id, a zero byte and the secret's bytes
 * (the scanner reads text as latin1, so `latin1` gives back the file's bytes), truncated. It does
 * not depend on the file, line or commit, so a baseline entry follows a secret that moves.
 */
export function fingerprint(ruleId: string, secret: string): string {
  return fingerprintHasher(ruleId).update(Buffer.from(secret, 'latin1')).digest();
}

/** Same, for a secret that is a whole binary file (a PKCS#12 bundle). */
export function fingerprintBytes(ruleId: string, bytes: Uint8Array): string {
  return fingerprintHasher(ruleId).update(bytes).digest();
}

export interface FingerprintHasher {
  update(bytes: Uint8Array): FingerprintHasher;
  digest(): string;
}

/** The fingerprint of a secret fed in pieces (a blob streamed from git). */
export function fingerprintHasher(ruleId: string): FingerprintHasher {
  const hash = createHash('sha256').update(ruleId, 'utf8').update(Buffer.of(0));
  const hasher: FingerprintHasher = {
    update(bytes) {
      hash.update(bytes);
      return hasher;
    },
    digest: () => hash.digest('hex').slice(0, FINGERPRINT_HEX),
  };
  return hasher;
}

/**
 * What may be shown of a secret: its first four characters and `…`, but never more than a quarter
 * of it (a 12-character password shows 3). Leading white space and `\n` escapes (a PEM body)
 * are skipped; only printable ASCII is shown, anything else becomes `?`.
 */
export function maskedPreview(secret: string): string {
  const text = secret.replace(/^(?:\s|\\n)+/, '');
  const keep = Math.min(4, Math.floor(text.length / 4));
  return `${text.slice(0, keep).replace(/[^\x21-\x7e]/g, '?')}…`;
}
