import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import { AuditRunBody, AuditRunList, AuditRunParams, ListAuditRunsQuery, StartAuditRunBody } from '../schemas/audit-runs.ts';

const tags = ['audit-runs'];

/** Audit runs: run the check catalogue now, list stored runs, read one (what `keyward report` renders). */
export function registerAuditRunRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof StartAuditRunBody> }>(
    '/v1/audit-runs',
    { schema: { tags, summary: 'Run every audit check now and store the run', body: StartAuditRunBody, response: { 201: AuditRunBody, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const run = await engine.assess.run(callContext(request), { trigger: request.body.trigger ?? 'api' });
      return reply.code(201).send(run);
    },
  );

  app.get<{ Querystring: Static<typeof ListAuditRunsQuery> }>(
    '/v1/audit-runs',
    { schema: { tags, summary: 'Stored audit runs, newest first', querystring: ListAuditRunsQuery, response: { 200: AuditRunList, ...ERROR_RESPONSES } } },
    async (request) => engine.assess.list(callContext(request), request.query),
  );

  app.get<{ Params: Static<typeof AuditRunParams> }>(
    '/v1/audit-runs/:id',
    { schema: { tags, summary: 'One audit run, whole', params: AuditRunParams, response: { 200: AuditRunBody, ...ERROR_RESPONSES } } },
    async (request) => engine.assess.get(callContext(request), request.params.id),
  );
}
