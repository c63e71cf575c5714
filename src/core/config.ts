/**
 * The server's configuration: every setting, its default, its environment variable and how it is
 * validated. Pure: the CLI reads the file, the environment and the flags and hands them in
 * (cli/load-config.ts); this file says what they mean. Precedence: flags > env > file > defaults.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration, deeply frozen; read once by the composition root. */
export interface KeywardConfig {
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** PEM files; null serves plain HTTP (loopback only, unless `insecure`). */
  readonly tls: { readonly cert: string; readonly key: string } | null;
  /** Allows plain HTTP on a non-loopback address. */
  readonly insecure: boolean;
  readonly log: { readonly level: LogLevel };
  readonly tokens: { readonly defaultTtlSeconds: number; readonly maxTtlSeconds: number };
  readonly audit: { readonly checkpointEvery: number; readonly checkpointIntervalMs: number };
  readonly metrics: { readonly enabled: boolean };
  readonly storage: StorageConfig;
  /** How often a node tries to take (or confirms it holds) the scheduler lease. */
  readonly scheduler: { readonly intervalMs: number };
  /** Server-side backups: where (null: none kept on the server), how often (null: never), how many kept. */
  readonly backups: { readonly dir: string | null; readonly intervalMs: number | null; readonly retain: number };
  /** Scheduled audit runs (null: none). */
  readonly auditRuns: { readonly intervalMs: number | null };
  /** How often the leader looks for keys due for rotation or destruction. */
  readonly lifecycle: { readonly intervalMs: number };
  /** Plain-HTTP webhooks to loopback receivers (local testing only). */
  readonly webhooks: { readonly allowInsecure: boolean };
}

export const STORAGE_BACKENDS = ['sqlite', 'postgres'] as const;

/** SQLite under `dataDir`, or a PostgreSQL database shared by every node of a cluster. */
export type StorageConfig =
  | { readonly backend: 'sqlite' }
  | {
      readonly backend: 'postgres';
      readonly databaseUrl: SecretText;
      /** Null: the connection's default schema (normally `public`). */
      readonly schema: string | null;
      readonly pool: {
        readonly max: number;
        readonly connectionTimeoutMs: number;
        readonly idleTimeoutMs: number;
        readonly statementTimeoutMs: number;
        readonly idleInTransactionTimeoutMs: number;
      };
    };

/**
 * A setting that may hold a password (the database URL). It shows as `[redacted]` wherever it is
 * printed — string conversion, JSON (so a logged config object), util.inspect — and hands its
 * value over only through `reveal()`, at the one place that connects.
 */
