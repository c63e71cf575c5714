import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { KeywardError } from '../core/errors.ts';

/**
 * Validates requests with TypeBox's compiler instead of Fastify's default Ajv setup, which would
 * silently drop unknown fields (removeAdditional) and coerce body types ("1" → 1). Here a body must
 * match exactly; only the URL parts (query string, params), which are text by nature, are converted
 * to the schema's numbers and booleans first. A missing body counts as `{}`, so routes whose fields
 * are all optional accept a bare POST.
 */
export const compileValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  const part = httpPart ?? 'body';
  return (input: unknown) => {
    const value = part === 'body' ? (input ?? {}) : Value.Convert(schema, input);
    if (checker.Check(value)) return { value };
    const first = checker.Errors(value).First();
    const field = fieldName(part, first?.path ?? '');
    return { error: new KeywardError('validation_failed', `${field}: ${describe(first)}`, { field }) };
  };
};

/** TypeBox's message, except for patterns: "expected base64", not the regular expression. Never the value itself. */
function describe(error: ValueError | undefined): string {
  if (!error) return 'is not valid';
  if (error.type === ValueErrorType.StringPattern) {
    const schema = error.schema as { contentEncoding?: string; description?: string };
    return schema.contentEncoding === 'base64' ? 'expected base64 (RFC 4648, with padding)' : `expected ${schema.description ?? 'another format'}`;
  }
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

/** `/context/tenant` in the body → `context.tenant`; query and path parts are named as such. */
function fieldName(part: string, path: string): string {
  const inner = path.split('/').filter(Boolean).join('.');
  if (part === 'body') return inner || 'body';
  const label = part === 'querystring' ? 'query' : part;
  return inner ? `${label}.${inner}` : label;
}
