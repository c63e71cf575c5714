import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import type { DiscoverResult, ImportResult } from '../../server/schemas/inventory.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { stderrProgress } from '../progress.ts';
import { readFileLimited, readStdin } from '../read-input.ts';

type Stats = Static<typeof ImportResult>['stats'];

interface DiscoverOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly account?: string;
  readonly mount?: string;
  readonly namespace?: string;
  readonly project?: string;
  readonly location?: string;
  readonly vault?: string;
  readonly name?: string;
  readonly timeout?: number;
  readonly allowInsecureHttp?: boolean;
  readonly tokenFile?: string;
  readonly serverCredentials?: boolean;
}

/** The provider a `discover` subcommand runs, and where its settings and token come from. */
interface Provider {
  readonly command: string;
  readonly connector: 'aws-kms' | 'vault' | 'gcp-kms' | 'azure-kv';
  readonly description: string;
  /** Environment variable that holds the token (not AWS). */
  readonly tokenEnv?: string;
  readonly options: (command: Command) => Command;
}

const PROVIDERS: readonly Provider[] = [
  {
    command: 'aws',
    connector: 'aws-kms',
    description: 'AWS KMS (or a KMS-compatible endpoint): keys, aliases, rotation, tags',
    options: (c) =>
      c
        .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'))
        .addOption(new Option('--endpoint <url>', 'a KMS-compatible endpoint instead of AWS').env('AWS_ENDPOINT_URL_KMS'))
        .option('--account <id>', 'the account id, for an account without keys (otherwise read from the key ARNs)')
        .option('--server-credentials', 'do not send AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: the server uses its own AWS identity'),
  },
  {
    command: 'vault',
    connector: 'vault',
    description: 'HashiCorp Vault / OpenBao transit keys (token: VAULT_TOKEN)',
    tokenEnv: 'VAULT_TOKEN',
    options: (c) =>
      c
        .addOption(new Option('--endpoint <url>', 'the Vault address').env('VAULT_ADDR'))
        .option('--mount <path>', 'the transit mount', 'transit')
        .addOption(new Option('--namespace <ns>', 'Vault Enterprise / OpenBao namespace').env('VAULT_NAMESPACE')),
  },
  {
    command: 'gcp',
    connector: 'gcp-kms',
    description: 'Google Cloud KMS keys of one project and location (token: GOOGLE_OAUTH_ACCESS_TOKEN)',
    tokenEnv: 'GOOGLE_OAUTH_ACCESS_TOKEN',
    options: (c) =>
      c
        .addOption(new Option('--project <id>', 'the GCP project').env('GOOGLE_CLOUD_PROJECT'))
        .option('--location <location>', 'the KMS location', 'global')
        .option('--endpoint <url>', 'API base URL (default https://cloudkms.googleapis.com)'),
  },
  {
    command: 'azure',
    connector: 'azure-kv',
    description: 'Azure Key Vault keys of one vault (token: AZURE_ACCESS_TOKEN)',
    tokenEnv: 'AZURE_ACCESS_TOKEN',
    options: (c) => c.addOption(new Option('--vault <url>', 'the vault URL, e.g. https://my-vault.vault.azure.net').env('AZURE_KEYVAULT_URL')),
  },
];

/** `keyward inventory discover aws|vault|gcp|azure`: run a connector on the server, with this shell's credentials. */
export function discoverCommand(): Command {
  const discover = new Command('discover').description('find the keys of a cloud KMS or Vault and reconcile them into the inventory');
  for (const provider of PROVIDERS) discover.addCommand(providerCommand(provider));
  return discover.addHelpText(
    'after',
    `
The server runs the discovery: it must reach the provider. Credentials are sent for this run only
and never stored. Keys no longer found are marked gone; keys found again return.`,
  );
}

function providerCommand(provider: Provider): Command {
  let command = new Command(provider.command).description(provider.description);
  command = provider.options(command)
    .option('--name <label>', 'replaces the generated part of the source name (to tell two clusters apart)')
    .option('--timeout <seconds>', 'per request to the provider (default 15)', integerIn(1, 120))
    .option('--allow-insecure-http', 'allow plain http beyond loopback (the credential crosses the network in clear)');
  if (provider.tokenEnv) command.option('--token-file <path>', `read the token from a file ("-": stdin) instead of ${provider.tokenEnv}`);
  return withClientOptions(command).action(async (_options, cmd: Command) => {
    const { client, out, options } = session<DiscoverOptions>(cmd);
    const body = {
      connector: provider.connector,
      ...definedOnly({
        endpoint: provider.connector === 'azure-kv' ? options.vault : options.endpoint,
        region: options.region ?? (provider.connector === 'aws-kms' ? process.env['AWS_DEFAULT_REGION'] : undefined),
        account: options.account,
        mount: options.mount,
        namespace: options.namespace,
        project: options.project,
        location: provider.connector === 'gcp-kms' ? options.location : undefined,
        name: options.name,
        timeoutSeconds: options.timeout,
        allowInsecureHttp: options.allowInsecureHttp ? true : undefined,
      }),
      ...(await credentials(provider, options)),
    };
    const progress = await stderrProgress({ json: out.json, format: `Discovering ${provider.command} keys… {value} s` });
    const started = Date.now();
    const tick = setInterval(() => progress.update(Math.round((Date.now() - started) / 1000)), 1000);
    let result: Static<typeof DiscoverResult>;
    try {
      result = await client.post<Static<typeof DiscoverResult>>('/v1/inventory/discover', body);
    } finally {
      clearInterval(tick);
      progress.stop();
    }
    out.result(result, () => (result.source === null ? 'No keys found, and the source is unknown (give --account to record an empty account).\n' : `Discovered ${result.stats.found} keys in ${result.source} (${(result.durationMs / 1000).toFixed(1)} s): ${statsText(result.stats)}.\n`));
    if (!out.json) for (const w of result.warnings) out.note(`warning: ${w}`);
  });
}

/** The run's credentials from the environment (or a token file); never from a flag's value, which `ps` shows. */
async function credentials(provider: Provider, options: DiscoverOptions): Promise<{ credentials?: Record<string, string> }> {
  if (provider.connector === 'aws-kms') {
    const accessKeyId = process.env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = process.env['AWS_SECRET_ACCESS_KEY'];
    if (options.serverCredentials || !accessKeyId || !secretAccessKey) return {};
    const sessionToken = process.env['AWS_SESSION_TOKEN'];
    return { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
  }
  let token: string | undefined;
  if (options.tokenFile !== undefined) {
    const limits = { what: 'token file', maxBytes: 16384 };
    const bytes = options.tokenFile === '-' ? await readStdin(limits) : readFileLimited(options.tokenFile, limits);
    token = bytes.toString('utf8').trim();
    bytes.fill(0);
  } else {
    token = provider.tokenEnv ? process.env[provider.tokenEnv]?.trim() : undefined;
  }
  if (!token) throw new CliError(`no token: set ${provider.tokenEnv ?? 'the token variable'} or give --token-file`, EXIT.usage);
  return { credentials: { token } };
}

/** `2 added, 1 updated, 0 unchanged, 1 gone`. */
export function statsText(stats: Stats): string {
  const parts = [`${stats.added} added`, `${stats.updated} updated`, `${stats.unchanged} unchanged`, `${stats.gone} gone`];
  if (stats.returned > 0) parts.push(`${stats.returned} returned`);
  return parts.join(', ');
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
