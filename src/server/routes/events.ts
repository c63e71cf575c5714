import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { KeywardError } from '../../core/errors.ts';
import type { EventStream } from '../../engine/events-service.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import { EventsQuery } from '../schemas/events.ts';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/**
 * A stream ends after this long and the client reconnects (EventSource does so by itself, with
 * Last-Event-ID, losing nothing): the reconnection authenticates the token again, so a revoked
 * or expired token stops receiving events within this time.
 */
const STREAM_LIFETIME_MS = 15 * 60_000;
/** What EventSource waits before reconnecting (the `retry:` field). */
const RECONNECT_MS = 2000;
/** `Last-Event-ID` as this server sends it (`<seq>`), or an event id (`evt_<seq>`). */
const LAST_EVENT_ID = /^(?:evt_)?(\d{1,15})$/;

/**
 * GET /v1/events: key events as Server-Sent Events (`id: <seq>`, `event: <type>`, `data: <json>`).
 * Resumes after `Last-Event-ID` (or `?after=`) by replaying from the audit log, then goes live.
 * Open streams end when the server closes, so a graceful shutdown does not wait on them.
 */
export function registerEventRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  const open = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const stream of open) stream.close();
  });

  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Key events as a Server-Sent Events stream; resumes after Last-Event-ID',
        querystring: EventsQuery,
        response: {
          200: { description: 'text/event-stream: `id: <seq>`, `event: <type>`, `data: <event JSON>`; a comment every 15 s', content: { 'text/event-stream': { schema: Type.String() } } },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { types, key } = request.query;
      const after = lastEventId(request.headers['last-event-id']) ?? request.query.after;
      const stream = await engine.events.subscribe(callContext(request), {
        ...(types !== undefined ? { types: types.split(',').map((t) => t.trim()).filter((t) => t !== '') } : {}),
        ...(key !== undefined ? { key } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      open.add(stream);
      reply.raw.on('close', () => {
        stream.close();
        open.delete(stream);
      });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        // The connection ends with the stream: a shutdown calls closeIdleConnections only once, at
        // its start, so a keep-alive connection that went idle after its stream ended would hold
        // the shutdown up until the keep-alive timeout.
        .header('connection', 'close')
        .send(Readable.from(serverSentEvents(stream, performance.now() + STREAM_LIFETIME_MS)));
    },
  );
}

async function* serverSentEvents(stream: EventStream, until: number): AsyncGenerator<string> {
  try {
    // Sent at once, so the client knows the stream is open (and from where) before any event.
    yield `retry: ${RECONNECT_MS}\n: events after ${stream.startedAfter}\n\n`;
    for (;;) {
      const left = until - performance.now();
      if (left <= 0) return;
      const next = await stream.next(Math.min(HEARTBEAT_MS, left));
      if (next === 'closed') return;
      if (next === 'idle') yield ': keep-alive\n\n';
      // JSON text has no raw newlines, so the event is one data line.
      else yield `id: ${next.seq}\nevent: ${next.type}\ndata: ${JSON.stringify(next)}\n\n`;
    }
  } finally {
    stream.close();
  }
}

function lastEventId(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = typeof header === 'string' ? LAST_EVENT_ID.exec(header.trim()) : null;
  if (!match) throw new KeywardError('validation_failed', 'Last-Event-ID must be the id of an event this stream sent', { field: 'Last-Event-ID' });
  return Number(match[1]);
}
