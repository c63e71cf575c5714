import { CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.ts';
import { createProgram } from './program.ts';

/** Entry point of the `keyward` command (bin/keyward.js runs the built copy of this file). */
try {
  await createProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function exitCodeFor(err: unknown): number {
  // Commander has already printed its message (or the help); a usage error exits 2.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof CliError) {
    process.stderr.write(`keyward: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`keyward: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}
