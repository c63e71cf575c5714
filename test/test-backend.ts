/**
 * The storage backend the tests run on, in one place. `KEYWARD_TEST_BACKEND=sqlite|postgres`
 * (default sqlite) picks it; scripts/run-tests.mjs sets it for each pass. With postgres, every store
 * opened here lives in a fresh schema `kw_test_<run>_<pid>_<n>` on `KEYWARD_TEST_DATABASE_URL`
 * (default the local trust-auth server), dropped again by `cleanup`.
 *
 * Tests of behaviour that does not depend on the backend open their stores and engines here;
 * tests of one backend's specifics (test/storage, the SQLite file, `server --dev`) do not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Engine, type EngineOptions } from '../src/engine.ts';
import { systemPrincipal, type CallContext } from '../src/auth/principal.ts';
import { PostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../src/storage/store.ts';

export type TestBackendName = Store['backend'];

export interface TestBackend {
  readonly name: TestBackendName;
  /** For test titles: `describe(\`… on ${testBackend.label}\`)`. */
  readonly label: string;
}

function chooseBackend(value: string | undefined): TestBackend {
  if (value === undefined || value === '' || value === 'sqlite') return { name: 'sqlite', label: 'SQLite' };
  if (value === 'postgres') return { name: 'postgres', label: 'PostgreSQL' };
  throw new Error(`KEYWARD_TEST_BACKEND must be sqlite or postgres, not ${JSON.stringify(value)}`);
}

export const testBackend: TestBackend = chooseBackend(process.env['KEYWARD_TEST_BACKEND']);

