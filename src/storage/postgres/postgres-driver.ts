/**
 * The small part of node-postgres (`pg`) this backend uses, declared here (as kysely does for its
 * dialects) so that only postgres-pool.ts imports the driver and the rest of the folder is written
 * against these few methods.
 */

/** A value bound to a `$n` placeholder. Objects (jsonb/json) are passed already stringified. */
export type PostgresValue = string | number | boolean | Buffer | null | readonly string[];

export interface PostgresResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated, deleted or returned; null for statements without a count. */
  readonly rowCount: number | null;
  /** The command tag: 'COMMIT' becomes 'ROLLBACK' when PostgreSQL rolled back instead. */
  readonly command: string;
}

export interface PostgresQueryable {
  query<R = Record<string, unknown>>(text: string, values?: readonly PostgresValue[]): Promise<PostgresResult<R>>;
}

/** A connection checked out of the pool; `release(true)` destroys it instead of reusing it. */
export interface PostgresClient extends PostgresQueryable {
  release(destroy?: boolean): void;
}

export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
}