export class SecretText {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** The type of each setting once parsed; the keys are the dotted paths of the config file. */
interface SettingTypes {
  dataDir: string;
  'listen.host': string;
  'listen.port': number;
  'tls.cert': string | null;
  'tls.key': string | null;
  insecure: boolean;
  'log.level': LogLevel;
  'tokens.defaultTtl': number;
  'tokens.maxTtl': number;
  'audit.checkpointEvery': number;
  'audit.checkpointInterval': number;
  'metrics.enabled': boolean;
  storage: (typeof STORAGE_BACKENDS)[number];
  databaseUrl: string | null;
  'postgres.schema': string | null;
  'postgres.poolMax': number;
  'postgres.connectionTimeout': number;
  'postgres.idleTimeout': number;
  'postgres.statementTimeout': number;
  'postgres.idleInTransactionTimeout': number;
  'scheduler.interval': number;
  'backups.dir': string | null;
  'backups.interval': number | null;
  'backups.retain': number;
  'auditRuns.interval': number | null;
  'lifecycle.interval': number;
  'webhooks.allowInsecure': boolean;
}

export type ConfigKey = keyof SettingTypes;

/** One value for one setting, and where it came from ("config file keyward.yaml", "env KEYWARD_PORT", "flag --port"). */
export interface ConfigInput {
  readonly key: ConfigKey;
  readonly value: unknown;
  readonly source: string;
}

/** The inputs by layer; a later layer wins: defaults < file < env < flags. */
export interface ConfigLayers {
  readonly file?: readonly ConfigInput[];
  readonly env?: readonly ConfigInput[];
  readonly flags?: readonly ConfigInput[];
}

/** Where each setting's effective value came from ("default" when nobody set it). */
export type ConfigSources = Readonly<Record<ConfigKey, string>>;

export type ConfigResult =
  | { readonly ok: true; readonly config: KeywardConfig; readonly sources: ConfigSources }
  | { readonly ok: false; readonly problems: readonly string[] };

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

interface Setting<T> {
  readonly fallback: T;
  readonly parse: (value: unknown) => Parsed<T>;
  /** Never shown in a message, not even the bad value (it may hold a password). */
  readonly secret?: boolean;
}

/** Token TTLs and checkpoint intervals above this are mistakes (and would overflow timers). */
const MAX_DURATION_SECONDS = 10 * 365 * 24 * 3600;
/** More entries than this between checkpoints leaves too long a tail unanchored. */
const MAX_CHECKPOINT_EVERY = 1_000_000;
/** Connections per node: at least 2 (a reader is always left while transactions run); beyond 1000 is a typo. */
const MAX_POOL = 1000;
const DAY_MS = 86_400_000;

const SETTINGS: { readonly [K in ConfigKey]: Setting<SettingTypes[K]> } = {
  dataDir: { fallback: '.keyward', parse: text('a directory path') },
  'listen.host': { fallback: '127.0.0.1', parse: host },
  'listen.port': { fallback: 8200, parse: integer(0, 65535) },
  'tls.cert': { fallback: null, parse: text('a path to a PEM file') },
  'tls.key': { fallback: null, parse: text('a path to a PEM file') },
  insecure: { fallback: false, parse: boolean },
  'log.level': { fallback: 'info', parse: oneOf(LOG_LEVELS) },
  'tokens.defaultTtl': { fallback: 3600, parse: duration },
  'tokens.maxTtl': { fallback: 768 * 3600, parse: duration },
  'audit.checkpointEvery': { fallback: 1000, parse: integer(1, MAX_CHECKPOINT_EVERY) },
  'audit.checkpointInterval': { fallback: 60, parse: duration },
  'metrics.enabled': { fallback: true, parse: boolean },
  storage: { fallback: 'sqlite', parse: oneOf(STORAGE_BACKENDS) },
  databaseUrl: { fallback: null, parse: postgresUrl, secret: true },
  'postgres.schema': { fallback: null, parse: schemaName },
  'postgres.poolMax': { fallback: 10, parse: integer(2, MAX_POOL) },
  'postgres.connectionTimeout': { fallback: 5_000, parse: millis(100, 600_000) },
  'postgres.idleTimeout': { fallback: 30_000, parse: millis(100, DAY_MS) },
  'postgres.statementTimeout': { fallback: 30_000, parse: millis(100, DAY_MS) },
  'postgres.idleInTransactionTimeout': { fallback: 60_000, parse: millis(100, DAY_MS) },
  'scheduler.interval': { fallback: 2_000, parse: millis(100, 3_600_000) },
  'backups.dir': { fallback: null, parse: text('a directory path') },
  'backups.interval': { fallback: 86_400, parse: durationOrOff },
  'backups.retain': { fallback: 7, parse: integer(1, 1000) },
  'auditRuns.interval': { fallback: 86_400, parse: durationOrOff },
  'lifecycle.interval': { fallback: 60_000, parse: millis(1_000, DAY_MS) },
  'webhooks.allowInsecure': { fallback: false, parse: boolean },
};

/** Every setting's file key (dotted path), in documentation order. */
export const CONFIG_KEYS = Object.keys(SETTINGS) as readonly ConfigKey[];

/**
 * Environment variables and the setting each sets. Where two name one setting the later wins
 * (KEYWARD_LISTEN_HOST over KEYWARD_HOST).
 */
export const CONFIG_ENV: readonly (readonly [string, ConfigKey])[] = [
  ['KEYWARD_DATA_DIR', 'dataDir'],
  ['KEYWARD_HOST', 'listen.host'],
  ['KEYWARD_LISTEN_HOST', 'listen.host'],
  ['KEYWARD_PORT', 'listen.port'],
  ['KEYWARD_TLS_CERT', 'tls.cert'],
  ['KEYWARD_TLS_KEY', 'tls.key'],
  ['KEYWARD_LOG_LEVEL', 'log.level'],
  ['KEYWARD_STORAGE', 'storage'],
  ['KEYWARD_DATABASE_URL', 'databaseUrl'],
];

/** The environment's inputs; an empty variable counts as unset. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ConfigInput[] {
  const inputs: ConfigInput[] = [];
  for (const [name, key] of CONFIG_ENV) {
    const value = env[name];
    if (value !== undefined && value !== '') inputs.push({ key, value, source: `env ${name}` });
  }
  return inputs;
}

/**
 * Flattens a parsed config file (YAML or JSON) into inputs. Unknown keys are problems, so a typo
 * cannot silently leave a setting at its default. A null value counts as unset.
 */
export function configFromFile(tree: unknown, source: string): { inputs: ConfigInput[]; problems: string[] } {
  const inputs: ConfigInput[] = [];
  const problems: string[] = [];
  if (tree === null || tree === undefined) return { inputs, problems };
  if (!isMapping(tree)) return { inputs, problems: [`${source}: the top level must be a mapping of settings (got ${describe(tree)})`] };
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(node)) {
      const path = `${prefix}${name}`;
      if (value === null) continue;
      if (isConfigKey(path)) {
        inputs.push({ key: path, value, source });
      } else if (isGroup(path)) {
        if (isMapping(value)) walk(value, `${path}.`);
        else problems.push(`${source}: ${path} must be a mapping with ${groupKeys(path).join(', ')} (got ${describe(value)})`);
      } else {
        problems.push(`${source}: unknown setting "${path}"${suggestion(path)}`);
      }
    }
  };
  walk(tree, '');
  return { inputs, problems };
}

