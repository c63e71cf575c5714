import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { CreatedWebhook, CreateWebhookBody, Delivery, DeliveryList, ListDeliveriesQuery, ListWebhooksQuery, Webhook, WebhookList, WebhookParams } from '../schemas/events.ts';

const tags = ['webhooks'];
type Params = Static<typeof WebhookParams>;

/** Webhooks: create (the signing secret is shown once), list, describe, delete, test, delivery log. */
export function registerWebhookRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof CreateWebhookBody> }>(
    '/v1/webhooks',
    { schema: { tags, summary: 'Create a webhook: key events are POSTed to it, signed with the secret this answer shows once', body: CreateWebhookBody, response: { 201: CreatedWebhook, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { webhook, secret } = await engine.events.createWebhook(callContext(request), request.body);
      return reply.code(201).send({ secret, ...webhook });
    },
  );

  app.get<{ Querystring: Static<typeof ListWebhooksQuery> }>(
    '/v1/webhooks',
    { schema: { tags, summary: 'List webhooks by id', querystring: ListWebhooksQuery, response: { 200: WebhookList, ...ERROR_RESPONSES } } },
    async (request) => engine.events.listWebhooks(callContext(request), request.query),
  );

  app.get<{ Params: Params }>(
    '/v1/webhooks/:id',
    { schema: { tags, summary: 'Describe a webhook', params: WebhookParams, response: { 200: Webhook, ...ERROR_RESPONSES } } },
    async (request) => engine.events.describeWebhook(callContext(request), request.params.id),
  );

  app.post<{ Params: Params }>(
    '/v1/webhooks/:id/delete',
    { schema: { tags, summary: 'Delete a webhook; its pending deliveries are cancelled', params: WebhookParams, body: EmptyBody, response: { 200: Webhook, ...ERROR_RESPONSES } } },
    async (request) => engine.events.deleteWebhook(callContext(request), request.params.id),
  );

  app.post<{ Params: Params }>(
    '/v1/webhooks/:id/test',
    { schema: { tags, summary: 'Send a signed webhook.ping now and report what the receiver answered', params: WebhookParams, body: EmptyBody, response: { 200: Delivery, ...ERROR_RESPONSES } } },
    async (request) => engine.events.testWebhook(callContext(request), request.params.id),
  );

  app.get<{ Params: Params; Querystring: Static<typeof ListDeliveriesQuery> }>(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: "A webhook's delivery log in event order: every attempt with the receiver's status, duration and error",
        params: WebhookParams,
        querystring: ListDeliveriesQuery,
        response: { 200: DeliveryList, ...ERROR_RESPONSES },
      },
    },
    async (request) => engine.events.listDeliveries(callContext(request), request.params.id, request.query),
  );
}
