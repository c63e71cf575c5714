import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { KeySpec, KeyUsage } from '../../crypto/key-specs.ts';
import type { KeyListFilter } from '../../storage/records.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { decodeBase64 } from '../binary.ts';
import { ERROR_RESPONSES, KeyParams } from '../schemas/common.ts';
import {
  ChangeStateBody,
  CreateKeyBody,
  ImportKeyBody,
  KeyList,
  KeyView,
  ListKeysQuery,
  MinDecryptionVersionBody,
  PublicKey,
  PublicKeyQuery,
  RotateKeyBody,
  UpdateKeyBody,
} from '../schemas/keys.ts';

const tags = ['keys'];
type Params = Static<typeof KeyParams>;

/** Key management: create, import, list, describe, update metadata, rotate, state changes, public keys. */
export function registerKeyRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof CreateKeyBody> }>(
    '/v1/keys',
    { schema: { tags, summary: 'Create a key (version 1, fresh material)', body: CreateKeyBody, response: { 201: KeyView, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const key = await engine.keys.create(callContext(request), withSpec(request.body));
      return reply.code(201).send(key);
    },
  );

  app.post<{ Body: Static<typeof ImportKeyBody> }>(
    '/v1/keys/import',
    { schema: { tags, summary: 'Create a symmetric key from your own material (BYOK)', body: ImportKeyBody, response: { 201: KeyView, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const material = decodeBase64(request.body.material);
      try {
        const key = await engine.keys.import(callContext(request), { ...withSpec(request.body), material });
        return reply.code(201).send(key);
      } finally {
        material.fill(0);
      }
    },
  );

  app.get<{ Querystring: Static<typeof ListKeysQuery> }>(
    '/v1/keys',
    { schema: { tags, summary: 'List keys by name, with filters and pagination', querystring: ListKeysQuery, response: { 200: KeyList, ...ERROR_RESPONSES } } },
    async (request) => engine.keys.list(callContext(request), listFilter(request.query)),
  );

  app.get<{ Params: Params }>(
    '/v1/keys/:key',
    { schema: { tags, summary: 'Describe a key and its versions', params: KeyParams, response: { 200: KeyView, ...ERROR_RESPONSES } } },
    async (request) => engine.keys.describe(callContext(request), request.params.key),
  );

  app.patch<{ Params: Params; Body: Static<typeof UpdateKeyBody> }>(
    '/v1/keys/:key',
    { schema: { tags, summary: 'Change metadata', params: KeyParams, body: UpdateKeyBody, response: { 200: KeyView, ...ERROR_RESPONSES } } },
    async (request) => engine.keys.update(callContext(request), request.params.key, request.body),
  );

  app.post<{ Params: Params; Body: Static<typeof RotateKeyBody> }>(
    '/v1/keys/:key/rotate',
    { schema: { tags, summary: 'Add a version and make it current', params: KeyParams, body: RotateKeyBody, response: { 200: KeyView, ...ERROR_RESPONSES } } },
    async (request) => {
      const material = request.body.material === undefined ? undefined : decodeBase64(request.body.material);
      try {
        return await engine.keys.rotate(callContext(request), request.params.key, material);
      } finally {
        material?.fill(0);
      }
    },
  );

  app.post<{ Params: Params; Body: Static<typeof ChangeStateBody> }>(
    '/v1/keys/:key/state',
    { schema: { tags, summary: 'Change state: activate, suspend, resume, deactivate, compromise, destroy', params: KeyParams, body: ChangeStateBody, response: { 200: KeyView, ...ERROR_RESPONSES } } },
    async (request) => engine.keys.changeState(callContext(request), request.params.key, request.body.action, request.body.reason),
  );

  app.post<{ Params: Params; Body: Static<typeof MinDecryptionVersionBody> }>(
    '/v1/keys/:key/min-decryption-version',
    {
      schema: { tags, summary: 'Refuse decryption of versions below this one', params: KeyParams, body: MinDecryptionVersionBody, response: { 200: KeyView, ...ERROR_RESPONSES } },
    },
    async (request) => engine.keys.setMinDecryptionVersion(callContext(request), request.params.key, request.body.version),
  );

  app.get<{ Params: Params; Querystring: Static<typeof PublicKeyQuery> }>(
    '/v1/keys/:key/public-key',
    { schema: { tags, summary: 'The public key (SPKI PEM) of an asymmetric key version', params: KeyParams, querystring: PublicKeyQuery, response: { 200: PublicKey, ...ERROR_RESPONSES } } },
    async (request) => engine.keys.publicKey(callContext(request), request.params.key, request.query.version),
  );
}

/** Spec and usage are checked by the engine, which names the allowed values in its error. */
function withSpec<T extends { spec: string; usage?: string }>(body: T): Omit<T, 'spec' | 'usage'> & { spec: KeySpec; usage?: KeyUsage } {
  const { spec, usage, ...rest } = body;
  return { ...rest, spec: spec as KeySpec, ...(usage !== undefined ? { usage: usage as KeyUsage } : {}) };
}

function listFilter(query: Static<typeof ListKeysQuery>): Omit<KeyListFilter, 'limit'> & { limit?: number } {
  const { tag, prefix, tier, ...rest } = query;
  return {
    ...rest,
    ...(prefix !== undefined ? { namePrefix: prefix } : {}),
    ...(tier !== undefined ? { tier: tier as 1 | 2 | 3 } : {}),
    ...(tag !== undefined ? { tag: parseTag(tag) } : {}),
  };
}

/** `name` → has the tag; `name=value` → the tag has that value. */
function parseTag(tag: string): { key: string; value?: string } {
  const eq = tag.indexOf('=');
  return eq === -1 ? { key: tag } : { key: tag.slice(0, eq), value: tag.slice(eq + 1) };
}
