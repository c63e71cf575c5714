import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { decodeBase64 } from '../binary.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { AuditPage, AuditQuery, CheckpointResult, ExportQuery, HashValueBody, HashValueResult, VerifyAuditBody, VerifyReport } from '../schemas/audit.ts';

const tags = ['audit'];

/** Reading, verifying and exporting the audit log. Every call here is itself audited by the engine. */
export function registerAuditRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/v1/audit',
    { schema: { tags, summary: 'Search audit entries (oldest or newest first), with keyset pagination', querystring: AuditQuery, response: { 200: AuditPage, ...ERROR_RESPONSES } } },
    async (request) => {
      const { key, after, before, order, ...rest } = request.query;
      return engine.audit.query(callContext(request), {
        ...rest,
        ...(key !== undefined ? { key } : {}),
        ...(after !== undefined ? { afterSeq: after } : {}),
        ...(before !== undefined ? { beforeSeq: before } : {}),
        ...(order === 'desc' ? { descending: true } : {}),
      });
    },
  );

  app.post<{ Body: Static<typeof VerifyAuditBody> }>(
    '/v1/audit/verify',
    { schema: { tags, summary: 'Walk the hash chain and check the signed checkpoints', body: VerifyAuditBody, response: { 200: VerifyReport, ...ERROR_RESPONSES } } },
    async (request) => engine.audit.verify(callContext(request), request.body.trusted ? { trusted: request.body.trusted } : {}),
  );

  app.get<{ Querystring: Static<typeof ExportQuery> }>(
    '/v1/audit/export',
    {
      schema: {
        tags,
        summary: 'The whole log as JSON Lines (one entry a line, in sequence order), streamed',
        querystring: ExportQuery,
        response: { 200: { description: 'one audit entry (JSON) per line', content: { 'application/x-ndjson': { schema: Type.String() } } }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const lines = engine.audit.export(callContext(request), request.query.from ?? 1);
      // The first step authorises and audits the export, so a refusal is still a JSON error, not a broken stream.
      const first = await lines.next();
      return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(resume(first, lines)));
    },
  );

  app.post(
    '/v1/audit/checkpoint',
    { schema: { tags, summary: 'Sign and store a checkpoint of the current head now', body: EmptyBody, response: { 200: CheckpointResult, ...ERROR_RESPONSES } } },
    async (request) => ({ checkpoint: await engine.audit.checkpoint(callContext(request)) }),
  );

  app.post<{ Body: Static<typeof HashValueBody> }>(
    '/v1/audit/hash-value',
    { schema: { tags, summary: 'The keyed HMAC audit entries hold for a value, to search for it', body: HashValueBody, response: { 200: HashValueResult, ...ERROR_RESPONSES } } },
    async (request) => {
      const value = decodeBase64(request.body.value);
      try {
        return { hmac: await engine.audit.hashValue(callContext(request), value) };
      } finally {
        value.fill(0);
      }
    },
  );
}

async function* resume(first: IteratorResult<string>, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}
