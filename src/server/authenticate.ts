import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { KeywardError } from '../core/errors.ts';
import { anonymousPrincipal, type RootTokens } from './root-token.ts';

/**
 * Authenticates every request before its body is read: public routes get the anonymous principal,
 * every other route needs the root token. Unknown routes skip this and answer 404.
 */
export function installAuthentication(app: FastifyInstance, tokens: RootTokens): void {
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    if (request.routeOptions.config.public === true) {
      request.principal = anonymousPrincipal(request.ip);
      return;
    }
    request.principal = tokens.authenticate(presentedToken(request.headers));
  });
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
