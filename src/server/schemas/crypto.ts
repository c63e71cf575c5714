import { Type } from '@sinclair/typebox';
import { SIGNING_ALGORITHMS } from '../../crypto/key-specs.ts';
import { MAX_DATA_KEY_BYTES, MAX_RANDOM_BYTES, MIN_DATA_KEY_BYTES } from '../../keys/limits.ts';
import { Base64, EncryptionContext, KeyRef, Nullable, OneOf, StrictObject } from './common.ts';

const Ciphertext = Type.String({ minLength: 1, description: 'kw:v1:<key-id>:<version>:<base64url>' });
const MessageType = OneOf(['RAW', 'DIGEST'] as const, { description: 'DIGEST: `message` is a precomputed digest (RSASSA_PKCS1_V1_5_SHA_256 only)' });
// The algorithm stays a plain string so the engine can say which ones the key's spec allows.
const Algorithm = Type.String({ maxLength: 64, description: `one of ${SIGNING_ALGORITHMS.join(', ')}; default: the spec's first` });
const Version = Type.Integer({ minimum: 1 });

export const EncryptBody = StrictObject({ key: KeyRef, plaintext: Base64('bytes to encrypt (at most 64 KiB)'), context: Type.Optional(EncryptionContext) });
export const EncryptResult = StrictObject({ ciphertext: Type.String(), keyId: Type.String(), version: Type.Integer() });

export const DecryptBody = StrictObject({ ciphertext: Ciphertext, context: Type.Optional(EncryptionContext) });
export const DecryptResult = StrictObject({ plaintext: Base64('the decrypted bytes'), keyId: Type.String(), version: Type.Integer() });

export const DataKeyBody = StrictObject({
  key: KeyRef,
  bytes: Type.Optional(Type.Integer({ minimum: MIN_DATA_KEY_BYTES, maximum: MAX_DATA_KEY_BYTES, description: 'data key length (default 32)' })),
  context: Type.Optional(EncryptionContext),
  includePlaintext: Type.Optional(Type.Boolean({ description: 'false: return only the encrypted copy' })),
});
export const DataKeyResult = StrictObject({
  ciphertext: Type.String(),
  keyId: Type.String(),
  version: Type.Integer(),
  plaintext: Type.Optional(Base64('the data key; use it, then drop it')),
});

export const ReEncryptBody = StrictObject({
  ciphertext: Ciphertext,
  sourceContext: Type.Optional(EncryptionContext),
  destinationKey: Type.Optional(KeyRef),
  destinationContext: Type.Optional(EncryptionContext),
});
export const ReEncryptResult = StrictObject({
  ciphertext: Type.String(),
  keyId: Type.String(),
  version: Type.Integer(),
  sourceKeyId: Type.String(),
  sourceVersion: Type.Integer(),
});

export const SignBody = StrictObject({
  key: KeyRef,
  message: Base64('the message (at most 64 KiB), or its digest'),
  messageType: Type.Optional(MessageType),
  algorithm: Type.Optional(Algorithm),
});
export const SignResult = StrictObject({ signature: Base64('the signature'), keyId: Type.String(), version: Type.Integer(), algorithm: OneOf(SIGNING_ALGORITHMS) });

export const VerifyBody = StrictObject({
  key: KeyRef,
  message: Base64('the signed message, or its digest'),
  signature: Base64('the signature'),
  messageType: Type.Optional(MessageType),
  algorithm: Type.Optional(Algorithm),
  version: Type.Optional(Version),
});
export const VerifyResult = StrictObject({
  valid: Type.Boolean(),
  keyId: Type.String(),
  version: Nullable(Type.Integer({ description: 'the version that verified it; null if none did' })),
});

export const MacBody = StrictObject({ key: KeyRef, message: Base64('the message (at most 64 KiB)') });
export const MacResult = StrictObject({ mac: Base64('the MAC'), keyId: Type.String(), version: Type.Integer() });

export const VerifyMacBody = StrictObject({ key: KeyRef, message: Base64('the message'), mac: Base64('the MAC to check'), version: Type.Optional(Version) });

export const RandomBody = StrictObject({ bytes: Type.Integer({ minimum: 1, maximum: MAX_RANDOM_BYTES }) });
export const RandomResult = StrictObject({ random: Base64('random bytes from the server’s CSPRNG') });
