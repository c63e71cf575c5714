import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { KeywardError } from '../../core/errors.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { IdentityView, LoginBody, LoginResult, TotpConfirmBody, TotpEnrollment, WhoAmI } from '../schemas/governance.ts';

const tags = ['auth'];

/** Login (password + TOTP, or client credentials), TOTP enrolment, and "who am I". */
export function registerAuthRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof LoginBody> }>(
    '/v1/auth/login',
    {
      config: { public: true },
      schema: { tags, summary: 'Log in: username + password (+ TOTP code), or clientId + clientSecret; returns a short-lived token', body: LoginBody, response: { 200: LoginResult, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const b = request.body;
      const meta = { source: request.ip, requestId: request.id, ...(request.correlationId !== null ? { correlationId: request.correlationId } : {}) };
      const ttl = b.ttlSeconds !== undefined ? { ttlSeconds: b.ttlSeconds } : {};
      if (b.clientId !== undefined || b.clientSecret !== undefined) {
        if (b.clientId === undefined || b.clientSecret === undefined || b.username !== undefined || b.password !== undefined) {
          throw new KeywardError('validation_failed', 'send clientId and clientSecret (service accounts), or username and password (people)', { field: 'body' });
        }
        return engine.governance.identities.loginClient(meta, { clientId: b.clientId, clientSecret: b.clientSecret, ...ttl });
      }
      if (b.username === undefined || b.password === undefined) throw new KeywardError('validation_failed', 'send username and password (people), or clientId and clientSecret (service accounts)', { field: 'body' });
      return engine.governance.identities.login(meta, { username: b.username, password: b.password, ...(b.totp !== undefined ? { totp: b.totp } : {}), ...ttl });
    },
  );

  app.get('/v1/auth/whoami', { schema: { tags, summary: 'Who the token speaks for, and its role bindings', response: { 200: WhoAmI, ...ERROR_RESPONSES } } }, async (request) =>
    engine.governance.identities.whoami(callContext(request)),
  );

  app.post(
    '/v1/auth/totp/enroll',
    { schema: { tags, summary: 'Start TOTP enrolment for yourself: the secret and an otpauth:// URI, shown once', body: EmptyBody, response: { 200: TotpEnrollment, ...ERROR_RESPONSES } } },
    async (request) => engine.governance.identities.enrollTotp(callContext(request)),
  );

  app.post<{ Body: Static<typeof TotpConfirmBody> }>(
    '/v1/auth/totp/confirm',
    { schema: { tags, summary: 'Confirm TOTP enrolment with a first code; logins need a code from then on', body: TotpConfirmBody, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => engine.governance.identities.confirmTotp(callContext(request), request.body.code),
  );
}
