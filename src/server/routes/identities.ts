import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import {
  CreateIdentityBody,
  Group,
  GroupBody,
  GroupList,
  GroupMemberParams,
  IdentityList,
  IdentityView,
  IssuedToken,
  IssueTokenBody,
  ListIdentitiesQuery,
  NameParams,
  PageQuery,
  PasswordBody,
  ServiceAccountCreated,
  StatusBody,
  UpdateIdentityBody,
} from '../schemas/governance.ts';

const tags = ['identities'];
type Name = { Params: Static<typeof NameParams> };

/** People, service accounts and groups. */
export function registerIdentityRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  const ids = engine.governance.identities;

  app.post<{ Body: Static<typeof CreateIdentityBody> }>(
    '/v1/users',
    { schema: { tags, summary: 'Create a person (optionally with an initial password)', body: CreateIdentityBody, response: { 201: IdentityView, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await ids.createUser(callContext(request), request.body)),
  );

  app.post<{ Body: Static<typeof CreateIdentityBody> }>(
    '/v1/service-accounts',
    { schema: { tags, summary: 'Create a service account; its client secret is shown once', body: CreateIdentityBody, response: { 201: ServiceAccountCreated, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await ids.createServiceAccount(callContext(request), request.body)),
  );

  app.get<{ Querystring: Static<typeof ListIdentitiesQuery> }>(
    '/v1/identities',
    { schema: { tags, summary: 'List people and service accounts', querystring: ListIdentitiesQuery, response: { 200: IdentityList, ...ERROR_RESPONSES } } },
    async (request) => ids.list(callContext(request), request.query),
  );

  app.get<Name>('/v1/identities/:name', { schema: { tags, summary: 'One identity', params: NameParams, response: { 200: IdentityView, ...ERROR_RESPONSES } } }, async (request) =>
    ids.get(callContext(request), request.params.name),
  );

  app.patch<Name & { Body: Static<typeof UpdateIdentityBody> }>(
    '/v1/identities/:name',
    { schema: { tags, summary: 'Change an identity’s team, owner, environment, email or attributes', params: NameParams, body: UpdateIdentityBody, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => ids.update(callContext(request), request.params.name, request.body),
  );

  for (const [verb, status, summary] of [
    ['suspend', 'suspended', 'Suspend an identity: its tokens are revoked at once'],
    ['depart', 'departed', 'Mark someone as having left: tokens revoked, cannot log in'],
    ['reactivate', 'active', 'Make a suspended or departed identity active again (old tokens stay revoked)'],
  ] as const) {
    app.post<Name & { Body: Static<typeof StatusBody> }>(
      `/v1/identities/:name/${verb}`,
      { schema: { tags, summary, params: NameParams, body: StatusBody, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
      async (request) => ids.setStatus(callContext(request), request.params.name, status, request.body.reason),
    );
  }

  app.put<Name & { Body: Static<typeof PasswordBody> }>(
    '/v1/identities/:name/password',
    { schema: { tags, summary: 'Set a password (your own, or a reset by an identity administrator)', params: NameParams, body: PasswordBody, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => ids.setPassword(callContext(request), request.params.name, request.body.password),
  );

  app.post<Name>(
    '/v1/identities/:name/totp/reset',
    { schema: { tags, summary: 'Remove someone’s TOTP enrolment (lost device)', params: NameParams, body: EmptyBody, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => ids.resetTotp(callContext(request), request.params.name),
  );

  app.post<Name>(
    '/v1/service-accounts/:name/secret',
    { schema: { tags, summary: 'Issue a new client secret (the old one stops working)', params: NameParams, body: EmptyBody, response: { 200: ServiceAccountCreated, ...ERROR_RESPONSES } } },
    async (request) => ids.rotateClientSecret(callContext(request), request.params.name),
  );

  app.post<Name & { Body: Static<typeof IssueTokenBody> }>(
    '/v1/service-accounts/:name/tokens',
    { schema: { tags, summary: 'Issue a token to a service account', params: NameParams, body: IssueTokenBody, response: { 201: IssuedToken, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await ids.issueServiceToken(callContext(request), request.params.name, request.body.ttlSeconds)),
  );

  app.post<{ Body: Static<typeof GroupBody> }>(
    '/v1/groups',
    { schema: { tags, summary: 'Create a group', body: GroupBody, response: { 201: Group, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await ids.createGroup(callContext(request), request.body)),
  );

  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/v1/groups',
    { schema: { tags, summary: 'List groups with their members', querystring: PageQuery, response: { 200: GroupList, ...ERROR_RESPONSES } } },
    async (request) => ids.listGroups(callContext(request), request.query),
  );

  app.delete<Name>('/v1/groups/:name', { schema: { tags, summary: 'Delete an empty group with no bindings', params: NameParams, response: { 204: EmptyBody, ...ERROR_RESPONSES } } }, async (request, reply) => {
    await ids.deleteGroup(callContext(request), request.params.name);
    return reply.code(204).send();
  });

  app.put<{ Params: Static<typeof GroupMemberParams> }>(
    '/v1/groups/:name/members/:identity',
    { schema: { tags, summary: 'Add an identity to a group', params: GroupMemberParams, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => ids.setMembership(callContext(request), request.params.name, request.params.identity, true),
  );

  app.delete<{ Params: Static<typeof GroupMemberParams> }>(
    '/v1/groups/:name/members/:identity',
    { schema: { tags, summary: 'Remove an identity from a group', params: GroupMemberParams, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => ids.setMembership(callContext(request), request.params.name, request.params.identity, false),
  );
}
