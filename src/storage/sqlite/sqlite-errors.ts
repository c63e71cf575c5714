import { KeywardError } from '../../core/errors.ts';

/** Maps driver errors to Keyward codes; a KeywardError passes through unchanged. */
export function translateSqliteError(err: unknown): unknown {
  if (err instanceof KeywardError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return new KeywardError('conflict', 'a record with that identity already exists', {}, { cause: err });
    }
    return new KeywardError('storage_unavailable', `storage error (${code})`, {}, { cause: err });
  }
  return err;
}
