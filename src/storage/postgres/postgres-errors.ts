import { KeywardError } from '../../core/errors.ts';

/**
 * Maps a node-postgres error to a KeywardError; a KeywardError passes through unchanged. Call it
 * only on errors thrown by the driver: everything reaching it is a storage failure of some kind.
 *
 * Messages are ours, built from the SQLSTATE or the socket error code only: PostgreSQL's own
 * message can quote a value, and a connection error can carry the host, user or connection string.
 * The original is kept as `cause` for the server log.
 */
export function translatePostgresError(err: unknown): KeywardError {
  if (err instanceof KeywardError) return err;
  const { code, severity } = (err ?? {}) as { code?: unknown; severity?: unknown };
  const options = { cause: err };
  // An error the server sent carries a severity and a SQLSTATE; socket errors have Node codes
  // (some, like EPIPE, also five capitals).
  if (typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const known = SQLSTATES[code];
    if (known) return new KeywardError(known.code, known.message, { sqlstate: code }, options);
    const klass = code.slice(0, 2);
    if (klass === '22') return new KeywardError('validation_failed', `PostgreSQL rejected a value (SQLSTATE ${code})`, { sqlstate: code }, options);
    if (klass === '23') return new KeywardError('validation_failed', `the write breaks an integrity rule (SQLSTATE ${code})`, { sqlstate: code }, options);
    if (klass === '08') return unavailable('the connection to PostgreSQL failed', code, options);
    if (klass === '28') return unavailable('PostgreSQL refused the credentials', code, options);
    if (klass === '53') return unavailable('PostgreSQL is out of resources (connections, memory or disk)', code, options);
    if (klass === '57') return unavailable('PostgreSQL is shutting down or cancelled the statement', code, options);
    return unavailable('PostgreSQL failed the statement', code, options);
  }
  // Socket errors (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…) and pg's own errors without a code
  // ('Connection terminated unexpectedly', 'timeout exceeded when trying to connect').
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return new KeywardError('storage_unavailable', `PostgreSQL is unreachable (${code})`, {}, options);
  const timedOut = err instanceof Error && /timeout|timed out/i.test(err.message);
  return new KeywardError('storage_unavailable', timedOut ? 'PostgreSQL did not answer in time' : 'the connection to PostgreSQL failed', {}, options);
}

function unavailable(message: string, sqlstate: string, options: { cause: unknown }): KeywardError {
  return new KeywardError('storage_unavailable', `${message} (SQLSTATE ${sqlstate})`, { sqlstate }, options);
}

const SQLSTATES: Readonly<Record<string, { readonly code: 'conflict' | 'validation_failed' | 'storage_unavailable'; readonly message: string }>> = {
  '23505': { code: 'conflict', message: 'a record with that identity already exists' },
  '23P01': { code: 'conflict', message: 'a record with that identity already exists' },
  '23503': { code: 'conflict', message: 'the record refers to one that does not exist' },
  '40001': { code: 'conflict', message: 'a concurrent transaction won; retry' },
  '40P01': { code: 'conflict', message: 'a concurrent transaction won (deadlock); retry' },
  // NUL cannot be stored in PostgreSQL text or jsonb (SQLite accepts it).
  '22021': { code: 'validation_failed', message: 'a value holds a character PostgreSQL cannot store (NUL)' },
  '22P05': { code: 'validation_failed', message: 'a value holds a character PostgreSQL cannot store (NUL)' },
  '57014': { code: 'storage_unavailable', message: 'a PostgreSQL statement timed out' },
  '25P02': { code: 'storage_unavailable', message: 'an earlier statement failed and PostgreSQL aborted the transaction' },
};
