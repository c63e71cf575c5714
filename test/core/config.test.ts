import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  CONFIG_ENV,
  CONFIG_KEYS,
  configFromEnv,
  configFromFile,
  defaultConfig,
  formatDuration,
  parseDuration,
  parseMillis,
  resolveConfig,
  type ConfigInput,
  type ConfigLayers,
  type ConfigResult,
} from '../../src/core/config.ts';

const FILE = 'config file keyward.yaml';

function fromFile(tree: unknown): ConfigInput[] {
  const { inputs, problems } = configFromFile(tree, FILE);
  assert.deepEqual(problems, []);
  return inputs;
}

function valid(layers: ConfigLayers): Extract<ConfigResult, { ok: true }> {
  const result = resolveConfig(layers);
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result;
}

function problemsOf(layers: ConfigLayers): readonly string[] {
  const result = resolveConfig(layers);
  assert.ok(!result.ok, 'expected the configuration to be refused');
  return result.problems;
}

describe('config: defaults and precedence', () => {
  it('reads backups, audit-run, lifecycle and webhook settings; "off" turns a schedule off', () => {
    const { config } = valid({
      file: fromFile({ backups: { dir: 'backups', interval: '6h', retain: 30 }, auditRuns: { interval: 'off' }, lifecycle: { interval: '30s' }, webhooks: { allowInsecure: true } }),
    });
    assert.deepEqual(config.backups, { dir: 'backups', intervalMs: 6 * 3_600_000, retain: 30 });
    assert.deepEqual(config.auditRuns, { intervalMs: null });
    assert.deepEqual(config.lifecycle, { intervalMs: 30_000 });
    assert.deepEqual(config.webhooks, { allowInsecure: true });
    assert.match(problemsOf({ file: fromFile({ backups: { interval: 'sometimes' } }) }).join('\n'), /backups\.interval.*or "off"/);
  });

  it('has safe defaults: loopback, no TLS, 1h/768h tokens, metrics on', () => {
    assert.deepEqual(defaultConfig(), {
      dataDir: '.keyward',
      listen: { host: '127.0.0.1', port: 8200 },
      tls: null,
      insecure: false,
      log: { level: 'info' },
      tokens: { defaultTtlSeconds: 3600, maxTtlSeconds: 768 * 3600 },
      audit: { checkpointEvery: 1000, checkpointIntervalMs: 60_000 },
      metrics: { enabled: true },
      storage: { backend: 'sqlite' },
      scheduler: { intervalMs: 2000 },
      backups: { dir: null, intervalMs: 86_400_000, retain: 7 },
      auditRuns: { intervalMs: 86_400_000 },
      lifecycle: { intervalMs: 60_000 },
      webhooks: { allowInsecure: false },
    });
  });

  it('reads every setting from a nested file', () => {
    const { config } = valid({
      file: fromFile({
        dataDir: '/var/lib/keyward',
        listen: { host: '0.0.0.0', port: 8443 },
        tls: { cert: '/etc/keyward/cert.pem', key: '/etc/keyward/key.pem' },
        insecure: false,
        log: { level: 'warn' },
        tokens: { defaultTtl: '30m', maxTtl: '24h' },
        audit: { checkpointEvery: 500, checkpointInterval: '5m' },
        metrics: { enabled: false },
      }),
    });
    assert.deepEqual(config, {
      dataDir: '/var/lib/keyward',
      listen: { host: '0.0.0.0', port: 8443 },
      tls: { cert: '/etc/keyward/cert.pem', key: '/etc/keyward/key.pem' },
      insecure: false,
      log: { level: 'warn' },
      tokens: { defaultTtlSeconds: 1800, maxTtlSeconds: 86_400 },
      audit: { checkpointEvery: 500, checkpointIntervalMs: 300_000 },
      metrics: { enabled: false },
      storage: { backend: 'sqlite' },
      scheduler: { intervalMs: 2000 },
      backups: { dir: null, intervalMs: 86_400_000, retain: 7 },
      auditRuns: { intervalMs: 86_400_000 },
      lifecycle: { intervalMs: 60_000 },
      webhooks: { allowInsecure: false },
    });
  });

  it('lets env override the file and flags override env, and remembers where each value came from', () => {
    const file = fromFile({ dataDir: '/from/file', listen: { host: '127.0.0.2', port: 1111 }, log: { level: 'debug' } });
    const env = configFromEnv({ KEYWARD_DATA_DIR: '/from/env', KEYWARD_PORT: '2222' });
    const flags: ConfigInput[] = [{ key: 'listen.port', value: '3333', source: 'flag --port' }];
    const { config, sources } = valid({ file, env, flags });
    assert.equal(config.dataDir, '/from/env');
    assert.equal(config.listen.port, 3333);
    assert.equal(config.listen.host, '127.0.0.2');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.metrics.enabled, true);
    assert.equal(sources.dataDir, 'env KEYWARD_DATA_DIR');
    assert.equal(sources['listen.port'], 'flag --port');
    assert.equal(sources['listen.host'], FILE);
    assert.equal(sources['metrics.enabled'], 'default');
  });

  it('prefers KEYWARD_LISTEN_HOST over KEYWARD_HOST and ignores empty variables', () => {
    const { config, sources } = valid({ env: configFromEnv({ KEYWARD_HOST: '127.0.0.3', KEYWARD_LISTEN_HOST: '127.0.0.4', KEYWARD_PORT: '' }) });
    assert.equal(config.listen.host, '127.0.0.4');
    assert.equal(sources['listen.host'], 'env KEYWARD_LISTEN_HOST');
    assert.equal(config.listen.port, 8200);
  });

  it('freezes the configuration it returns', () => {
    const { config, sources } = valid({});
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.listen) && Object.isFrozen(config.tokens) && Object.isFrozen(sources));
    assert.throws(() => {
      (config.listen as { port: number }).port = 1;
    }, TypeError);
  });

  it('treats a null value in the file as unset, and an empty file as no settings', () => {
    assert.deepEqual(configFromFile(null, FILE), { inputs: [], problems: [] });
    assert.equal(valid({ file: fromFile({ listen: null, log: { level: null } }) }).config.log.level, 'info');
  });
});

