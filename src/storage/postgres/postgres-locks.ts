import { createHash } from 'node:crypto';

/**
 * PostgreSQL advisory locks used by Keyward, in the two-integer form (class, object). The class
 * names the purpose ('KW' and a number); the object is derived from the schema name, so several
 * Keyward deployments sharing one database in different schemas (or parallel test schemas) never
 * wait for each other. Advisory locks are database-wide, visible in pg_locks, and released by
 * PostgreSQL when the transaction (xact locks) or the session ends, even if the node dies.
 */
export const LOCK_CLASS = {
  /** Session lock held while migrating, so two nodes starting at once do not race. */
  migrate: 0x4b570001,
  /** Transaction lock that serialises every audit appender on every node: one chain, one head. */
  auditHead: 0x4b570002,
} as const;

export interface AdvisoryLock {
  readonly classId: number;
  readonly objectId: number;
}

export function advisoryLock(purpose: keyof typeof LOCK_CLASS, schema: string): AdvisoryLock {
  return { classId: LOCK_CLASS[purpose], objectId: createHash('sha256').update(`keyward:${schema}`).digest().readInt32BE(0) };
}
