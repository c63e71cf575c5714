import { Type } from '@sinclair/typebox';
import { MAX_TOKEN_PERMISSIONS } from '../../auth/tokens.ts';
import { MAX_TOKEN_PAGE } from '../../engine/token-service.ts';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const Permission = Type.String({ minLength: 1, maxLength: 200, description: '<action-glob> or <action-glob>@<key-name-glob>, e.g. "crypto.*@billing-*"' });
const TtlSeconds = Type.Integer({ minimum: 1, description: 'lifetime in seconds (default 3600; at most the server maximum)' });
export const Accessor = Type.String({ pattern: '^[0-9a-f]{24}$', description: 'the public name of a token (24 hex digits)' });

export const CreateTokenBody = StrictObject({
  permissions: Type.Array(Permission, { minItems: 1, maxItems: MAX_TOKEN_PERMISSIONS, description: 'must be covered by the creator’s own permissions' }),
  ttlSeconds: Type.Optional(TtlSeconds),
  renewable: Type.Optional(Type.Boolean({ description: 'may renew itself (up to the server maximum TTL from creation)' })),
  description: Type.Optional(Type.String({ maxLength: 256 })),
});

const tokenFields = {
  accessor: Type.String(),
  type: OneOf(['root', 'service', 'identity'] as const),
  permissions: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  createdAt: IsoTime,
  createdBy: Type.String(),
  expiresAt: Nullable(IsoTime),
  renewable: Type.Boolean(),
  ttlSeconds: Nullable(Type.Integer()),
  revokedAt: Nullable(IsoTime),
  identityId: Type.Optional(Nullable(Type.String({ description: 'the person or service account an identity token speaks for' }))),
  mfa: Type.Optional(Type.Boolean({ description: 'whether the login behind an identity token passed TOTP' })),
};

export const TokenInfo = StrictObject(tokenFields, { description: 'a token as the server knows it: never the token itself' });
export const CreatedToken = StrictObject(
  { token: Type.String({ description: 'the token, shown once; the server keeps only its SHA-256' }), ...tokenFields },
  { description: 'the new token and its details' },
);

export const TokenList = StrictObject({
  tokens: Type.Array(TokenInfo),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
});
export const ListTokensQuery = StrictObject({
  after: Type.Optional(Accessor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_PAGE })),
});

export const AccessorParams = StrictObject({ accessor: Accessor });
export const RenewTokenBody = StrictObject({ ttlSeconds: Type.Optional(TtlSeconds) });
