import { Type } from '@sinclair/typebox';
import { MAX_SHARES } from '../../crypto/shamir.ts';
import { StrictObject, Nullable } from './common.ts';

export const Health = StrictObject({
  status: Type.Literal('ok'),
  initialized: Type.Boolean(),
  sealed: Type.Boolean(),
  time: Type.String(),
});

export const SealStatus = StrictObject({
  initialized: Type.Boolean(),
  sealed: Type.Boolean(),
  threshold: Nullable(Type.Integer()),
  shares: Nullable(Type.Integer()),
  progress: Type.Integer({ description: 'shares accepted towards the current unseal attempt' }),
});

export const InitBody = StrictObject({
  shares: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SHARES, description: 'unseal shares to create (default 5)' })),
  threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SHARES, description: 'shares needed to unseal (default 3)' })),
});

export const InitResult = StrictObject({
  shares: Type.Array(Type.String(), { description: 'unseal shares (base64), shown once: hand each to a different person' }),
  threshold: Type.Integer(),
  rootToken: Type.String({ description: 'the root token, shown once; the server keeps only its SHA-256' }),
});

export const UnsealBody = StrictObject(
  {
    share: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'one unseal share (base64)' })),
    reset: Type.Optional(Type.Literal(true, { description: 'discard the shares given so far' })),
  },
  { description: 'either {"share": "..."} or {"reset": true}' },
);
