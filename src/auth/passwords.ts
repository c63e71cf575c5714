import { hash, verify } from '@node-rs/argon2';
import { KeywardError } from '../core/errors.ts';

/**
 * Passwords: argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane), hashed and
 * verified on libuv's thread pool. Only the PHC-format hash is stored.
 */
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 256;

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw new KeywardError('validation_failed', `a password is ${MIN_PASSWORD}–${MAX_PASSWORD} characters`, { field: 'password' });
  }
  return password;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** A hash of nothing anyone knows, verified against for unknown users so timing does not tell names apart. */
let decoy: Promise<string> | null = null;

/** Whether `password` matches `stored`; with `stored` null, spends the same time and says no. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword(`decoy-${process.pid}-${Date.now()}`);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
