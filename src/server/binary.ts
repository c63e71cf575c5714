/**
 * Binary fields travel as base64 in JSON. Schemas have already checked the text is canonical
 * base64, so decoding cannot silently skip characters. The Buffer is the caller's to zero-fill.
 */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

/** Encodes bytes for a response and zero-fills them: the base64 text is the only copy left. */
export function encodeAndWipe(bytes: Buffer): string {
  const text = bytes.toString('base64');
  bytes.fill(0);
  return text;
}
