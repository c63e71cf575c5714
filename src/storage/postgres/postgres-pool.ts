import pg from 'pg';
import { KeywardError } from '../../core/errors.ts';
import type { PostgresClient, PostgresPool, PostgresResult, PostgresValue } from './postgres-driver.ts';
import { numberFromBigint, timestampFromPostgres } from './postgres-values.ts';

/** Connection pool settings; every one has a default suited to a small cluster of nodes. */
export interface PostgresPoolOptions {
  /** Connections per node (default 10; at least 2, so a reader is always left while transactions run). */
  readonly max?: number;
  /** How long to wait for a new connection or a free pooled one before failing (default 5000 ms). */
  readonly connectionTimeoutMillis?: number;
  /** Idle connections are closed after this long (default 30000 ms). */
  readonly idleTimeoutMillis?: number;
  /** PostgreSQL cancels any statement running longer, waits for the audit lock included (default 30000 ms). */
  readonly statementTimeoutMillis?: number;
  /**
   * PostgreSQL ends a session that sits inside a transaction doing nothing for this long (default
   * 60000 ms), so a node that hangs while holding the audit lock cannot stop the other nodes.
   */
  readonly idleInTransactionTimeoutMillis?: number;
}

export const POOL_DEFAULTS: Required<PostgresPoolOptions> = {
  max: 10,
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  statementTimeoutMillis: 30_000,
  idleInTransactionTimeoutMillis: 60_000,
};

export interface PoolSettings {
  readonly connectionString: string;
  /** Schema put first on every connection's search_path, or null to keep the server's default. */
  readonly schema: string | null;
  readonly pool: Required<PostgresPoolOptions>;
  /** Errors of idle connections (a server restart, a dropped socket); they are otherwise ignored. */
  readonly onConnectionError: (err: unknown) => void;
}

/** Checks pool options once, when the store is built. */
export function poolOptions(given: PostgresPoolOptions = {}): Required<PostgresPoolOptions> {
  const merged = { ...POOL_DEFAULTS, ...stripUndefined(given) };
  for (const [name, value] of Object.entries(merged)) {
    const min = name === 'max' ? 2 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new KeywardError('validation_failed', `pool.${name} must be an integer of at least ${min}`, { field: `pool.${name}` });
    }
  }
  return merged;
}

/** How much longer than statement_timeout the client waits for an answer before giving up itself. */
const QUERY_TIMEOUT_MARGIN_MS = 5000;

/** Builds the pg.Pool; the only place in Keyward that constructs a driver object. */
export function createPool(settings: PoolSettings): PostgresPool {
  // Session settings travel in the startup packet, so every pooled connection has them from its
  // first statement: UTC and ISO output make timestamps parse exactly (postgres-values.ts).
  const { connectionString, options: given } = takeOptionsParameter(settings.connectionString);
  const sessionOptions = [...(given ? [given] : []), '-c TimeZone=UTC', '-c DateStyle=ISO'];
  if (settings.schema !== null) sessionOptions.push(`-c search_path=${settings.schema}`);
  const pool = new pg.Pool({
    connectionString,
    max: settings.pool.max,
    connectionTimeoutMillis: settings.pool.connectionTimeoutMillis,
    idleTimeoutMillis: settings.pool.idleTimeoutMillis,
    statement_timeout: settings.pool.statementTimeoutMillis,
    // The server-side timeout cannot fire when the network silently drops packets: give up on the
    // client side a little later, so a request fails with storage_unavailable instead of hanging.
    ...(settings.pool.statementTimeoutMillis > 0 ? { query_timeout: settings.pool.statementTimeoutMillis + QUERY_TIMEOUT_MARGIN_MS } : {}),
    idle_in_transaction_session_timeout: settings.pool.idleInTransactionTimeoutMillis,
    application_name: 'keyward',
    keepAlive: true,
    options: sessionOptions.join(' '),
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  });
  // An idle connection that breaks emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (err) => settings.onConnectionError(err));
  return {
    query: (text, values) => run(pool, text, values),
    connect: async () => adaptClient(await pool.connect(), settings.onConnectionError),
    end: () => pool.end(),
  };
}

/**
 * pg lets parameters in the connection string override the config object, so an `options`
 * parameter there would silently drop ours (search_path above all). Take it out and send it first;
 * ours come after it and win where both set the same thing. Other parameters (application_name,
 * sslmode…) stay the operator's to set.
 */
function takeOptionsParameter(connectionString: string): { connectionString: string; options: string | null } {
  if (!/^postgres(ql)?:\/\//.test(connectionString) || !URL.canParse(connectionString)) return { connectionString, options: null };
  const url = new URL(connectionString);
  const options = url.searchParams.get('options');
  if (options === null) return { connectionString, options: null };
  url.searchParams.delete('options');
  return { connectionString: url.toString(), options };
}

/**
 * pg-pool stops listening for errors on a connection while it is checked out; a socket that breaks
 * between two statements of a transaction would then crash the process. The next statement fails
 * with the same cause, so the event itself only needs to be reported.
 */
function adaptClient(client: pg.PoolClient, onError: (err: unknown) => void): PostgresClient {
  const listener = (err: Error): void => onError(err);
  client.on('error', listener);
  return {
    query: (text, values) => run(client, text, values),
    release: (destroy) => {
      client.off('error', listener);
      client.release(destroy);
    },
  };
}

async function run<R>(db: pg.Pool | pg.PoolClient, text: string, values?: readonly PostgresValue[]): Promise<PostgresResult<R>> {
  const result: PostgresResult<unknown> = await db.query(text, values ? [...values] : undefined);
  return result as PostgresResult<R>; // rows are shaped by the SQL, which the caller wrote for R
}

const INT8 = 20;
const TIMESTAMPTZ = 1184;

/**
 * Type parsers for this pool only, for the two types the records depend on: bigint to number,
 * timestamptz to the record's ISO string. pg's global registry stays untouched, and what other code
 * sets there for these two types cannot reach us; other types use pg's parsers.
 */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (format !== 'binary') {
    if (oid === INT8) return numberFromBigint;
    if (oid === TIMESTAMPTZ) return timestampFromPostgres;
  }
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