describe('config: validation', () => {
  it('names the bad field and where it came from', () => {
    assert.deepEqual(problemsOf({ file: fromFile({ listen: { port: 70000 } }) }), [`${FILE}: listen.port must be an integer 0–65535 (got 70000)`]);
    assert.deepEqual(problemsOf({ env: configFromEnv({ KEYWARD_PORT: '80a' }) }), ['env KEYWARD_PORT: listen.port must be an integer 0–65535 (got "80a")']);
    assert.deepEqual(problemsOf({ flags: [{ key: 'log.level', value: 'loud', source: 'flag --log-level' }] }), [
      'flag --log-level: log.level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('reports every problem at once, including values a higher layer overrides', () => {
    const problems = problemsOf({
      file: fromFile({ listen: { port: 'http' }, insecure: 'maybe', metrics: { enabled: 1 } }),
      env: configFromEnv({ KEYWARD_PORT: '8200' }),
    });
    assert.deepEqual(problems, [
      `${FILE}: listen.port must be an integer 0–65535 (got "http")`,
      `${FILE}: insecure must be true or false (got "maybe")`,
      `${FILE}: metrics.enabled must be true or false (got 1)`,
    ]);
  });

  it('refuses unknown keys, suggesting the near miss', () => {
    const { problems } = configFromFile({ listen: { prot: 8200 }, tokenz: {}, colour: 'blue', tls: 'on' }, FILE);
    assert.deepEqual(problems, [
      `${FILE}: unknown setting "listen.prot" (did you mean "listen.port"?)`,
      `${FILE}: unknown setting "tokenz" (did you mean "tokens"?)`,
      `${FILE}: unknown setting "colour" (known here: dataDir, listen, tls, insecure, log, tokens, audit, metrics, storage, databaseUrl, postgres, scheduler, backups, auditRuns, lifecycle, webhooks)`,
      `${FILE}: tls must be a mapping with cert, key (got "on")`,
    ]);
    assert.deepEqual(configFromFile(['dataDir'], FILE).problems, [`${FILE}: the top level must be a mapping of settings (got a list)`]);
  });

  it('needs both TLS files or neither', () => {
    assert.deepEqual(problemsOf({ flags: [{ key: 'tls.cert', value: 'cert.pem', source: 'flag --tls-cert' }] }), [
      'flag --tls-cert: tls.cert is set but tls.key is not; give both PEM files (certificate and private key) or neither',
    ]);
    assert.deepEqual(valid({ env: configFromEnv({ KEYWARD_TLS_CERT: 'c.pem', KEYWARD_TLS_KEY: 'k.pem' }) }).config.tls, { cert: 'c.pem', key: 'k.pem' });
  });

  it('keeps the default token TTL within the maximum', () => {
    assert.deepEqual(problemsOf({ file: fromFile({ tokens: { defaultTtl: '1000h' } }) }), [
      `${FILE}: tokens.defaultTtl (1000h) must not exceed tokens.maxTtl (768h, from default)`,
    ]);
    assert.equal(valid({ file: fromFile({ tokens: { defaultTtl: '768h' } }) }).config.tokens.defaultTtlSeconds, 768 * 3600);
  });

  it('checks ranges of the audit settings', () => {
    const problems = problemsOf({ file: fromFile({ audit: { checkpointEvery: 0, checkpointInterval: '0s' } }) });
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /audit\.checkpointEvery must be an integer 1–1000000 \(got 0\)/);
    assert.match(problems[1] ?? '', /audit\.checkpointInterval must be a duration/);
  });

  it('refuses empty strings and hosts with spaces or slashes', () => {
    const problems = problemsOf({ file: fromFile({ dataDir: ' ', listen: { host: 'http://x' } }) });
    assert.deepEqual(problems, [
      `${FILE}: dataDir must be a directory path (a non-empty string) (got " ")`,
      `${FILE}: listen.host must be a host name or IP address (got "http://x")`,
    ]);
  });
});

describe('config: storage', () => {
  const URL_WITH_PASSWORD = 'postgres://keyward:hunter2-s3cret@db.internal:5432/keyward?sslmode=verify-full';

  it('reads PostgreSQL storage with its pool settings from a file, and the URL from the environment', () => {
    const { config, sources } = valid({
      file: fromFile({
        storage: 'postgres',
        postgres: { schema: 'keyward', poolMax: 20, connectionTimeout: '2s', idleTimeout: '1m', statementTimeout: '15s', idleInTransactionTimeout: '500ms' },
        scheduler: { interval: '250ms' },
      }),
      env: configFromEnv({ KEYWARD_DATABASE_URL: URL_WITH_PASSWORD }),
    });
    assert.equal(config.storage.backend, 'postgres');
    assert.ok(config.storage.backend === 'postgres');
    assert.equal(config.storage.databaseUrl.reveal(), URL_WITH_PASSWORD);
    assert.deepEqual(
      { schema: config.storage.schema, pool: config.storage.pool },
      { schema: 'keyward', pool: { max: 20, connectionTimeoutMs: 2000, idleTimeoutMs: 60_000, statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 500 } },
    );
    assert.equal(config.scheduler.intervalMs, 250);
    assert.equal(sources.databaseUrl, 'env KEYWARD_DATABASE_URL');
    assert.ok(Object.isFrozen(config.storage) && Object.isFrozen(config.storage.pool));
  });

  it('takes storage and the URL from KEYWARD_STORAGE / flags, with the pool defaults of the store', () => {
    const { config, sources } = valid({
      env: configFromEnv({ KEYWARD_STORAGE: 'postgres' }),
      flags: [{ key: 'databaseUrl', value: 'postgresql://127.0.0.1/keyward', source: 'flag --database-url' }],
    });
    assert.ok(config.storage.backend === 'postgres');
    assert.equal(config.storage.schema, null);
    assert.deepEqual(config.storage.pool, { max: 10, connectionTimeoutMs: 5000, idleTimeoutMs: 30_000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 });
    assert.equal(sources.storage, 'env KEYWARD_STORAGE');
  });

  it('never shows the database URL: not in the config as printed, logged or serialised, nor in a problem', () => {
    const { config } = valid({ env: configFromEnv({ KEYWARD_STORAGE: 'postgres', KEYWARD_DATABASE_URL: URL_WITH_PASSWORD }) });
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.storage.backend === 'postgres' && config.storage.databaseUrl)]) {
      assert.ok(!shown.includes('hunter2'), shown);
    }
    assert.match(JSON.stringify(config), /"databaseUrl":"\[redacted\]"/);
    const problems = problemsOf({ env: configFromEnv({ KEYWARD_STORAGE: 'postgres', KEYWARD_DATABASE_URL: 'mysql://root:hunter2-s3cret@db/keyward' }) });
    assert.deepEqual(problems, ['env KEYWARD_DATABASE_URL: databaseUrl must be a postgres:// or postgresql:// URL (got a value not shown here, as it may hold a password)']);
    // A URL put where a mapping belongs is described with its password masked.
    const { problems: misplaced } = configFromFile({ postgres: URL_WITH_PASSWORD }, FILE);
    assert.equal(misplaced.length, 1);
    assert.ok(!misplaced[0]?.includes('hunter2'), misplaced[0]);
    assert.match(misplaced[0] ?? '', /postgres must be a mapping with schema, poolMax, .* \(got "postgres:\/\/keyward:\*\*\*@db\.internal/);
  });

  it('needs databaseUrl with postgres, and refuses PostgreSQL settings without it', () => {
    assert.deepEqual(problemsOf({ flags: [{ key: 'storage', value: 'postgres', source: 'flag --storage' }] }), [
      'flag --storage: storage is postgres but databaseUrl is not set; give it with KEYWARD_DATABASE_URL, --database-url or databaseUrl in the config file',
    ]);
    assert.deepEqual(problemsOf({ env: configFromEnv({ KEYWARD_DATABASE_URL: 'postgres://db/keyward' }), file: fromFile({ postgres: { poolMax: 4 } }) }), [
      'env KEYWARD_DATABASE_URL: databaseUrl is set but storage is sqlite (from default); set storage to postgres, or remove databaseUrl',
      `${FILE}: postgres.poolMax is set but storage is sqlite (from default); set storage to postgres, or remove postgres.poolMax`,
    ]);
  });

  it('checks the backend, the schema name, the pool size, the timeouts and the scheduler interval', () => {
    const problems = problemsOf({
      file: fromFile({
        storage: 'mysql',
        databaseUrl: 'postgres://db/keyward',
        postgres: { schema: 'Keyward-1', poolMax: 1, connectionTimeout: '50ms', statementTimeout: 'soon' },
        scheduler: { interval: '2h' },
      }),
    });
    assert.deepEqual(problems, [
      `${FILE}: storage must be one of sqlite, postgres (got "mysql")`,
      `${FILE}: postgres.schema must be a lower-case schema name: [a-z_][a-z0-9_]*, at most 63 characters, not starting with pg_ (got "Keyward-1")`,
      `${FILE}: postgres.poolMax must be an integer 2–1000 (got 1)`,
      `${FILE}: postgres.connectionTimeout must be a duration from 100ms to 10m, like "500ms", "5s", "1m" (got "50ms")`,
      `${FILE}: postgres.statementTimeout must be a duration from 100ms to 24h, like "500ms", "5s", "1m" (got "soon")`,
      `${FILE}: scheduler.interval must be a duration from 100ms to 1h, like "500ms", "5s", "1m" (got "2h")`,
    ]);
    assert.deepEqual(problemsOf({ file: fromFile({ storage: 'postgres', databaseUrl: 'postgres://db/k', postgres: { schema: 'pg_keyward' } }) }).length, 1);
  });

  it('reads milliseconds, and every duration parseDuration reads', () => {
    assert.deepEqual(['250ms', '5s', '1m', 2, '1h30m'].map(parseMillis), [250, 5000, 60_000, 2000, 5_400_000]);
    for (const bad of ['ms', '1.5ms', '-5ms', '5 ms', '0s', 'soon']) assert.equal(parseMillis(bad), null, bad);
  });
});

