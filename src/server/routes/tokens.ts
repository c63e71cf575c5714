import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { AccessorParams, CreatedToken, CreateTokenBody, ListTokensQuery, RenewTokenBody, TokenInfo, TokenList } from '../schemas/tokens.ts';

const tags = ['tokens'];
type Params = Static<typeof AccessorParams>;

/** API tokens: create (a subset of the caller's permissions), list, look up, renew, revoke. */
export function registerTokenRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof CreateTokenBody> }>(
    '/v1/tokens',
    { schema: { tags, summary: 'Create a token with some of your permissions and a TTL', body: CreateTokenBody, response: { 201: CreatedToken, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { token, info } = await engine.tokens.create(callContext(request), request.body);
      return reply.code(201).send({ token, ...info });
    },
  );

  app.get<{ Querystring: Static<typeof ListTokensQuery> }>(
    '/v1/tokens',
    { schema: { tags, summary: 'List tokens (never the tokens themselves) by accessor', querystring: ListTokensQuery, response: { 200: TokenList, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.list(callContext(request), request.query),
  );

  app.get(
    '/v1/tokens/self',
    { schema: { tags, summary: 'The token you are calling with', response: { 200: TokenInfo, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.lookupSelf(callContext(request)),
  );

  app.post<{ Body: Static<typeof RenewTokenBody> }>(
    '/v1/tokens/self/renew',
    { schema: { tags, summary: 'Extend your own (renewable) token', body: RenewTokenBody, response: { 200: TokenInfo, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.renewSelf(callContext(request), request.body.ttlSeconds),
  );

  app.post(
    '/v1/tokens/self/revoke',
    { schema: { tags, summary: 'Revoke the token you are calling with', body: EmptyBody, response: { 200: TokenInfo, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.revokeSelf(callContext(request)),
  );

  app.get<{ Params: Params }>(
    '/v1/tokens/:accessor',
    { schema: { tags, summary: 'Look a token up by accessor', params: AccessorParams, response: { 200: TokenInfo, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.lookup(callContext(request), request.params.accessor),
  );

  app.post<{ Params: Params }>(
    '/v1/tokens/:accessor/revoke',
    { schema: { tags, summary: 'Revoke a token by accessor', params: AccessorParams, body: EmptyBody, response: { 200: TokenInfo, ...ERROR_RESPONSES } } },
    async (request) => engine.tokens.revoke(callContext(request), request.params.accessor),
  );
}
