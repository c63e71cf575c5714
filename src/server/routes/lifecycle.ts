import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES, KeyParams } from '../schemas/common.ts';
import {
  CancelDeletionBody,
  DeletionList,
  DeletionView,
  FinishRewrapBody,
  FinishRewrapResult,
  KeyDeletionsQuery,
  ListDeletionsQuery,
  RewrapBatchResult,
  RewrapBody,
  RewrapJob,
  RewrapJobParams,
  RotationImpact,
  RotationImpactQuery,
  ScheduleDeletionBody,
} from '../schemas/lifecycle.ts';

/**
 * Body limit of a rewrap batch: 4 MiB. 1000 typical ciphertexts (data keys, small secrets) with
 * their contexts are 0.1–0.5 MB of JSON; the rest leaves room for a few large (64 KiB-plaintext)
 * ones in a batch. Clients that send big ciphertexts send smaller batches (the CLI caps a batch at
 * 1 MiB). Every other route keeps the server's 256 KiB limit.
 */
export const REWRAP_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const tags = ['lifecycle'];
type Params = Static<typeof KeyParams>;
type JobParams = Static<typeof RewrapJobParams>;

/** Key lifecycle: bulk rewrap (batches and jobs), rotation impact, scheduled deletion. */
export function registerLifecycleRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Params: Params; Body: Static<typeof RewrapBody> }>(
    '/v1/keys/:key/rewrap',
    {
      bodyLimit: REWRAP_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Re-encrypt up to 1000 ciphertexts of the key under its current version; items fail alone',
        params: KeyParams,
        body: RewrapBody,
        response: { 200: RewrapBatchResult, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { items, jobId } = request.body;
      const list = items.map((i) => (i.context === undefined || i.context === null ? { ciphertext: i.ciphertext } : { ciphertext: i.ciphertext, context: i.context }));
      return engine.lifecycle.rewrap(callContext(request), request.params.key, { items: list, ...(jobId !== undefined ? { jobId } : {}) });
    },
  );

  app.post<{ Params: Params }>(
    '/v1/keys/:key/rewrap-jobs',
    { schema: { tags, summary: 'Start a rewrap job (batches name it; its finish may raise the minimum decryption version)', params: KeyParams, body: EmptyBody, response: { 201: RewrapJob, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await engine.lifecycle.startRewrapJob(callContext(request), request.params.key)),
  );

  app.get<{ Params: JobParams }>(
    '/v1/keys/:key/rewrap-jobs/:job',
    { schema: { tags, summary: 'A rewrap job and its running totals', params: RewrapJobParams, response: { 200: RewrapJob, ...ERROR_RESPONSES } } },
    async (request) => engine.lifecycle.describeRewrapJob(callContext(request), request.params.key, request.params.job),
  );

  app.post<{ Params: JobParams; Body: Static<typeof FinishRewrapBody> }>(
    '/v1/keys/:key/rewrap-jobs/:job/finish',
    { schema: { tags, summary: 'Finish a rewrap job; optionally raise the minimum decryption version if no item failed', params: RewrapJobParams, body: FinishRewrapBody, response: { 200: FinishRewrapResult, ...ERROR_RESPONSES } } },
    async (request) => engine.lifecycle.finishRewrapJob(callContext(request), request.params.key, request.params.job, request.body),
  );

  app.get<{ Params: Params; Querystring: Static<typeof RotationImpactQuery> }>(
    '/v1/keys/:key/rotation-impact',
    { schema: { tags, summary: 'Who still uses superseded versions of the key, and when they last did (from the audit log)', params: KeyParams, querystring: RotationImpactQuery, response: { 200: RotationImpact, ...ERROR_RESPONSES } } },
    async (request) => engine.lifecycle.rotationImpact(callContext(request), request.params.key, request.query),
  );

  app.post<{ Params: Params; Body: Static<typeof ScheduleDeletionBody> }>(
    '/v1/keys/:key/schedule-deletion',
    { schema: { tags, summary: 'Schedule the key for destruction after a waiting period; it is unusable meanwhile', params: KeyParams, body: ScheduleDeletionBody, response: { 200: DeletionView, ...ERROR_RESPONSES } } },
    async (request) => engine.lifecycle.scheduleDeletion(callContext(request), request.params.key, request.body),
  );

  app.post<{ Params: Params; Body: Static<typeof CancelDeletionBody> }>(
    '/v1/keys/:key/cancel-deletion',
    { schema: { tags, summary: "Cancel the key's scheduled deletion and restore its state", params: KeyParams, body: CancelDeletionBody, response: { 200: DeletionView, ...ERROR_RESPONSES } } },
    async (request) => engine.lifecycle.cancelDeletion(callContext(request), request.params.key, request.body),
  );

  app.get<{ Params: Params; Querystring: Static<typeof KeyDeletionsQuery> }>(
    '/v1/keys/:key/deletions',
    { schema: { tags, summary: "The key's deletion records, newest first", params: KeyParams, querystring: KeyDeletionsQuery, response: { 200: DeletionList, ...ERROR_RESPONSES } } },
    async (request) => ({ deletions: await engine.lifecycle.listDeletions(callContext(request), { key: request.params.key, ...request.query }) }),
  );

  app.get<{ Querystring: Static<typeof ListDeletionsQuery> }>(
    '/v1/key-deletions',
    { schema: { tags, summary: 'Deletion records across keys (default: scheduled ones, soonest first)', querystring: ListDeletionsQuery, response: { 200: DeletionList, ...ERROR_RESPONSES } } },
    async (request) => ({ deletions: await engine.lifecycle.listDeletions(callContext(request), request.query) }),
  );
}
