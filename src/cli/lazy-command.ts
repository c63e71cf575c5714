import { Command } from 'commander';

export interface LazyCommandSpec {
  readonly name: string;
  /** Shown in `keyward --help`; keep it equal to the real command's. */
  readonly description: string;
  /** Builds the real command; its module is imported only when the command runs. */
  readonly load: () => Promise<Command>;
}

/**
 * A subcommand whose module loads only when it is used. `keyward server` pulls in Fastify, pino
 * and the engine (about a second of start-up on a small machine); every client command would pay
 * for it on each run otherwise. The stand-in takes every argument as is (its --help too) and hands
 * them to the real command, so parsing, help and errors are the real command's own.
 */
export function lazyCommand(spec: LazyCommandSpec): Command {
  return new Command(spec.name)
    .description(spec.description)
    .usage('[options]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .addHelpText('after', `\nRun \`keyward ${spec.name} --help\` for its options.`)
    .action(async (args: string[]) => {
      const real = (await spec.load()).exitOverride();
      // Under a parent of the same name, so its help and errors say "keyward server", not "server".
      const parent = new Command('keyward').exitOverride().addCommand(real);
      await parent.parseAsync([spec.name, ...args], { from: 'user' });
    });
}
