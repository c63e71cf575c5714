import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import {
  AccessReview,
  AccessReviewList,
  Approval,
  ApprovalList,
  BreakGlass,
  BreakGlassBody,
  BreakGlassList,
  CompleteBody,
  DirectoryBody,
  DirectoryImported,
  IdParams,
  ListApprovalsQuery,
  ListBreakGlassQuery,
  PageQuery,
  ReviewApplied,
  ReviewBody,
  SensitiveActions,
  VoteBody,
} from '../schemas/governance.ts';

type Id = { Params: Static<typeof IdParams> };

/** Approval requests, break-glass uses and access reviews. */
export function registerApprovalRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  const { approvals, breakGlass, reviews } = engine.governance;
  const tags = ['approvals'];

  app.get('/v1/approvals/actions', { schema: { tags, summary: 'The sensitive actions that approvals and break-glass cover', response: { 200: SensitiveActions, ...ERROR_RESPONSES } } }, async (request) => {
    await approvals.list(callContext(request), { limit: 1 });
    return { actions: approvals.sensitiveActions() };
  });

  app.get<{ Querystring: Static<typeof ListApprovalsQuery> }>(
    '/v1/approvals',
    { schema: { tags, summary: 'Approval requests', querystring: ListApprovalsQuery, response: { 200: ApprovalList, ...ERROR_RESPONSES } } },
    async (request) => approvals.list(callContext(request), request.query),
  );

  app.get<Id>('/v1/approvals/:id', { schema: { tags, summary: 'One approval request', params: IdParams, response: { 200: Approval, ...ERROR_RESPONSES } } }, async (request) =>
    approvals.get(callContext(request), request.params.id),
  );

  app.post<Id & { Body: Static<typeof VoteBody> }>(
    '/v1/approvals/:id/approve',
    { schema: { tags, summary: 'Approve; at the quorum the operation runs as its requester', params: IdParams, body: VoteBody, response: { 200: Approval, ...ERROR_RESPONSES } } },
    async (request) => approvals.approve(callContext(request), request.params.id, request.body.comment),
  );

  app.post<Id & { Body: Static<typeof VoteBody> }>(
    '/v1/approvals/:id/deny',
    { schema: { tags, summary: 'Deny; the request is closed', params: IdParams, body: VoteBody, response: { 200: Approval, ...ERROR_RESPONSES } } },
    async (request) => approvals.deny(callContext(request), request.params.id, request.body.comment),
  );

  app.post<Id>(
    '/v1/approvals/:id/cancel',
    { schema: { tags, summary: 'Withdraw your own pending request', params: IdParams, body: EmptyBody, response: { 200: Approval, ...ERROR_RESPONSES } } },
    async (request) => approvals.cancel(callContext(request), request.params.id),
  );

  const bg = ['break-glass'];
  app.post<{ Body: Static<typeof BreakGlassBody> }>(
    '/v1/breakglass',
    { schema: { tags: bg, summary: 'Run a sensitive operation without the quorum, with a justification (flagged, announced, reviewed)', body: BreakGlassBody, response: { 201: BreakGlass, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await breakGlass.use(callContext(request), request.body)),
  );

  app.get<{ Querystring: Static<typeof ListBreakGlassQuery> }>(
    '/v1/breakglass',
    { schema: { tags: bg, summary: 'Break-glass uses (open ones await review)', querystring: ListBreakGlassQuery, response: { 200: BreakGlassList, ...ERROR_RESPONSES } } },
    async (request) => breakGlass.list(callContext(request), request.query),
  );

  app.get<Id>('/v1/breakglass/:id', { schema: { tags: bg, summary: 'One break-glass use', params: IdParams, response: { 200: BreakGlass, ...ERROR_RESPONSES } } }, async (request) =>
    breakGlass.get(callContext(request), request.params.id),
  );

  app.post<Id & { Body: Static<typeof ReviewBody> }>(
    '/v1/breakglass/:id/review',
    { schema: { tags: bg, summary: 'Review a break-glass use (someone other than its user)', params: IdParams, body: ReviewBody, response: { 200: BreakGlass, ...ERROR_RESPONSES } } },
    async (request) => breakGlass.review(callContext(request), request.params.id, request.body),
  );

  const rv = ['access-review'];
  app.put<{ Body: Static<typeof DirectoryBody> }>(
    '/v1/reviews/directory',
    { schema: { tags: rv, summary: 'Replace the HR directory (CSV or JSON/SCIM) that access reviews reconcile against', body: DirectoryBody, response: { 200: DirectoryImported, ...ERROR_RESPONSES } } },
    async (request) => reviews.importDirectory(callContext(request), request.body.content, request.body.format),
  );

  app.post('/v1/reviews', { schema: { tags: rv, summary: 'Run an access review now', body: EmptyBody, response: { 201: AccessReview, ...ERROR_RESPONSES } } }, async (request, reply) =>
    reply.code(201).send(await reviews.run(callContext(request))),
  );

  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/v1/reviews',
    { schema: { tags: rv, summary: 'Access reviews', querystring: PageQuery, response: { 200: AccessReviewList, ...ERROR_RESPONSES } } },
    async (request) => reviews.list(callContext(request), request.query),
  );

  app.get<Id>('/v1/reviews/:id', { schema: { tags: rv, summary: 'One access review', params: IdParams, response: { 200: AccessReview, ...ERROR_RESPONSES } } }, async (request) =>
    reviews.get(callContext(request), request.params.id),
  );

  app.post<Id>(
    '/v1/reviews/:id/apply',
    { schema: { tags: rv, summary: 'Mark the departed people of a review departed and revoke their tokens', params: IdParams, body: EmptyBody, response: { 200: ReviewApplied, ...ERROR_RESPONSES } } },
    async (request) => reviews.apply(callContext(request), request.params.id),
  );

  app.post<Id & { Body: Static<typeof CompleteBody> }>(
    '/v1/reviews/:id/complete',
    { schema: { tags: rv, summary: 'Sign a review off', params: IdParams, body: CompleteBody, response: { 200: AccessReview, ...ERROR_RESPONSES } } },
    async (request) => reviews.complete(callContext(request), request.params.id, request.body.note),
  );
}
