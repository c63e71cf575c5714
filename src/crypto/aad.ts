/**
 * Unambiguous byte encoding for associated data: a domain label, then each field as a 4-byte
 * big-endian length and its UTF-8 bytes. Length prefixes make ("ab","c") and ("a","bc") differ.
 */
export function encodeAad(domain: string, fields: readonly string[]): Buffer {
  const parts: Buffer[] = [lengthPrefixed(domain)];
  for (const field of fields) parts.push(lengthPrefixed(field));
  return Buffer.concat(parts);
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** Canonical text of an encryption context: keys sorted, JSON-encoded, so order never matters. */
export function canonicalContext(context: Readonly<Record<string, string>> | undefined): string {
  if (!context) return '{}';
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(context).sort()) sorted[k] = context[k] as string;
  return JSON.stringify(sorted);
}
