import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../core/ids.ts';
import { installAuthentication } from './authenticate.ts';
import { sendError, sendNotFound } from './errors.ts';
import { BODY_LIMIT_BYTES } from './limits.ts';
import { installMetrics, type ServerMetrics } from './metrics.ts';
import { registerOpenApi, registerOpenApiRoute } from './openapi.ts';
import { installRequestContext } from './request-context.ts';
import type { ServerEngine } from './route-deps.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerCryptoRoutes } from './routes/crypto.ts';
import { registerKeyRoutes } from './routes/keys.ts';
import { registerSysRoutes } from './routes/sys.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerIdentityRoutes } from './routes/identities.ts';
import { registerAccessRoutes } from './routes/access.ts';
import { registerApprovalRoutes } from './routes/approvals.ts';
import { registerScanRoutes } from './routes/scans.ts';
import { registerPolicyRoutes } from './routes/policy.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { registerBackupRoutes } from './routes/backups.ts';
import { registerLifecycleRoutes } from './routes/lifecycle.ts';
import { registerAuditRunRoutes } from './routes/audit-runs.ts';
import { registerInventoryRoutes } from './routes/inventory.ts';
import { compileValidator } from './validation.ts';

export interface ServerOptions {
  readonly engine: ServerEngine;
  /** A pino logger (see createLogger); without one the server logs nothing. */
  readonly logger?: FastifyBaseLogger;
  /** Serve GET /metrics and observe requests (see metrics.ts); null or absent: no metrics. */
  readonly metrics?: ServerMetrics | null;
  /** PEM certificate chain and private key: serve HTTPS. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer } | null;
}

/** Longest path segment the router matches: key names are at most 128 characters. */
const MAX_PARAM_LENGTH = 256;

/**
 * The HTTP API over an Engine: every route has TypeBox schemas for its input and its output, every
 * error has the `{"error":{code,message,requestId}}` shape, every request is authenticated before
 * its body is read. The caller listens and closes.
 *
 * @example
 * const app = await buildServer({ engine, logger: createLogger() });
 * await app.listen({ host: '127.0.0.1', port: 8200 });
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Request ids are ours: a client cannot choose the id its audit entry is filed under.
    genReqId: () => newId('req'),
    requestIdHeader: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error, request, reply) => void sendError(error, request, reply),
    ...(options.https ? { https: options.https } : {}),
  });
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(compileValidator);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendNotFound(request, reply));
  installRequestContext(app);
  installAuthentication(app, options.engine);
  if (options.metrics) installMetrics(app, options.metrics, options.engine);

  await registerOpenApi(app);
  const deps = { engine: options.engine };
  registerSysRoutes(app, deps);
  registerKeyRoutes(app, deps);
  registerCryptoRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerIdentityRoutes(app, deps);
  registerAccessRoutes(app, deps);
  registerApprovalRoutes(app, deps);
  registerScanRoutes(app, deps);
  registerPolicyRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerLifecycleRoutes(app, deps);
  registerAuditRunRoutes(app, deps);
  registerInventoryRoutes(app, deps);
  registerOpenApiRoute(app);
  return app;
}
