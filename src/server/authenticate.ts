import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { KeywardError } from '../core/errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { ServerEngine } from './route-deps.ts';

/**
 * Authenticates every request before its body is read: public routes get the anonymous principal,
 * every other route needs a live token (root or service). Unknown routes skip this and answer 404.
 */
export function installAuthentication(app: FastifyInstance, engine: ServerEngine): void {
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    if (request.routeOptions.config.public === true) {
      request.principal = anonymousPrincipal(request.ip);
      return;
    }
    request.principal = await engine.tokens.authenticate(presentedToken(request.headers), {
      source: request.ip,
      requestId: request.id,
      ...(request.correlationId !== null ? { correlationId: request.correlationId } : {}),
    });
  });
}

/** Who calls the unauthenticated routes (init, unseal): only what those routes need. */
export function anonymousPrincipal(ip: string): Principal {
  return { type: 'system', actor: `anonymous:${ip}`, permissions: ['sys.init', 'sys.unseal', 'sys.unseal-reset'] };
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The token from `Authorization: Bearer <token>`, else from `X-Keyward-Token`; null if neither is sent. */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) throw new KeywardError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    return match[1];
  }
  const header = headers['x-keyward-token'];
  if (header === undefined) return null;
  if (typeof header !== 'string' || header.length === 0) throw new KeywardError('unauthenticated', 'send exactly one X-Keyward-Token header');
  return header;
}