/**
 * Validates every input (even those a higher layer overrides: a bad value anywhere is a latent
 * mistake) and builds the frozen configuration. Problems name the setting and where it came from.
 *
 * @example
 * const result = resolveConfig({ file: configFromFile(YAML.parse(text), 'config file keyward.yaml').inputs, env: configFromEnv(process.env) });
 * if (!result.ok) throw new Error(result.problems.join('\n'));
 */
export function resolveConfig(layers: ConfigLayers): ConfigResult {
  const problems: string[] = [];
  const values = new Map<ConfigKey, unknown>();
  /** Settings given a bad value somewhere: already reported, so not checked against others. */
  const refused = new Set<ConfigKey>();
  const sources = Object.fromEntries(CONFIG_KEYS.map((k) => [k, 'default'])) as Record<ConfigKey, string>;
  for (const input of [...(layers.file ?? []), ...(layers.env ?? []), ...(layers.flags ?? [])]) {
    const parsed = SETTINGS[input.key].parse(input.value);
    if (!parsed.ok) {
      const got = SETTINGS[input.key].secret ? 'a value not shown here, as it may hold a password' : describe(input.value);
      problems.push(`${input.source}: ${input.key} must be ${parsed.expected} (got ${got})`);
      refused.add(input.key);
      continue;
    }
    values.set(input.key, parsed.value);
    sources[input.key] = input.source;
  }
  const get = <K extends ConfigKey>(key: K): SettingTypes[K] => (values.has(key) ? (values.get(key) as SettingTypes[K]) : SETTINGS[key].fallback);

  const cert = get('tls.cert');
  const key = get('tls.key');
  if ((cert === null) !== (key === null)) {
    const [given, missing] = cert === null ? (['tls.key', 'tls.cert'] as const) : (['tls.cert', 'tls.key'] as const);
    problems.push(`${sources[given]}: ${given} is set but ${missing} is not; give both PEM files (certificate and private key) or neither`);
  }
  const defaultTtl = get('tokens.defaultTtl');
  const maxTtl = get('tokens.maxTtl');
  if (defaultTtl > maxTtl) {
    problems.push(
      `${sources['tokens.defaultTtl']}: tokens.defaultTtl (${formatDuration(defaultTtl)}) must not exceed tokens.maxTtl (${formatDuration(maxTtl)}, from ${sources['tokens.maxTtl']})`,
    );
  }
  const storage = get('storage');
  const databaseUrl = get('databaseUrl');
  if (storage === 'postgres' && databaseUrl === null && !refused.has('databaseUrl')) {
    problems.push(`${sources.storage}: storage is postgres but databaseUrl is not set; give it with KEYWARD_DATABASE_URL, --database-url or databaseUrl in the config file`);
  }
  if (storage !== 'postgres' && !refused.has('storage')) {
    // Silently running on a local SQLite file while the operator meant the shared database would be worse than refusing.
    for (const key of CONFIG_KEYS.filter((k) => k === 'databaseUrl' || k.startsWith('postgres.'))) {
      if (sources[key] !== 'default') problems.push(`${sources[key]}: ${key} is set but storage is ${storage} (from ${sources.storage}); set storage to postgres, or remove ${key}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const config: KeywardConfig = {
    dataDir: get('dataDir'),
    listen: { host: get('listen.host'), port: get('listen.port') },
    tls: cert !== null && key !== null ? { cert, key } : null,
    insecure: get('insecure'),
    log: { level: get('log.level') },
    tokens: { defaultTtlSeconds: defaultTtl, maxTtlSeconds: maxTtl },
    audit: { checkpointEvery: get('audit.checkpointEvery'), checkpointIntervalMs: get('audit.checkpointInterval') * 1000 },
    metrics: { enabled: get('metrics.enabled') },
    storage:
      storage === 'postgres' && databaseUrl !== null
        ? {
            backend: 'postgres',
            databaseUrl: new SecretText(databaseUrl),
            schema: get('postgres.schema'),
            pool: {
              max: get('postgres.poolMax'),
              connectionTimeoutMs: get('postgres.connectionTimeout'),
              idleTimeoutMs: get('postgres.idleTimeout'),
              statementTimeoutMs: get('postgres.statementTimeout'),
              idleInTransactionTimeoutMs: get('postgres.idleInTransactionTimeout'),
            },
          }
        : { backend: 'sqlite' },
    scheduler: { intervalMs: get('scheduler.interval') },
    backups: { dir: get('backups.dir'), intervalMs: secondsToMs(get('backups.interval')), retain: get('backups.retain') },
    auditRuns: { intervalMs: secondsToMs(get('auditRuns.interval')) },
    lifecycle: { intervalMs: get('lifecycle.interval') },
    webhooks: { allowInsecure: get('webhooks.allowInsecure') },
  };
  return { ok: true, config: deepFreeze(config), sources: Object.freeze(sources) };
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d+[smhdw])+$/;

/**
 * "768h", "30m", "45s", "7d", "2w", a sum like "1h30m", or a whole number of seconds (number or
 * digits) → seconds; null if it is none of these or outside 1 s – 10 years. The same grammar as
 * the CLI's `--ttl` flags.
 */
export function parseDuration(value: unknown): number | null {
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\d+$/.test(value)) seconds = Number(value);
  else if (typeof value === 'string' && DURATION.test(value)) {
    seconds = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)([smhdw])/g)) seconds += Number(amount) * (UNIT_SECONDS[unit ?? ''] ?? 0);
  } else return null;
  return Number.isSafeInteger(seconds) && seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : null;
}

/** Seconds → "768h", "1h30m", "45s". */
export function formatDuration(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('') || '0s';
}

/** A duration, or `off` (also `false`, `0`, `never`) for a schedule that should not run. */
function durationOrOff(value: unknown): Parsed<number | null> {
  if (value === false || value === 0 || (typeof value === 'string' && ['off', 'never', 'false', '0'].includes(value.trim().toLowerCase()))) return { ok: true, value: null };
  const parsed = duration(value);
  return parsed.ok ? parsed : { ok: false, expected: `${parsed.expected}, or "off"` };
}

function secondsToMs(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}

function duration(value: unknown): Parsed<number> {
  const seconds = parseDuration(value);
  return seconds === null ? { ok: false, expected: 'a duration from 1s to 10 years, like "30m", "1h", "768h", "7d", "1h30m", or a whole number of seconds' } : { ok: true, value: seconds };
}

/**
 * A duration in milliseconds: "250ms", or any duration `parseDuration` reads ("5s", "1m", a whole
 * number of seconds); null if it is neither. For timeouts and intervals below a second.
 */
export function parseMillis(value: unknown): number | null {
  if (typeof value === 'string' && /^\d+ms$/.test(value)) {
    const ms = Number(value.slice(0, -2));
    return Number.isSafeInteger(ms) ? ms : null;
  }
  const seconds = parseDuration(value);
  return seconds === null ? null : seconds * 1000;
}

/** "1h", "5s", "250ms". */
export function formatMillis(ms: number): string {
  return ms % 1000 === 0 ? formatDuration(ms / 1000) : `${ms}ms`;
}

function millis(min: number, max: number): (value: unknown) => Parsed<number> {
  const expected = `a duration from ${formatMillis(min)} to ${formatMillis(max)}, like "500ms", "5s", "1m"`;
  return (value) => {
    const ms = parseMillis(value);
    return ms !== null && ms >= min && ms <= max ? { ok: true, value: ms } : { ok: false, expected };
  };
}

/** Only the URL form: pg's other forms (socket paths, key=value) are easy to mistype and hard to check. */
function postgresUrl(value: unknown): Parsed<string> {
  return typeof value === 'string' && /^postgres(ql)?:\/\//.test(value) && URL.canParse(value)
    ? { ok: true, value }
    : { ok: false, expected: 'a postgres:// or postgresql:// URL' };
}

/** The rule of storage/postgres (checkSchemaName), checked here too so a bad name stops the server before it connects. */
function schemaName(value: unknown): Parsed<string> {
  return typeof value === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(value) && !value.startsWith('pg_')
    ? { ok: true, value }
    : { ok: false, expected: 'a lower-case schema name: [a-z_][a-z0-9_]*, at most 63 characters, not starting with pg_' };
}

function integer(min: number, max: number): (value: unknown) => Parsed<number> {
  const expected = `an integer ${min}–${max}`;
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? { ok: true, value: n } : { ok: false, expected };
  };
}

function boolean(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return { ok: true, value };
  if (value === 'true' || value === '1') return { ok: true, value: true };
  if (value === 'false' || value === '0') return { ok: true, value: false };
  return { ok: false, expected: 'true or false' };
}

function text(expected: string): (value: unknown) => Parsed<string> {
  return (value) => (typeof value === 'string' && value.trim() !== '' ? { ok: true, value } : { ok: false, expected: `${expected} (a non-empty string)` });
}

function host(value: unknown): Parsed<string> {
  return typeof value === 'string' && /^[^\s/]{1,253}$/.test(value) ? { ok: true, value } : { ok: false, expected: 'a host name or IP address' };
}

function oneOf<T extends string>(choices: readonly T[]): (value: unknown) => Parsed<T> {
  return (value) => (choices.includes(value as T) ? { ok: true, value: value as T } : { ok: false, expected: `one of ${choices.join(', ')}` });
}

function isConfigKey(path: string): path is ConfigKey {
  return Object.hasOwn(SETTINGS, path);
}

function isGroup(path: string): boolean {
  return CONFIG_KEYS.some((k) => k.startsWith(`${path}.`));
}

function groupKeys(group: string): string[] {
  return CONFIG_KEYS.filter((k) => k.startsWith(`${group}.`)).map((k) => k.slice(group.length + 1));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ` (did you mean "listen.port"?)` for a near miss, else the keys known at that level. */
function suggestion(path: string): string {
  const groups = [...new Set(CONFIG_KEYS.map((k) => k.split('.')[0] ?? k))];
  const close = [...CONFIG_KEYS, ...groups].find((k) => k.toLowerCase() === path.toLowerCase() || editDistance(k, path) <= 2);
  if (close) return ` (did you mean "${close}"?)`;
  const dot = path.lastIndexOf('.');
  return ` (known here: ${(dot === -1 ? groups : groupKeys(path.slice(0, dot))).join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** A short, safe rendering of a bad value for a message; a password in something URL-like is masked. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const shown = (JSON.stringify(value) ?? String(value)).replace(/(\/\/[^/@\s]*?:)[^/@\s]*@/g, '$1***@');
  return shown.length > 60 ? `${shown.slice(0, 57)}…` : shown;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  return Object.freeze(value);
}

/** Every setting at its default (what an embedding caller gets without a file, env or flags). */
export function defaultConfig(): KeywardConfig {
  const result = resolveConfig({});
  if (!result.ok) throw new Error(`the defaults are invalid: ${result.problems.join('; ')}`);
  return result.config;
}
