import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';

/** The package version, read once (the same relative path works from src/ and from dist/). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Collects every route's schema into an OpenAPI document; must be registered before the routes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Keyward', description: 'Key management: keys, cryptographic operations, seal, audit log.', version: packageVersion() },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <token>' },
          keywardToken: { type: 'apiKey', in: 'header', name: 'X-Keyward-Token' },
        },
      },
      security: [{ bearer: [] }, { keywardToken: [] }],
      tags: [
        { name: 'sys', description: 'initialisation, seal, health' },
        { name: 'keys', description: 'key management' },
        { name: 'crypto', description: 'cryptographic operations' },
        { name: 'audit', description: 'the hash-chained audit log' },
      ],
    },
  });
}

/** GET /v1/openapi.json: the document, built from the routes' own schemas. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/v1/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(app.swagger()));
}
