import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { EmptyBody, ERROR_RESPONSES } from '../schemas/common.ts';
import { BackupInfo, BackupList, DrillBody, DrillList, DrillRecord, ListQuery } from '../schemas/backups.ts';

const tags = ['backups'];

/**
 * Backups (encrypted, signed snapshots of the whole instance) and disaster-recovery drills. The
 * engine authorises, records and audits each call; these routes only move bytes and JSON.
 */
export function registerBackupRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post(
    '/v1/backups',
    { schema: { tags, summary: "Take a backup into the server's backup directory", body: EmptyBody, response: { 201: BackupInfo, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.code(201).send(await engine.backups.create(callContext(request))),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/backups',
    { schema: { tags, summary: 'Backups taken (newest first) and the latest DR drill', querystring: ListQuery, response: { 200: BackupList, ...ERROR_RESPONSES } } },
    async (request) => engine.backups.list(callContext(request), request.query),
  );

  // A GET like Vault's `GET /sys/storage/raft/snapshot`: the answer is the instance's state now, as
  // a file. It is still recorded and audited (backup.create), and never cached.
  app.get(
    '/v1/backups/snapshot',
    {
      schema: {
        tags,
        summary: 'Take a backup and stream it (the server keeps no copy)',
        response: { 200: { description: 'the backup file (docs/backup-and-recovery.md)', content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { info, path, dispose } = await engine.backups.snapshot(callContext(request));
      const file = createReadStream(path);
      let disposed = false;
      const cleanUp = (): void => {
        if (disposed) return;
        disposed = true;
        file.destroy();
        void dispose().catch((err: unknown) => request.log.warn({ err }, 'a temporary backup file could not be removed'));
      };
      file.once('close', cleanUp);
      reply.raw.once('close', cleanUp);
      return reply
        .type('application/octet-stream')
        .header('content-length', info.sizeBytes)
        .header('content-disposition', `attachment; filename="${info.id}.kwbackup"`)
        .header('cache-control', 'no-store')
        .header('x-keyward-backup-id', info.id)
        .header('x-keyward-backup-sha256', info.sha256)
        .send(file);
    },
  );

  app.post<{ Body: Static<typeof DrillBody> }>(
    '/v1/dr/drills',
    {
      schema: {
        tags,
        summary: 'Run a disaster-recovery drill: restore a backup into a scratch instance, unseal it, verify its audit chain, decrypt the recorded samples',
        body: DrillBody,
        response: { 200: DrillRecord, ...ERROR_RESPONSES },
      },
    },
    async (request) => engine.backups.drill(callContext(request), request.body),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/dr/drills',
    { schema: { tags, summary: 'DR drill reports, newest first', querystring: ListQuery, response: { 200: DrillList, ...ERROR_RESPONSES } } },
    async (request) => ({ drills: await engine.backups.drills(callContext(request), request.query) }),
  );
}
