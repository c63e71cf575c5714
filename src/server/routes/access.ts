import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import { Binding, BindingList, CreateBindingBody, CreateRoleBody, IdParams, ListBindingsQuery, NameParams, Role, RoleList, Settings, SettingsPatch } from '../schemas/governance.ts';

const tags = ['access'];

/** Roles, role bindings and the governance settings. */
export function registerAccessRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  const access = engine.governance.access;

  app.get('/v1/roles', { schema: { tags, summary: 'Built-in and custom roles with their actions', response: { 200: RoleList, ...ERROR_RESPONSES } } }, async (request) => ({
    roles: await access.listRoles(callContext(request)),
  }));

  app.post<{ Body: Static<typeof CreateRoleBody> }>(
    '/v1/roles',
    { schema: { tags, summary: 'Create a custom role (a set of action globs)', body: CreateRoleBody, response: { 201: Role, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await access.createRole(callContext(request), request.body)),
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/v1/roles/:name',
    { schema: { tags, summary: 'Delete an unused custom role', params: NameParams, response: { 204: Type204(), ...ERROR_RESPONSES } } },
    async (request, reply) => {
      await access.deleteRole(callContext(request), request.params.name);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof ListBindingsQuery> }>(
    '/v1/bindings',
    { schema: { tags, summary: 'Role bindings (all, or one subject’s)', querystring: ListBindingsQuery, response: { 200: BindingList, ...ERROR_RESPONSES } } },
    async (request) => access.listBindings(callContext(request), request.query),
  );

  app.post<{ Body: Static<typeof CreateBindingBody> }>(
    '/v1/bindings',
    {
      schema: {
        tags,
        summary: 'Grant a role to a user, service account or group on a scope of keys (checked against separation of duties; tier-1 grants need approval)',
        body: CreateBindingBody,
        response: { 201: Binding, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => reply.code(201).send(await access.createBinding(callContext(request), request.body)),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/bindings/:id',
    { schema: { tags, summary: 'Remove a role binding', params: IdParams, response: { 204: Type204(), ...ERROR_RESPONSES } } },
    async (request, reply) => {
      await access.deleteBinding(callContext(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get('/v1/governance/settings', { schema: { tags, summary: 'Separation of duties, approvals, MFA, break-glass, review and login settings', response: { 200: Settings, ...ERROR_RESPONSES } } }, async (request) =>
    access.getSettings(callContext(request)),
  );

  app.patch<{ Body: Static<typeof SettingsPatch> }>(
    '/v1/governance/settings',
    { schema: { tags, summary: 'Change governance settings (a sensitive operation: approvals apply)', body: SettingsPatch, response: { 200: Settings, ...ERROR_RESPONSES } } },
    async (request) => {
      const { reason, ...patch } = request.body as Record<string, unknown> & { reason?: string };
      return access.updateSettings(callContext(request), patch, reason);
    },
  );
}

function Type204() {
  return { type: 'null', description: 'no content' };
}
