/**
 * Shannon entropy of a string in bits per character, over its code units (the scanner's text is
 * latin1, so one unit is one byte). A random base64 string scores about 5–6, hex at most 4,
 * `changeme` 2.75, `xxxxxxxx` 0: a threshold separates secrets from placeholders.
 */
export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}
