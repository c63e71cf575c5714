import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KeywardError, toKeywardError, type ErrorCode } from '../core/errors.ts';
import { HTTP_STATUS } from '../core/error-status.ts';
import { BODY_LIMIT_BYTES } from './limits.ts';

/** The body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly requestId: string; readonly details?: Readonly<Record<string, string | number | boolean | null>> };
}

/**
 * Codes whose details are part of the answer (ids and rule names, never secrets): the approval
 * request made instead, the separation-of-duties rule, when to retry a login, the policy rule.
 */
const PUBLIC_DETAILS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['approval_required', 'sod_violation', 'too_many_attempts', 'policy_violation', 'retention_active']);

const INTERNAL_MESSAGE = 'internal error; the request id finds it in the server log';

/**
 * Turns anything thrown while handling a request into `{"error":{code,message,requestId}}` with
 * the status from the one table (core/error-status.ts). Fastify's own refusals of a request
 * (unreadable JSON, wrong content type, body too large, bad URL) become `validation_failed` or
 * `payload_too_large`; anything unknown becomes a generic `internal`, with the original only logged.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = fromFrameworkError(error) ?? toKeywardError(error);
  const status = HTTP_STATUS[e.code];
  if (status >= 500 && e.code !== 'sealed') {
    // Bugs and failed dependencies (audit log, storage): the operator needs the original error.
    request.log.error({ err: e.cause ?? e, code: e.code }, 'request failed');
  } else {
    request.log.info({ code: e.code, status }, e.message);
  }
  const details = PUBLIC_DETAILS.has(e.code) ? { details: e.details } : {};
  const body: ErrorBody = { error: { code: e.code, message: e.code === 'internal' ? INTERNAL_MESSAGE : e.message, requestId: request.id, ...details } };
  return reply.header('x-request-id', request.id).code(status).type('application/json; charset=utf-8').send(body);
}

export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0]?.slice(0, 200) ?? '';
  return sendError(new KeywardError('not_found', `no route ${request.method} ${path}`), request, reply);
}

/** Fastify's errors are recognised by code; any other error is not trusted to describe itself. */
function fromFrameworkError(error: unknown): KeywardError | null {
  if (!hasCode(error)) return null;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KeywardError('payload_too_large', `the request body is larger than ${BODY_LIMIT_BYTES} bytes; encrypt large data with a data key`, { limit: BODY_LIMIT_BYTES });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KeywardError('validation_failed', 'unsupported content type: send application/json', { field: 'content-type' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new KeywardError('validation_failed', 'the request body is not valid JSON', { field: 'body' });
    case 'FST_ERR_VALIDATION':
      return new KeywardError('validation_failed', error.message);
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new KeywardError('validation_failed', 'the URL is malformed or a path segment is too long', { field: 'url' });
  }
  // Other refusals of the request itself (bad content length, proto poisoning…): a client error.
  if (error.code.startsWith('FST_') && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new KeywardError('validation_failed', error.message);
  }
  return null;
}

/** Fastify's errors carry a string `code` (so do Node's system errors, which fall through to `internal`). */
function hasCode(error: unknown): error is FastifyError & { code: string } {
  return error instanceof Error && !(error instanceof KeywardError) && typeof (error as { code?: unknown }).code === 'string';
}
