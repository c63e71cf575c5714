import { Type, type SchemaOptions, type TLiteral, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';
import { ERROR_CODES } from '../../core/errors.ts';
import { MAX_KEY_REF_CHARS } from '../limits.ts';

/** Every object in a request or response names all of its fields: unknown ones are refused (requests) or dropped (responses). */
export function StrictObject<T extends TProperties>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** One of a closed list of strings. */
export function OneOf<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)), options);
}

/** Canonical base64 (RFC 4648 §4, padded). Binary data travels as this in JSON. */
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

export function Base64(description: string) {
  return Type.String({ pattern: BASE64, contentEncoding: 'base64', description });
}

export const KeyRef = Type.String({ minLength: 1, maxLength: MAX_KEY_REF_CHARS, description: 'key name or id' });
export const KeyParams = StrictObject({ key: KeyRef });

/** Encryption context: string pairs bound into the ciphertext (the engine checks count and size). */
export const EncryptionContext = Type.Record(Type.String({ minLength: 1 }), Type.String(), {
  description: 'string pairs authenticated with the ciphertext; the same context is needed to decrypt',
});

export const EmptyBody = StrictObject({});

export const ErrorBody = StrictObject(
  {
    error: StrictObject({
      code: OneOf(ERROR_CODES),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
          description: 'for approval_required, sod_violation, too_many_attempts and policy_violation only: the request id, the rule, when to retry',
        }),
      ),
    }),
  },
  { description: 'every error: a stable code (docs/errors.md), a message for people, and the request id' },
);

/** Error replies are serialised by schema too, so nothing beyond code, message and request id can reach a client. */
export const ERROR_RESPONSES = { 202: ErrorBody, '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z',
});
