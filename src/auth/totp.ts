import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';

/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s — what authenticator apps expect), HMAC
 * through node:crypto. A code is accepted within ±1 step, and only once: a step at or before the
 * last one used is refused, so a code seen over someone's shoulder cannot be replayed.
 */
const crypto = new NodeCryptoPlugin();
const TOLERANCE_SECONDS = 30;

export function newTotpSecret(): string {
  // 20 bytes (160 bits), base32: RFC 4226's recommended length.
  return generateSecret({ crypto, length: 20 });
}

export function totpUri(secret: string, account: string, issuer = 'Keyward'): string {
  return generateURI({ issuer, label: account, secret });
}

/** The code for `now` (tests and `keyward user totp-code` for scripted setups only). */
export function totpCode(secret: string, now: Date): string {
  return generateSync({ secret, crypto, epoch: Math.floor(now.getTime() / 1000) });
}

/** The time step the code belongs to if it is valid and newer than `afterStep`; null otherwise. */
export function verifyTotp(secret: string, code: string, now: Date, afterStep: number | null): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  try {
    const result = verifySync({
      secret,
      token: code,
      crypto,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOLERANCE_SECONDS,
      ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
    });
    return result.valid && 'timeStep' in result ? (result as { timeStep: number }).timeStep : null;
  } catch {
    return null;
  }
}
