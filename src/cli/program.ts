import { Command } from 'commander';
import { serverCommand } from './commands/server.ts';

/** The `keyward` command and its subcommands. Errors are thrown, not exited on, so main.ts picks the exit code. */
export function createProgram(): Command {
  const program = new Command('keyward').description('Keyward: self-hosted key management').addCommand(serverCommand());
  for (const command of [program, ...program.commands]) command.exitOverride();
  return program;
}
