import { Type } from '@sinclair/typebox';
import { KEY_SPECS, KEY_USAGES } from '../../crypto/key-specs.ts';
import { MAX_TAGS, MAX_TEXT } from '../../keys/key-input.ts';
import { STATE_ACTIONS } from '../../keys/key-states.ts';
import { MAX_LIST_LIMIT } from '../../engine/key-admin.ts';
import { ENVIRONMENTS, KEY_STATES } from '../../storage/records.ts';
import { Base64, Nullable, OneOf, StrictObject } from './common.ts';

const Text = Type.String({ maxLength: MAX_TEXT });
const Tier = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { description: 'classification tier: 1 (most sensitive) to 3' });
const Environment = OneOf(ENVIRONMENTS);
const Tags = Type.Record(Type.String(), Type.String(), { maxProperties: MAX_TAGS });
// Spec and usage stay plain strings here so an unknown one gets the engine's specific code (key_spec_invalid, key_usage_invalid).
const Spec = Type.String({ maxLength: 64, description: `one of ${KEY_SPECS.join(', ')}` });
const Usage = Type.String({ maxLength: 64, description: `one of ${KEY_USAGES.join(', ')}; needed only for RSA keys` });

const metadata = {
  owner: Type.Optional(Nullable(Text)),
  purpose: Type.Optional(Nullable(Text)),
  environment: Type.Optional(Nullable(Environment)),
  tier: Type.Optional(Nullable(Tier)),
  tags: Type.Optional(Tags),
  description: Type.Optional(Nullable(Text)),
  rotationPeriodDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 3650 }))),
};

const create = {
  name: Type.String({ minLength: 1, maxLength: 128, description: 'unique; letters, digits, ".", "_", "-"' }),
  spec: Spec,
  usage: Type.Optional(Usage),
  preActivation: Type.Optional(Type.Boolean({ description: 'create in pre-activation instead of active' })),
  ...metadata,
};

export const CreateKeyBody = StrictObject(create);
export const ImportKeyBody = StrictObject({ ...create, material: Base64('raw symmetric key bytes (BYOK)') });
export const UpdateKeyBody = StrictObject(metadata, { minProperties: 1 });
export const RotateKeyBody = StrictObject({ material: Type.Optional(Base64('new material, for imported keys only')) });
export const ChangeStateBody = StrictObject({ action: OneOf(STATE_ACTIONS), reason: Type.Optional(Text) });
export const MinDecryptionVersionBody = StrictObject({ version: Type.Integer({ minimum: 1 }) });
export const PublicKeyQuery = StrictObject({ version: Type.Optional(Type.Integer({ minimum: 1 })) });

export const ListKeysQuery = StrictObject({
  state: Type.Optional(OneOf(KEY_STATES)),
  spec: Type.Optional(OneOf(KEY_SPECS)),
  environment: Type.Optional(Environment),
  owner: Type.Optional(Text),
  tier: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: '"name" (has the tag) or "name=value"' })),
  prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'names starting with this' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'the `next` of the previous page' })),
});

const KeyVersionView = StrictObject({
  version: Type.Integer(),
  createdAt: Type.String(),
  origin: Type.String(),
  encryptionCount: Type.Integer(),
  destroyed: Type.Boolean(),
  publicKey: Nullable(Type.String()),
});

/** What a client sees of a key: metadata and versions, never material. */
export const KeyView = StrictObject({
  id: Type.String(),
  name: Type.String(),
  spec: OneOf(KEY_SPECS),
  usage: OneOf(KEY_USAGES),
  state: OneOf(KEY_STATES),
  origin: Type.String(),
  owner: Nullable(Type.String()),
  purpose: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  tier: Nullable(Type.Integer()),
  tags: Type.Record(Type.String(), Type.String()),
  description: Nullable(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  stateChangedAt: Type.String(),
  currentVersion: Type.Integer(),
  minDecryptionVersion: Type.Integer(),
  rotationPeriodDays: Nullable(Type.Integer()),
  lastRotatedAt: Nullable(Type.String()),
  compromisedAt: Nullable(Type.String()),
  destroyedAt: Nullable(Type.String()),
  versions: Type.Optional(Type.Array(KeyVersionView)),
});

export const KeyList = StrictObject({
  keys: Type.Array(KeyView),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page; null on the last' })),
});

export const PublicKey = StrictObject({ keyId: Type.String(), version: Type.Integer(), publicKey: Type.String({ description: 'SPKI PEM' }) });
