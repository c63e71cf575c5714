import { Command } from 'commander';
import type { Logger } from 'pino';
import type { ConfigSources, KeywardConfig } from '../../core/config.ts';
import { KeywardError } from '../../core/errors.ts';
import { createLogger } from '../../server/logger.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { devBanner } from '../dev-banner.ts';
import { loadConfig, readTlsFiles, type ConfigFlags } from '../load-config.ts';
import { isLoopbackHost } from '../loopback.ts';
import type { ServerRuntime } from '../server-runtime.ts';

export interface ServerCommandOptions extends ConfigFlags {
  readonly dev?: boolean;
}

/**
 * `keyward server [--config FILE] [--dev] [--host H] [--port P] [--data-dir DIR] [--tls-cert F --tls-key F] [--insecure] [--log-level L] [--storage sqlite|postgres] [--database-url URL]`
 *
 * The flags carry no defaults of their own: the defaults live in core/config.ts, so a flag that
 * was not given cannot hide a value from the config file or the environment.
 */
export function serverCommand(): Command {
  return new Command('server')
    .description('run the Keyward server (settings: flags > KEYWARD_* env > config file > defaults; see docs/configuration.md)')
    .option('--config <file>', 'YAML or JSON config file (env KEYWARD_CONFIG)')
    .option('--dev', 'dev mode: temporary data, initialised and unsealed, root token printed')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; others need TLS or --insecure)')
    .option('--port <port>', 'port to listen on (default 8200; 0: any free port)')
    .option('--data-dir <dir>', 'where the database and checkpoint file live (default .keyward)')
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS (needs --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure', 'allow plain HTTP on a non-loopback address (tokens and plaintext cross the network unencrypted)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info; logs go to stderr)')
    .option('--storage <backend>', 'sqlite (default: a file under the data dir) or postgres (shared by several nodes; needs a database URL)')
    .option('--database-url <url>', 'postgres://… for --storage postgres (env KEYWARD_DATABASE_URL is safer: flags show in the process list)')
    .action(async (options: ServerCommandOptions) => runServer(options));
}

/** The composition root of a server process: reads the config once, builds everything, listens, and stops on a signal. */
export async function runServer(options: ServerCommandOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const { config, sources } = loadConfig(options, env);
  if (options.dev && sources.dataDir !== 'default') {
    throw new CliError(`--dev keeps its data in a new temporary directory; it cannot be combined with dataDir (set by ${sources.dataDir})`, EXIT.usage);
  }
  if (options.dev && config.storage.backend !== 'sqlite') {
    throw new CliError(`--dev uses a temporary SQLite database; it cannot be combined with storage ${config.storage.backend} (set by ${sources.storage})`, EXIT.usage);
  }
  const plainOnNetwork = checkListenAddress(config, sources);
  const tls = config.tls ? readTlsFiles(config.tls, sources) : null;
  const logger = createLogger({ level: config.log.level });
  // Loaded only now, so that a bad configuration (and `--help`) answers without loading the server stack.
  const { openDataDirRuntime, openDevRuntime } = await import('../server-runtime.ts');
  let runtime: ServerRuntime;
  try {
    runtime = options.dev ? await openDevRuntime(logger, { config, tls }) : await openDataDirRuntime(logger, { config, tls });
  } catch (err) {
    // Storage messages are Keyward's own and never hold the database URL.
    if (err instanceof KeywardError && err.code === 'storage_unavailable') throw new CliError(`cannot open the ${config.storage.backend} storage: ${err.message}`);
    throw err;
  }
  stopOnSignals(runtime, logger);
  let address: string;
  try {
    address = await runtime.app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await runtime.close();
    throw new CliError(`cannot listen on ${config.listen.host}:${config.listen.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (plainOnNetwork) process.stderr.write(insecureWarning(config.listen.host));
  process.stdout.write(runtime.dev ? devBanner({ address, ...runtime.dev }) : startupNotice(address, runtime, config));
}

/**
 * Plain HTTP only on loopback: elsewhere tokens and plaintext would cross the network readable,
 * so a non-loopback address needs TLS or an explicit `insecure`. True when that risk was accepted.
 */
function checkListenAddress(config: KeywardConfig, sources: ConfigSources): boolean {
  const host = config.listen.host;
  if (config.tls || isLoopbackHost(host)) return false;
  if (config.insecure) return true;
  throw new CliError(
    `refusing to listen on ${host} (listen.host from ${sources['listen.host']}) without TLS: tokens and plaintext would cross the network unencrypted. ` +
      'Give --tls-cert and --tls-key (or tls.cert/tls.key), or --insecure to accept the risk.',
    EXIT.usage,
  );
}

function insecureWarning(host: string): string {
  const rule = '!'.repeat(78);
  return [
    rule,
    `!! WARNING: listening on ${host} over plain HTTP (insecure mode).`,
    '!! Tokens, plaintext and key material cross the network unencrypted; anyone on the path',
    '!! can read them. Use --tls-cert and --tls-key for anything but a trusted test network.',
    rule,
    '',
  ].join('\n');
}

function startupNotice(address: string, runtime: ServerRuntime, config: KeywardConfig): string {
  const status = runtime.engine.sys.status();
  const next = !status.initialized
    ? 'not initialised: POST /v1/sys/init (the answer holds the unseal shares and the root token, once)'
    : status.sealed
      ? `sealed: POST /v1/sys/unseal with ${status.threshold ?? '?'} shares`
      : 'unsealed';
  const storage = config.storage.backend === 'postgres' ? `postgres, schema ${config.storage.schema ?? '(the connection default)'}` : 'sqlite';
  return `Keyward listening on ${address}\n  data: ${runtime.dataDir}\n  storage: ${storage}\n  state: ${next}\n`;
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (new requests on open
 * connections get 503), flush the audit log and close the store, exit 0. A second signal exits at
 * once with 1.
 */
function stopOnSignals(runtime: ServerRuntime, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      logger.flush();
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests, then flushing the audit log');
    runtime.close().then(
      () => {
        logger.info('shut down cleanly');
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
