import { Command } from 'commander';
import { auditCommand } from './commands/audit.ts';
import { cryptoCommands } from './commands/crypto.ts';
import { keyCommand } from './commands/key.ts';
import { rewrapCommand, rotationCommand } from './commands/lifecycle.ts';
import { operatorCommand } from './commands/operator.ts';
import { storageCommand } from './commands/storage.ts';
import { backupCommand, drCommand } from './commands/backup.ts';
import { tokenCommand } from './commands/token.ts';
import { eventsCommand, webhookCommand } from './commands/events.ts';
import { policyCommand } from './commands/policy.ts';
import { reportCommand } from './commands/report.ts';
import { inventoryCommand } from './commands/inventory.ts';
import { scanCommand } from './commands/scan.ts';
import { groupCommand, loginCommand, serviceAccountCommand, userCommand, whoamiCommand } from './commands/governance.ts';
import { approvalCommand, bindingCommand, breakGlassCommand, reviewCommand, roleCommand } from './commands/governance-access.ts';
import { lazyCommand } from './lazy-command.ts';

/** The `keyward` command and its subcommands. Errors are thrown, not exited on, so main.ts picks the exit code. */
export function createProgram(): Command {
  const program = new Command('keyward')
    .description('Keyward: self-hosted key management')
    .addCommand(
      lazyCommand({
        name: 'server',
        description: 'run the Keyward server',
        load: async () => (await import('./commands/server.ts')).serverCommand(),
      }),
    )
    .addCommand(operatorCommand())
    .addCommand(keyCommand())
    .addCommand(rotationCommand())
    .addCommand(rewrapCommand());
  for (const command of cryptoCommands()) program.addCommand(command);
  program
    .addCommand(auditCommand())
    .addCommand(tokenCommand())
    .addCommand(loginCommand())
    .addCommand(whoamiCommand())
    .addCommand(userCommand())
    .addCommand(serviceAccountCommand())
    .addCommand(groupCommand())
    .addCommand(roleCommand())
    .addCommand(bindingCommand())
    .addCommand(approvalCommand())
    .addCommand(breakGlassCommand())
    .addCommand(reviewCommand())
    .addCommand(webhookCommand())
    .addCommand(eventsCommand())
    .addCommand(policyCommand())
    .addCommand(reportCommand())
    .addCommand(inventoryCommand())
    .addCommand(scanCommand())
    .addCommand(storageCommand())
    .addCommand(backupCommand())
    .addCommand(drCommand())
    .addHelpText(
      'after',
      `
Client commands talk to the server at --addr (env KEYWARD_ADDR, default http://127.0.0.1:8200)
with the token in KEYWARD_TOKEN (or --token). Add --json for the server's JSON answer.
Exit codes: 0 ok, 1 failed or invalid, 2 usage, 3 server unreachable, 4 token refused, 5 sealed,
6 approval required (a request was made).
Docs: docs/cli.md

Examples:
  keyward server --dev
  keyward key create billing --spec AES_256_GCM
  keyward encrypt billing --text hello | keyward decrypt`,
    );
  forEachCommand(program, (command) => command.exitOverride().showHelpAfterError('(add --help for usage)'));
  return program;
}

function forEachCommand(command: Command, fn: (command: Command) => void): void {
  fn(command);
  for (const sub of command.commands) forEachCommand(sub, fn);
}
