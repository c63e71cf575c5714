import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywardError } from '../core/errors.ts';
import type { CallContext, Principal } from '../auth/principal.ts';
import { CORRELATION_ID } from './limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication (onRequest) before any handler runs. */
    principal: Principal | null;
    /** The client's X-Correlation-Id, once validated. */
    correlationId: string | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a token (health, seal status, init, unseal). */
    public?: boolean;
  }
}

/** Adds the per-request facts: the request id header on every reply, and the client's correlation id. */
export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('correlationId', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const header = request.headers['x-correlation-id'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !CORRELATION_ID.test(header)) {
      throw new KeywardError('validation_failed', 'X-Correlation-Id must be 1–128 characters of A–Z a–z 0–9 . _ : -', { field: 'X-Correlation-Id' });
    }
    request.correlationId = header;
    reply.header('x-correlation-id', header);
  });
}

/** What the engine records about this request in its audit entry. */
export function callContext(request: FastifyRequest): CallContext {
  if (!request.principal) throw new KeywardError('internal', 'a request reached a handler without a principal');
  return {
    principal: request.principal,
    requestId: request.id,
    source: request.ip,
    ...(request.correlationId !== null ? { correlationId: request.correlationId } : {}),
  };
}
