/** DER of the PKCS#7 content types a PFX's authSafe holds: data (1.2.840.113549.1.7.1) or signedData (…7.2). */
const PKCS7_OID_PREFIX = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];

/**
 * Whether `head` (the first bytes of a file, 32 are enough) starts a PKCS#12 PFX (RFC 7292):
 * `SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data | pkcs7-signedData, … } … }`. The file
 * extension is not trusted either way: `.p12`, `.pfx`, or a renamed `cert.bin` are all checked.
 */
export function isPkcs12(head: Uint8Array): boolean {
  let i = 0;
  if (head[i++] !== 0x30) return false;
  i = skipLength(head, i);
  if (i < 0 || head[i] !== 0x02 || head[i + 1] !== 0x01 || head[i + 2] !== 0x03) return false;
  i += 3;
  if (head[i++] !== 0x30) return false;
  i = skipLength(head, i);
  if (i < 0) return false;
  for (let k = 0; k < PKCS7_OID_PREFIX.length; k++) if (head[i + k] !== PKCS7_OID_PREFIX[k]) return false;
  const last = head[i + PKCS7_OID_PREFIX.length];
  return last === 0x01 || last === 0x02;
}

/** Index after a BER/DER length at `i` (short, long up to 4 bytes, or indefinite), or -1. */
function skipLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i];
  if (first === undefined) return -1;
  if (first < 0x80) return i + 1;
  if (first === 0x80) return i + 1;
  const n = first & 0x7f;
  return n > 4 ? -1 : i + 1 + n;
}
