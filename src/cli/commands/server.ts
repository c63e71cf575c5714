import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { createLogger } from '../../server/logger.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { devBanner } from '../dev-banner.ts';
import { isLoopbackHost } from '../loopback.ts';
import { openDataDirRuntime, openDevRuntime, type ServerRuntime } from '../server-runtime.ts';

export interface ServerCommandOptions {
  readonly dev?: boolean;
  readonly host: string;
  readonly port: number;
  readonly dataDir?: string;
  readonly logLevel: string;
}

const DEFAULT_DATA_DIR = '.keyward';

/** `keyward server [--dev] [--host 127.0.0.1] [--port 8200] [--data-dir DIR]` */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the Keyward server')
    .option('--dev', 'dev mode: temporary data, initialised and unsealed, root token printed')
    .option('--host <host>', 'address to listen on (loopback only until TLS lands)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8200)
    .option('--data-dir <dir>', `where the database and checkpoint file live (default: ${DEFAULT_DATA_DIR})`)
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'))
    .action(async (options: ServerCommandOptions) => runServer(options));
}

export async function runServer(options: ServerCommandOptions): Promise<void> {
  if (!isLoopbackHost(options.host)) {
    throw new CliError(
      `refusing to listen on ${options.host}: only loopback addresses (127.0.0.1, ::1, localhost) are allowed until TLS support lands, because tokens and plaintext would cross the network unencrypted`,
      EXIT.usage,
    );
  }
  if (options.dev && options.dataDir !== undefined) {
    throw new CliError('--dev keeps its data in a new temporary directory; it cannot be combined with --data-dir', EXIT.usage);
  }
  const logger = createLogger({ level: options.logLevel });
  const runtime = options.dev ? await openDevRuntime(logger) : await openDataDirRuntime(options.dataDir ?? DEFAULT_DATA_DIR, logger);
  stopOnSignals(runtime, logger);
  let address: string;
  try {
    address = await runtime.app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await runtime.close();
    throw new CliError(`cannot listen on ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.stdout.write(runtime.dev ? devBanner({ address, ...runtime.dev }) : startupNotice(address, runtime));
}

function startupNotice(address: string, runtime: ServerRuntime): string {
  const status = runtime.engine.sys.status();
  const next = !status.initialized
    ? 'not initialised: POST /v1/sys/init (the answer holds the unseal shares and the root token, once)'
    : status.sealed
      ? `sealed: POST /v1/sys/unseal with ${status.threshold ?? '?'} shares`
      : 'unsealed';
  return `Keyward listening on ${address}\n  data: ${runtime.dataDir}\n  state: ${next}\n`;
}

/** SIGTERM/SIGINT: stop accepting, drain in-flight requests, flush the audit log, exit 0. A second signal exits at once. */
function stopOnSignals(runtime: ServerRuntime, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    runtime.close().then(
      () => {
        logger.flush();
        process.exit(EXIT.ok);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(EXIT.failure);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return port;
}
