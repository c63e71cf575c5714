import { randomBytes } from 'node:crypto';
import { KeywardError } from '../../core/errors.ts';
import type { PostgresClient, PostgresPool } from './postgres-driver.ts';
import { translatePostgresError } from './postgres-errors.ts';
import { quoteIdentifier } from './postgres-identifiers.ts';
import { advisoryLock } from './postgres-locks.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';

export interface MigrationResult {
  /** The schema the tables live in: the one asked for, or the connection's current schema. */
  readonly schema: string;
  readonly instanceId: string;
}

/**
 * Brings the schema up to date. Nodes that start together take turns on an advisory session lock;
 * the later ones find the work done. A schema newer than this code is refused rather than used.
 */
export async function migrate(pool: PostgresPool, requestedSchema: string | null): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    // Migrations may wait for another node's lock and may rewrite large tables: no timeout here.
    // The connection is destroyed afterwards, so this setting never reaches a pooled session.
    await client.query('SET statement_timeout = 0');
    const schema = requestedSchema ?? (await currentSchema(client));
    const lock = advisoryLock('migrate', schema);
    await client.query('SELECT pg_advisory_lock($1, $2)', [lock.classId, lock.objectId]);
    try {
      if (requestedSchema !== null) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
        await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
      }
      await applyPending(client);
      const { rows } = await client.query<{ value: string }>("SELECT value FROM meta WHERE name = 'instance_id'");
      const instanceId = rows[0]?.value;
      if (instanceId === undefined) throw new KeywardError('storage_unavailable', 'the database has no instance id (meta table damaged)');
      return { schema, instanceId };
    } finally {
      // Ending the session (release(true) below) would free it too; unlock early for the next node.
      await client.query('SELECT pg_advisory_unlock($1, $2)', [lock.classId, lock.objectId]).catch(() => undefined);
    }
  } catch (err) {
    throw translatePostgresError(err);
  } finally {
    client.release(true);
  }
}

async function currentSchema(client: PostgresClient): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema;
  if (!schema) throw new KeywardError('storage_unavailable', "no schema on the connection's search_path exists; create one or set `schema`");
  return schema;
}

async function applyPending(client: PostgresClient): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
  const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
  const applied = rows[0]?.v ?? 0;
  const latest = POSTGRES_MIGRATIONS.length;
  if (applied > latest) {
    throw new KeywardError('storage_unavailable', `database schema version ${applied} is newer than this Keyward (${latest}); upgrade Keyward`);
  }
  for (let v = applied + 1; v <= latest; v++) {
    await client.query('BEGIN');
    try {
      await client.query(POSTGRES_MIGRATIONS[v - 1] as string);
      if (v === 1) await client.query("INSERT INTO meta (name, value) VALUES ('instance_id', $1)", [`kw_${randomBytes(12).toString('hex')}`]);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [v]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
