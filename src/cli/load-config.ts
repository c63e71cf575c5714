import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { configFromEnv, configFromFile, resolveConfig, type ConfigInput, type ConfigSources, type KeywardConfig } from '../core/config.ts';
import { CliError, EXIT } from './cli-error.ts';

/** The `keyward server` flags that are settings (as commander hands them over: strings, unparsed). */
export interface ConfigFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly host?: string;
  readonly port?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
  readonly logLevel?: string;
  readonly storage?: string;
  readonly databaseUrl?: string;
}

export interface LoadedConfig {
  readonly config: KeywardConfig;
  readonly sources: ConfigSources;
  /** The config file read, if any (as given). */
  readonly file: string | null;
}

const FLAGS: readonly (readonly [keyof ConfigFlags, ConfigInput['key'], string])[] = [
  ['dataDir', 'dataDir', '--data-dir'],
  ['host', 'listen.host', '--host'],
  ['port', 'listen.port', '--port'],
  ['tlsCert', 'tls.cert', '--tls-cert'],
  ['tlsKey', 'tls.key', '--tls-key'],
  ['insecure', 'insecure', '--insecure'],
  ['logLevel', 'log.level', '--log-level'],
  ['storage', 'storage', '--storage'],
  ['databaseUrl', 'databaseUrl', '--database-url'],
];

/**
 * Reads the configuration once, at start: the file named by `--config` (else KEYWARD_CONFIG), then
 * the environment, then the flags, each overriding the one before. Any problem is a usage error
 * (exit 2) listing every bad setting and where it came from.
 */
export function loadConfig(flags: ConfigFlags, env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const file = flags.config ?? (env['KEYWARD_CONFIG'] || null);
  const fromFile = file === null ? { inputs: [], problems: [] } : configFromFile(readConfigFile(file), `config file ${file}`);
  const fromFlags: ConfigInput[] = [];
  for (const [name, key, flag] of FLAGS) {
    const value = flags[name];
    if (value !== undefined) fromFlags.push({ key, value, source: `flag ${flag}` });
  }
  const result = resolveConfig({ file: fromFile.inputs, env: configFromEnv(env), flags: fromFlags });
  const problems = [...fromFile.problems, ...(result.ok ? [] : result.problems)];
  if (problems.length > 0 || !result.ok) {
    throw new CliError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`, EXIT.usage);
  }
  return { config: result.config, sources: result.sources, file };
}

/** YAML (which also reads JSON), or strict JSON for a `.json` file; unreadable or malformed files are usage errors. */
function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`config file ${path}: cannot read it (${errorText(err)})`, EXIT.usage);
  }
  try {
    return path.toLowerCase().endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (err) {
    throw new CliError(`config file ${path}: not valid ${path.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${errorText(err)}`, EXIT.usage);
  }
}

/** The certificate chain and private key, read once at start; the key is a Buffer so it can be zero-filled. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads the PEM files named by the config and checks they make a usable TLS context (a cert and
 * its matching key), so a bad file is a clear usage error at start rather than a failure later.
 */
export function readTlsFiles(tls: NonNullable<KeywardConfig['tls']>, sources: ConfigSources): TlsFiles {
  const read = (path: string, setting: 'tls.cert' | 'tls.key'): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CliError(`${sources[setting]}: cannot read ${setting} file ${path} (${errorText(err)})`, EXIT.usage);
    }
  };
  const cert = read(tls.cert, 'tls.cert');
  const key = read(tls.key, 'tls.key');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    key.fill(0);
    throw new CliError(`tls.cert ${tls.cert} and tls.key ${tls.key}: not a usable PEM certificate and matching private key (${errorText(err)})`, EXIT.usage);
  }
  return { cert, key };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