export const TEST_DATABASE_URL = process.env['KEYWARD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set by scripts/run-tests.mjs so it can find (and drop) schemas a crashed test left behind. */
const RUN_ID = /^[a-z0-9]{1,12}$/.test(process.env['KEYWARD_TEST_RUN'] ?? '') ? (process.env['KEYWARD_TEST_RUN'] as string) : 'solo';

/** A store for one test (or one describe), and what is needed to reopen and remove it. */
export interface TestStore {
  readonly store: Store;
  readonly backend: TestBackendName;
  /** "SQLite" or "PostgreSQL", for messages and titles. */
  readonly label: string;
  /** A temp dir for files next to the store (the checkpoint file); on SQLite it holds the database too. */
  readonly dir: string;
  /** Opens another store on the same data, as a restarted node would; `cleanup` closes it too. */
  reopen(): Promise<Store>;
  /**
   * Everything the backend has stored, for "no secret is stored" checks: the SQLite files' bytes,
   * or on PostgreSQL every row of the schema as JSON text (bytea columns appear as hex).
   */
  storedContents(): Promise<Buffer>;
  /** Closes every store opened on it, then drops the schema / removes the dir. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A fresh, empty store on the backend under test. */
export async function openTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-test-'));
  try {
    return testBackend.name === 'postgres' ? await openPostgres(dir) : openSqlite(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function openSqlite(dir: string): TestStore {
  const path = join(dir, 'keyward.db');
  const stores: Store[] = [SqliteStore.open({ path })];
  return {
    store: stores[0]!,
    backend: 'sqlite',
    label: testBackend.label,
    dir,
    reopen: async () => {
      const store = SqliteStore.open({ path });
      stores.push(store);
      return store;
    },
    storedContents: async () => Buffer.concat(['', '-wal'].map((suffix) => readIfPresent(`${path}${suffix}`))),
    cleanup: async () => {
      try {
        for (const store of stores.splice(0)) await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let schemas = 0;

async function openPostgres(dir: string): Promise<TestStore> {
  const schema = `kw_test_${RUN_ID}_${process.pid}_${++schemas}`;
  const open = (): Promise<PostgresStore> =>
    PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema }).catch((err: unknown) => {
      throw new Error(`KEYWARD_TEST_BACKEND=postgres, but no store could be opened at ${where(TEST_DATABASE_URL)}: ${(err as Error).message}`, { cause: err });
    });
  const stores: Store[] = [];
  let dropped = false;
  const cleanup = async (): Promise<void> => {
    try {
      for (const store of stores.splice(0)) await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (!dropped) {
        dropped = true;
        await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      }
    }
  };
  try {
    stores.push(await open());
  } catch (err) {
    await cleanup().catch(() => undefined); // a failed open may still have created the schema
    throw err;
  }
  return {
    store: stores[0]!,
    backend: 'postgres',
    label: testBackend.label,
    dir,
    reopen: async () => {
      const store = await open();
      stores.push(store);
      return store;
    },
    storedContents: () =>
      withAdmin(async (c) => {
        const tables = await c.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
        const rows: string[] = [];
        for (const { name } of tables.rows) {
          const result = await c.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${name}" t`);
          rows.push(...result.rows.map((r) => r.row));
        }
        return Buffer.from(rows.join('\n'));
      }),
    cleanup,
  };
}

export interface TestEngine {
  readonly engine: Engine;
  /** Temp dir holding the checkpoint file (and, on SQLite, the database). */
  readonly dir: string;
  /** The single unseal share (init is 1 of 1). */
  readonly share: string;
  readonly rootToken: string;
  readonly storage: TestStore;
  /** Closes the engine and removes its store. */
  close(): Promise<void>;
}

/**
 * What `Engine.openDev` does — a fresh store, init 1 of 1, unseal — on the backend under test. The
 * checkpoint file is `<dir>/audit-checkpoints.jsonl` unless `options.checkpointFile` says otherwise.
 */
export async function openTestEngine(options: Omit<EngineOptions, 'store'> = {}): Promise<TestEngine> {
  const storage = await openTestStore();
  let engine: Engine | undefined;
  const close = async (): Promise<void> => {
    try {
      await engine?.close();
    } finally {
      await storage.cleanup();
    }
  };
  try {
    engine = await Engine.open({ checkpointFile: join(storage.dir, 'audit-checkpoints.jsonl'), ...options, store: storage.store });
    const ctx: CallContext = { principal: systemPrincipal('dev-mode'), source: 'dev-mode' };
    const { shares, rootToken } = await engine.sys.init(ctx, { shares: 1, threshold: 1 });
    const share = shares[0] as string;
    await engine.sys.unseal(ctx, share);
    await settleScheduler(engine);
    return { engine, dir: storage.dir, share, rootToken, storage, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * Waits until the engine's scheduler lease follows its seal (held while unsealed, given up while
 * sealed) and the audit entries of that change are durable. The engine takes or gives up the lease
 * in the background after an unseal or seal; on PostgreSQL (a lease shared by the nodes of a
 * cluster) each change is audited as `sys.leadership`. Tests that assert on the audit log call this
 * after changing the seal, so that entry cannot land in the middle of what they check.
 */
export async function settleScheduler(engine: Engine, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (engine.isSchedulerLeader() === engine.sys.status().sealed) {
    if (Date.now() > deadline) throw new Error(`the scheduler lease did not follow the seal within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await engine.flushAudit();
}

function readIfPresent(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/** In CI with KEYWARD_TEST_DATABASE_URL set, a missing PostgreSQL fails the PostgreSQL-only tests instead of skipping them. */
export const POSTGRES_REQUIRED = Boolean(process.env['CI'] && process.env['KEYWARD_TEST_DATABASE_URL']);

/** Why PostgreSQL-only tests cannot run (no server answered within 2 s), or null if they can. */
export async function postgresUnreachableReason(url: string = TEST_DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `no PostgreSQL answered at ${where(url)} within 2 s (${(err as Error).message}); set KEYWARD_TEST_DATABASE_URL to a server`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Host, port and database of a connection string: never the password. */
function where(url: string): string {
  if (!URL.canParse(url)) return 'KEYWARD_TEST_DATABASE_URL';
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}

/** A short-lived connection of its own, for what the store does not do (dropping, inspecting a schema). */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
