import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/core/errors.ts';
import { HTTP_STATUS } from '../../src/core/error-status.ts';

describe('docs/errors.md', () => {
  const rows = new Map<string, number>();
  for (const line of readFileSync('docs/errors.md', 'utf8').split('\n')) {
    const m = /^\| `([a-z_]+)` \| (\d{3}) \|/.exec(line);
    if (m) rows.set(m[1] as string, Number(m[2]));
  }

  it('documents every error code with its HTTP status', () => {
    for (const code of ERROR_CODES) {
      assert.equal(rows.get(code), HTTP_STATUS[code], `docs/errors.md row for ${code}`);
    }
  });

  it('documents no code that does not exist', () => {
    for (const code of rows.keys()) assert.ok((ERROR_CODES as readonly string[]).includes(code), `stale code ${code} in docs/errors.md`);
  });
});
