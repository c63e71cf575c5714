import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';

/**
 * `sha256:<hex>` of a public key's SPKI DER encoding, the same for one key whatever form a
 * provider shows it in (PEM, JWK, raw Ed25519), so the same key found twice can be recognised.
 * Null when the text is not a public key Node can read. Public keys only: never given secrets.
 */
export function spkiFingerprint(key: { pem: string } | { jwk: JsonWebKey } | { ed25519Raw: Buffer }): string | null {
  try {
    let spki: Buffer;
    if ('pem' in key) spki = createPublicKey(key.pem).export({ type: 'spki', format: 'der' });
    else if ('jwk' in key) spki = createPublicKey({ key: publicJwk(key.jwk), format: 'jwk' }).export({ type: 'spki', format: 'der' });
    else {
      if (key.ed25519Raw.length !== 32) return null;
      spki = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.ed25519Raw.toString('base64url') }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    }
    return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
  } catch {
    return null;
  }
}

/** Only the public members: a JWK with `d` (or other private parts) must never be read as a private key. */
function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const { kty, n, e, crv, x, y } = jwk;
  const crvName = crv === 'P-256K' ? 'secp256k1' : crv;
  return Object.fromEntries(Object.entries({ kty: kty?.replace(/-HSM$/, ''), n, e, crv: crvName, x, y }).filter(([, v]) => v !== undefined));
}
