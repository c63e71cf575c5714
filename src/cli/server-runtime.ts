import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Engine } from '../engine.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { buildServer } from '../server/app.ts';
import { issueRootToken } from '../server/root-token.ts';

/** A built (not yet listening) server and how to shut it down. */
export interface ServerRuntime {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  /** Set in dev mode: what the banner shows. */
  readonly dev: { readonly rootToken: string; readonly unsealShare: string; readonly dataDir: string } | null;
  readonly dataDir: string;
  /** Drains in-flight requests, then closes the engine (flushing the audit log); dev mode also removes its data. */
  close(): Promise<void>;
}

/** Dev mode: a temporary SQLite database, initialised and unsealed with one share, and a fresh root token. */
export async function openDevRuntime(logger: Logger): Promise<ServerRuntime> {
  const { engine, dir, share } = await Engine.openDev({ onCheckpointError: checkpointErrorLogger(logger) });
  const { token, hash } = issueRootToken();
  const app = await buildServer({ engine, logger, rootTokenHash: hash, dataDir: dir });
  return {
    app,
    engine,
    dataDir: dir,
    dev: { rootToken: token, unsealShare: share, dataDir: dir },
    async close() {
      await closeBoth(app, engine);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A persistent node: `<dataDir>/keyward.db`, starting sealed (or uninitialised) until an operator acts. */
export async function openDataDirRuntime(dataDir: string, logger: Logger): Promise<ServerRuntime> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = SqliteStore.open({ path: join(dir, 'keyward.db') });
  let engine: Engine;
  try {
    engine = await Engine.open({ store, checkpointFile: join(dir, 'audit-checkpoints.jsonl'), onCheckpointError: checkpointErrorLogger(logger) });
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    const app = await buildServer({ engine, logger, dataDir: dir });
    return { app, engine, dataDir: dir, dev: null, close: () => closeBoth(app, engine) };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

async function closeBoth(app: FastifyInstance, engine: Engine): Promise<void> {
  try {
    await app.close();
  } finally {
    await engine.close();
  }
}

function checkpointErrorLogger(logger: Logger): (err: unknown) => void {
  return (err) => logger.warn({ err }, 'audit checkpoint failed; the next one retries');
}