describe('config: durations', () => {
  it('reads s, m, h, d and w units, sums of them, and whole seconds', () => {
    assert.equal(parseDuration('1h'), 3600);
    assert.equal(parseDuration('768h'), 2_764_800);
    assert.equal(parseDuration('30m'), 1800);
    assert.equal(parseDuration('45s'), 45);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('2d'), 172_800);
    assert.equal(parseDuration('1w'), 604_800);
    assert.equal(parseDuration(90), 90);
    assert.equal(parseDuration('90'), 90);
  });

  it('formats seconds back into the same notation', () => {
    assert.deepEqual([3600, 2_764_800, 5400, 45, 3661].map(formatDuration), ['1h', '768h', '1h30m', '45s', '1h1m1s']);
  });

  it('refuses zero, fractions, negatives, unknown units and absurd lengths', () => {
    for (const bad of [0, '0', '0s', 1.5, -5, '-5', '1x', 'h', '', '1 h', '1.5h', '20000d', true, null]) {
      assert.equal(parseDuration(bad), null, `refuses ${JSON.stringify(bad)}`);
    }
  });
});

describe('docs/configuration.md', () => {
  it('documents every setting and every environment variable', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of CONFIG_KEYS) assert.ok(doc.includes(`\`${key}\``), `docs/configuration.md mentions \`${key}\``);
    for (const [name] of CONFIG_ENV) assert.ok(doc.includes(`\`${name}\``), `docs/configuration.md mentions \`${name}\``);
    assert.ok(doc.includes('`KEYWARD_CONFIG`'));
  });
});
