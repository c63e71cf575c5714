import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ScanReport } from '../../inventory/scanner/scan-types.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES, IsoTime, Nullable, OneOf, StrictObject } from '../schemas/common.ts';

const tags = ['inventory'];
const SCAN_BODY_LIMIT = 8 * 1024 * 1024;

const Finding = Type.Object({
  ruleId: Type.String({ minLength: 1, maxLength: 128 }),
  check: OneOf(['STO-01', 'STO-02', 'STO-03'] as const),
  severity: OneOf(['critical', 'high', 'medium', 'low'] as const),
  file: Type.String({ minLength: 1, maxLength: 4096 }),
  line: Type.Integer({ minimum: 1 }),
  fingerprint: Type.String({ pattern: '^[0-9a-f]{32,64}$' }),
  commit: Nullable(Type.Object({ id: Type.String({ maxLength: 64 }) })),
});

/** What `keyward scan --json` prints; fields the server does not keep (previews, columns, rules) may be present. */
const ScanBody = Type.Object({
  kind: OneOf(['directory', 'git-history'] as const),
  target: Type.String({ minLength: 1, maxLength: 4096 }),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  stats: Type.Object({ files: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }), commits: Type.Integer({ minimum: 0 }), suppressed: Type.Integer({ minimum: 0 }) }),
  findings: Type.Array(Finding, { maxItems: 10_000 }),
});

const ScanSummary = StrictObject({
  id: Type.String(),
  kind: Type.String(),
  target: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  uploadedAt: Type.String(),
  uploadedBy: Type.String(),
  stats: StrictObject({ files: Type.Integer(), bytes: Type.Integer(), commits: Type.Integer(), suppressed: Type.Integer() }),
  findingCount: Type.Integer(),
});

/** Secret-scan results for the audit (STO-01..03). */
export function registerScanRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof ScanBody> }>(
    '/v1/scans',
    {
      bodyLimit: SCAN_BODY_LIMIT,
      schema: { tags, summary: 'Record a secret-scan report (from keyward scan --upload) for the audit checks STO-01..03', body: ScanBody, response: { 201: ScanSummary, ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      const { findings, ...rest } = await engine.scans.record(callContext(request), request.body as unknown as ScanReport);
      return reply.code(201).send({ ...rest, findingCount: findings.length });
    },
  );

  app.get('/v1/scans', { schema: { tags, summary: 'Recorded secret scans (without their findings)', response: { 200: StrictObject({ scans: Type.Array(ScanSummary) }), ...ERROR_RESPONSES } } }, async (request) =>
    engine.scans.list(callContext(request)),
  );
}
