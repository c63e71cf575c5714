import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { defaultConfig, type KeywardConfig } from '../core/config.ts';
import { Engine, type EngineOptions } from '../engine.ts';
import type { Store } from '../storage/store.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { buildServer } from '../server/app.ts';
import { ServerMetrics } from '../server/metrics.ts';
import type { TlsFiles } from './load-config.ts';

/** A built (not yet listening) server and how to shut it down. */
export interface ServerRuntime {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  /** Set in dev mode: what the banner shows. */
  readonly dev: { readonly rootToken: string; readonly unsealShare: string; readonly dataDir: string } | null;
  readonly dataDir: string;
  /** Null when `metrics.enabled` is false. */
  readonly metrics: ServerMetrics | null;
  /** Drains in-flight requests, then closes the engine (flushing the audit log); dev mode also removes its data. */
  close(): Promise<void>;
}

/** What the composition root hands over: the validated config (defaults if absent) and the TLS files it read. */
export interface RuntimeSetup {
  readonly config?: KeywardConfig;
  readonly tls?: TlsFiles | null;
}

/** Dev mode: a temporary SQLite database, initialised and unsealed with one share, and a fresh root token. */
export async function openDevRuntime(logger: Logger, setup: RuntimeSetup = {}): Promise<ServerRuntime> {
  const config = setup.config ?? defaultConfig();
  const metrics = config.metrics.enabled ? new ServerMetrics() : null;
  const { engine, dir, share, rootToken } = await Engine.openDev(engineOptions(config, logger, metrics));
  const close = async (app: FastifyInstance | null): Promise<void> => {
    await closeBoth(app, engine);
    rmSync(dir, { recursive: true, force: true });
  };
  let app: FastifyInstance;
  try {
    app = await build({ engine, logger, metrics, tls: setup.tls ?? null });
  } catch (err) {
    await close(null);
    throw err;
  }
  return { app, engine, metrics, dataDir: dir, dev: { rootToken, unsealShare: share, dataDir: dir }, close: () => close(app) };
}

/**
 * A persistent node, starting sealed (or uninitialised) until an operator acts: `<dataDir>/keyward.db`,
 * or the configured PostgreSQL database shared with other nodes. Either way `<dataDir>` keeps this
 * node's checkpoint file (the checkpoints it signs).
 */
export async function openDataDirRuntime(logger: Logger, setup: RuntimeSetup = {}): Promise<ServerRuntime> {
  const config = setup.config ?? defaultConfig();
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const metrics = config.metrics.enabled ? new ServerMetrics() : null;
  const store = await openStore(config.storage, dir, logger);
  let engine: Engine;
  try {
    engine = await Engine.open({ store, checkpointFile: join(dir, 'audit-checkpoints.jsonl'), ...engineOptions(config, logger, metrics) });
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    const app = await build({ engine, logger, metrics, tls: setup.tls ?? null });
    return { app, engine, metrics, dataDir: dir, dev: null, close: () => closeBoth(app, engine) };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

async function openStore(storage: KeywardConfig['storage'], dir: string, logger: Logger): Promise<Store> {
  if (storage.backend === 'sqlite') return SqliteStore.open({ path: join(dir, 'keyward.db') });
  // Loaded only when configured, so a SQLite node never loads the PostgreSQL driver.
  const { PostgresStore } = await import('../storage/postgres/postgres-store.ts');
  const { pool } = storage;
  return PostgresStore.open({
    connectionString: storage.databaseUrl.reveal(),
    ...(storage.schema !== null ? { schema: storage.schema } : {}),
    pool: {
      max: pool.max,
      connectionTimeoutMillis: pool.connectionTimeoutMs,
      idleTimeoutMillis: pool.idleTimeoutMs,
      statementTimeoutMillis: pool.statementTimeoutMs,
      idleInTransactionTimeoutMillis: pool.idleInTransactionTimeoutMs,
    },
    // Only the error code: a driver message may name the host or the user.
    onConnectionError: (err) => logger.warn({ code: errorCode(err) }, 'a pooled PostgreSQL connection failed; requests open a new one'),
  });
}

function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

function engineOptions(config: KeywardConfig, logger: Logger, metrics: ServerMetrics | null): Omit<EngineOptions, 'store'> {
  return {
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalMs,
    tokenDefaultTtlSeconds: config.tokens.defaultTtlSeconds,
    tokenMaxTtlSeconds: config.tokens.maxTtlSeconds,
    schedulerIntervalMs: config.scheduler.intervalMs,
    lifecycleIntervalMs: config.lifecycle.intervalMs,
    auditRunIntervalMs: config.auditRuns.intervalMs,
    onAuditRunError: (err) => logger.warn({ err }, 'a scheduled audit run failed; the next one retries'),
    allowInsecureWebhooks: config.webhooks.allowInsecure,
    onWebhookError: (err) => logger.warn({ err }, 'a webhook dispatch pass failed; the next one retries'),
    backups: {
      dir: config.backups.dir === null ? null : resolve(config.dataDir, config.backups.dir),
      intervalMs: config.backups.dir === null ? null : config.backups.intervalMs,
      retain: config.backups.retain,
      onError: (err) => logger.warn({ err }, 'a scheduled backup failed; the next one retries'),
    },
    onCheckpointError: (err) => logger.warn({ err }, 'audit checkpoint failed; the next one retries'),
    onSchedulerError: (err) => logger.warn({ err }, 'the scheduler lease could not be reached or its change audited; retrying'),
    onLeadershipChange: (leader) => logger.info(leader ? 'this node now runs the schedulers (holds the scheduler lease)' : 'this node no longer runs the schedulers'),
    ...(metrics ? { onOperation: metrics.onOperation, onAuditCommit: metrics.onAuditCommit } : {}),
  };
}

async function build(parts: { engine: Engine; logger: Logger; metrics: ServerMetrics | null; tls: TlsFiles | null }): Promise<FastifyInstance> {
  const { engine, logger, metrics, tls } = parts;
  try {
    return await buildServer({ engine, logger, metrics, https: tls });
  } finally {
    // The HTTPS server has copied the key into its TLS context; our copy is no longer needed.
    tls?.key.fill(0);
  }
}

async function closeBoth(app: FastifyInstance | null, engine: Engine): Promise<void> {
  try {
    await app?.close();
  } finally {
    await engine.close();
  }
}
