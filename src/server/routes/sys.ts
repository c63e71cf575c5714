import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { KeywardError } from '../../core/errors.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { Health, InitBody, InitResult, SealStatus, UnsealBody } from '../schemas/sys.ts';

const tags = ['sys'];
/** Like Vault: these work without a token (a sealed node has nothing a token could unlock). */
const publicRoute = { config: { public: true } } as const;
const noToken: readonly never[] = [];

/** Health, seal status, init, unseal, seal. */
export function registerSysRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.get(
    '/v1/sys/health',
    { ...publicRoute, schema: { tags, summary: 'Liveness, and whether the node is initialised and unsealed', security: noToken, response: { 200: Health, ...ERROR_RESPONSES } } },
    async (): Promise<Static<typeof Health>> => {
      const status = engine.sys.status();
      return { status: 'ok', initialized: status.initialized, sealed: status.sealed, time: new Date().toISOString() };
    },
  );

  app.get(
    '/v1/sys/seal-status',
    { ...publicRoute, schema: { tags, summary: 'Seal status and unseal progress', security: noToken, response: { 200: SealStatus, ...ERROR_RESPONSES } } },
    async () => engine.sys.status(),
  );

  app.post<{ Body: Static<typeof InitBody> }>(
    '/v1/sys/init',
    {
      ...publicRoute,
      schema: {
        tags,
        summary: 'Initialise: create the root key, the unseal shares and the root token (once)',
        security: noToken,
        body: InitBody,
        response: { 200: InitResult, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<Static<typeof InitResult>> => {
      const result = await engine.sys.init(callContext(request), request.body);
      return { shares: result.shares, threshold: result.threshold, rootToken: result.rootToken };
    },
  );

  app.post<{ Body: Static<typeof UnsealBody> }>(
    '/v1/sys/unseal',
    {
      ...publicRoute,
      schema: { tags, summary: 'Give one unseal share, or reset the attempt', security: noToken, body: UnsealBody, response: { 200: SealStatus, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const { share, reset } = request.body;
      if ((share === undefined) === (reset === undefined)) {
        throw new KeywardError('validation_failed', 'send either {"share": "<share>"} or {"reset": true}', { field: 'body' });
      }
      const ctx = callContext(request);
      return share !== undefined ? engine.sys.unseal(ctx, share) : engine.sys.resetUnseal(ctx);
    },
  );

  app.post(
    '/v1/sys/seal',
    { schema: { tags, summary: 'Seal: drop the root key and every unwrapped key from memory', body: EmptyBody, response: { 200: SealStatus, ...ERROR_RESPONSES } } },
    async (request) => engine.sys.seal(callContext(request)),
  );
}
