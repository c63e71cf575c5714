import { createHash } from 'node:crypto';
import { KeywardError } from '../../core/errors.ts';
import type { LeaderLease } from '../store.ts';
import type { PostgresClient, PostgresPool } from './postgres-driver.ts';
import { translatePostgresError } from './postgres-errors.ts';

/**
 * Advisory lock class of leader leases ('KW' 0003), after migrate (…01) and the audit head (…02)
 * in postgres-locks.ts. The object id is derived from the schema and the lease name, so leases of
 * deployments (or test runs) in other schemas of one database never meet.
 */
export const LEADER_LOCK_CLASS = 0x4b570003;

export function leaderLockObject(schema: string, name: string): number {
  return createHash('sha256').update(`keyward:${schema}:leader:${name}`).digest().readInt32BE(0);
}

/**
 * Server-side TCP keep-alive for the leader's session. A leader that vanishes without closing its
 * socket (power loss, a network partition) would otherwise keep the lock until the operating
 * system's keep-alive gives up — two hours by default. With these PostgreSQL notices within about
 * 5 + 2 × 3 = 11 s (or 10 s of unacknowledged data), ends the session and frees the lease.
 */
const LEADER_SESSION_SETTINGS = [
  "SET application_name = 'keyward-leader'",
  'SET tcp_keepalives_idle = 5',
  'SET tcp_keepalives_interval = 2',
  'SET tcp_keepalives_count = 3',
  'SET tcp_user_timeout = 10000',
];

export interface PostgresLeaderOptions {
  readonly name: string;
  /** The lease's own pool (at most one connection): held connections must not starve the store's pool. */
  readonly pool: PostgresPool;
  readonly schema: string;
  /** How long a check of the held connection may take before the lease counts as lost. */
  readonly answerTimeoutMillis: number;
}

/**
 * A leader lease held as a session-level `pg_try_advisory_lock` on a dedicated connection. It
 * lasts exactly as long as that session: a node that crashes loses it when its socket closes,
 * one that hangs or is cut off loses it when PostgreSQL's keep-alive ends the session. While held,
 * each `tryAcquire` checks the connection still answers; if not, the lease counts as lost at once
 * on this side (the connection is dropped, which also ends the session on the server).
 */
export class PostgresLeaderLease implements LeaderLease {
  readonly name: string;
  readonly scope = 'cluster' as const;
  readonly #o: PostgresLeaderOptions;
  readonly #lock: readonly [number, number];
  #held: PostgresClient | null = null;
  /** tryAcquire and release run one at a time (a scheduler tick and a seal may overlap). */
  #busy: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: PostgresLeaderOptions) {
    this.name = options.name;
    this.#o = options;
    this.#lock = [LEADER_LOCK_CLASS, leaderLockObject(options.schema, options.name)];
  }

  isLeader(): boolean {
    return this.#held !== null;
  }

  tryAcquire(): Promise<boolean> {
    return this.#serial(() => this.#tryAcquire());
  }

  release(): Promise<void> {
    return this.#serial(() => this.#release());
  }

  /** Releases the lease and closes its pool; the lease cannot be taken again. */
  close(): Promise<void> {
    return this.#serial(async () => {
      this.#closed = true;
      await this.#release();
      await this.#o.pool.end().catch(() => undefined);
    });
  }

  async #tryAcquire(): Promise<boolean> {
    if (this.#closed) throw new KeywardError('storage_unavailable', 'store is closed');
    if (this.#held) {
      try {
        await this.#ask(this.#held, 'SELECT 1');
        return true;
      } catch (err) {
        this.#drop();
        throw translatePostgresError(err);
      }
    }
    let client: PostgresClient;
    try {
      client = await this.#o.pool.connect();
    } catch (err) {
      throw translatePostgresError(err);
    }
    let acquired = false;
    try {
      const { rows } = await this.#ask<{ held: boolean }>(client, 'SELECT pg_try_advisory_lock($1, $2) AS held', this.#lock);
      acquired = rows[0]?.held === true;
    } catch (err) {
      client.release(true);
      throw translatePostgresError(err);
    }
    if (!acquired) {
      // Kept in the lease's pool for the next attempt: followers ask every few seconds.
      client.release();
      return false;
    }
    this.#held = client;
    for (const setting of LEADER_SESSION_SETTINGS) {
      // Best effort: without them the lease still works, a vanished leader is only noticed later.
      await this.#ask(client, setting).catch(() => undefined);
    }
    return true;
  }

  async #release(): Promise<void> {
    const client = this.#held;
    if (!client) return;
    this.#held = null;
    try {
      await this.#ask(client, 'SELECT pg_advisory_unlock($1, $2)', this.#lock);
      client.release();
    } catch {
      // Destroying the connection ends the session, which releases the lock on the server too.
      client.release(true);
    }
  }

  #drop(): void {
    this.#held?.release(true);
    this.#held = null;
  }

  /** A query that gives up after answerTimeoutMillis: a cut-off server may never answer at all. */
  async #ask<R>(client: PostgresClient, text: string, values?: readonly number[]): Promise<{ rows: R[] }> {
    const answer = client.query<R>(text, values);
    answer.catch(() => undefined); // after a timeout, the dropped connection rejects it unobserved
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KeywardError('storage_unavailable', 'PostgreSQL did not answer in time')), this.#o.answerTimeoutMillis);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(fn, fn);
    this.#busy = run.catch(() => undefined);
    return run;
  }
}
