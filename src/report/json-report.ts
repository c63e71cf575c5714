import type { AuditRun } from '../assess/model.ts';

/**
 * The run as is, pretty-printed with object keys in code-unit order (array order kept), so two
 * renderings of one run are byte-identical and diff well, whatever order the run was built in.
 */
export function renderJson(run: AuditRun): string {
  return `${JSON.stringify(sortKeys(run), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
