import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fastify's request serializer logs neither headers nor bodies; these paths are redacted anyway, so
 * a later change to what is logged cannot put a token or plaintext into the log.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-keyward-token"]',
  'headers.authorization',
  'headers["x-keyward-token"]',
  '*.rootToken',
  '*.plaintext',
  '*.material',
  '*.share',
  '*.token',
];

export interface LoggerOptions {
  readonly level?: string;
  /** Where log lines go; stderr by default, so stdout stays free for the CLI's output. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ level: options.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } }, options.destination ?? pino.destination(2));
}
