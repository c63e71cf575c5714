import { pooledRandomBytes } from './random-pool.ts';

/** Opaque random identifiers: a short type prefix plus 96 random bits in hex (no ':' so they fit ciphertext headers). */
export function newId(prefix: string): string {
  return `${prefix}_${pooledRandomBytes(12).toString('hex')}`;
}
