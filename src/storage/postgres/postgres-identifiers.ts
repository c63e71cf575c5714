import { KeywardError } from '../../core/errors.ts';

/**
 * PostgreSQL schema names accepted by `schema`: lower-case unquoted identifiers only, so the name
 * means the same quoted or not, needs no escaping in `-c search_path=…`, and fits NAMEDATALEN.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name) || name.startsWith('pg_')) {
    throw new KeywardError('validation_failed', 'schema must be a lower-case identifier of at most 63 characters ([a-z_][a-z0-9_]*), not starting with pg_', { field: 'schema' });
  }
  return name;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
