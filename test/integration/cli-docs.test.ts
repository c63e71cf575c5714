import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT } from '../../src/cli/cli-error.ts';
import { createProgram } from '../../src/cli/program.ts';

const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

function leafCommands(command: Command, prefix: string[] = []): string[] {
  const subs = command.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [prefix.join(' ')];
  return subs.flatMap((c) => leafCommands(c, [...prefix, c.name()]));
}

describe('docs/cli.md', () => {
  it('lists the exit codes of cli-error.ts, no more and no fewer', () => {
    const documented = Object.fromEntries([...docs.matchAll(/^\| (\d+) \| `(\w+)` \|/gm)].map((m) => [m[2], Number(m[1])]));
    assert.deepEqual(documented, { ...EXIT });
  });

  it('describes every command', () => {
    const commands = leafCommands(createProgram());
    assert.ok(commands.length > 30, commands.join(', '));
    const missing = commands.filter((path) => !new RegExp(`\`keyward ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \`]`).test(docs));
    assert.deepEqual(missing, []);
  });
});
