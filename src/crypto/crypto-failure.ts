/**
 * Failure inside a primitive (bad tag, malformed key, wrong length). Domain code translates it
 * into a KeywardError with a code that fits the operation; the message never holds key bytes.
 */
export class CryptoFailure extends Error {
  override readonly name = 'CryptoFailure';
}
