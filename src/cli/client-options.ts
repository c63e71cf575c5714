import { type Command, InvalidArgumentError, Option } from 'commander';
import { CORRELATION_ID } from '../server/limits.ts';
import { KeywardClient } from './http-client.ts';
import { Output } from './output.ts';

export const DEFAULT_ADDR = 'http://127.0.0.1:8200';

/** The options every command that talks to a server takes. */
export interface GlobalOptions {
  readonly addr: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly correlationId?: string;
}

/** What an action works with: a client for the server, where output goes, and its parsed options. */
export interface Session<O> {
  readonly client: KeywardClient;
  readonly out: Output;
  readonly options: O & GlobalOptions;
}

const GROUP = 'Connection and output options:';

/**
 * Adds --addr, --token, --json and --correlation-id to a command. They sit on every leaf command
 * (`keyward key list --json`), so they can follow the arguments as people type them.
 */
export function withClientOptions(command: Command): Command {
  return command
    .addOption(new Option('--addr <url>', 'server address').env('KEYWARD_ADDR').default(DEFAULT_ADDR).helpGroup(GROUP))
    .addOption(new Option('--token <token>', 'API token; prefer the env var (arguments are visible in ps)').env('KEYWARD_TOKEN').helpGroup(GROUP))
    .addOption(new Option('--json', "print the server's JSON answer as is (binary values base64)").helpGroup(GROUP))
    .addOption(new Option('--correlation-id <id>', 'sent as X-Correlation-Id; recorded in the audit entries').argParser(parseCorrelationId).helpGroup(GROUP));
}

/** The session of a command's action. `defaultCorrelationId` is used when the caller gave none. */
export function session<O extends object = object>(command: Command, defaultCorrelationId?: string): Session<O> {
  const options = command.opts<O & GlobalOptions>();
  const token = options.token?.trim() ? options.token.trim() : null;
  const client = new KeywardClient({ addr: options.addr, token, correlationId: options.correlationId ?? defaultCorrelationId ?? null });
  return { client, out: new Output(options.json === true), options };
}

function parseCorrelationId(text: string): string {
  if (!CORRELATION_ID.test(text)) throw new InvalidArgumentError('1–128 characters of A–Z a–z 0–9 . _ : -');
  return text;
}
