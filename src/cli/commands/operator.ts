import { Command } from 'commander';
import type { Static } from '@sinclair/typebox';
import { MAX_SHARES } from '../../crypto/shamir.ts';
import type { InitResult, SealStatus } from '../../server/schemas/sys.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import type { Output } from '../output.ts';
import { promptSecret } from '../prompt-secret.ts';
import { readStdin } from '../read-input.ts';
import { formatFields } from '../table.ts';

type Status = Static<typeof SealStatus>;
type Init = Static<typeof InitResult>;

/** Piped shares: a few lines of base64; more than this is not a list of shares. */
const MAX_SHARES_INPUT_BYTES = 64 * 1024;

/** `keyward operator init|unseal|seal|status`: the seal lifecycle of a node. */
export function operatorCommand(): Command {
  return new Command('operator')
    .description('initialise, unseal, seal and inspect a Keyward node')
    .addCommand(initCommand())
    .addCommand(unsealCommand())
    .addCommand(sealCommand())
    .addCommand(statusCommand())
    .addHelpText(
      'after',
      `
Examples:
  keyward operator init --shares 5 --threshold 3   # once per node; prints the shares and root token ONCE
  keyward operator unseal                          # prompts for a share (input hidden); repeat with other shares
  cat my-share.txt | keyward operator unseal       # or pipe shares, one a line
  keyward operator status
  keyward operator seal                            # drops the root key from memory (needs a token)`,
    );
}

function initCommand(): Command {
  return withClientOptions(
    new Command('init')
      .description('initialise a new node: make the root key, the unseal shares and the root token')
      .option('--shares <n>', 'unseal shares to make (default 5)', integerIn(1, MAX_SHARES))
      .option('--threshold <m>', 'shares needed to unseal (default 3)', integerIn(1, MAX_SHARES))
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ shares?: number; threshold?: number }>(command);
        const result = await client.post<Init>('/v1/sys/init', {
          ...(options.shares !== undefined ? { shares: options.shares } : {}),
          ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
        });
        if (out.json) out.note(storeWarning(result));
        out.result(result, () => initText(result));
      }),
  );
}

function unsealCommand(): Command {
  return withClientOptions(
    new Command('unseal')
      .description('give one unseal share (or several, piped one a line); --reset discards the shares given so far')
      .argument('[share]', 'an unseal share (arguments stay in shell history: prefer the prompt or a pipe); without it, shares are read from piped stdin, or prompted for without echo')
      .option('--reset', 'discard the shares given so far in this unseal attempt')
      .action(async (share: string | undefined, _options, command: Command) => {
        const { client, out, options } = session<{ reset?: boolean }>(command);
        if (options.reset) {
          if (share !== undefined) throw new CliError('--reset takes no share', EXIT.usage);
          const status = await client.post<Status>('/v1/sys/unseal', { reset: true });
          return out.result(status, () => `Unseal attempt reset.\n${statusText(status)}`);
        }
        let status: Status | null = null;
        for (const s of await sharesToGive(share)) {
          status = await client.post<Status>('/v1/sys/unseal', { share: s });
          if (!status.sealed) break;
        }
        if (status) showUnsealProgress(out, status);
      }),
  );
}

function sealCommand(): Command {
  return withClientOptions(
    new Command('seal').description('seal the node: drop the root key and every unwrapped key from memory').action(async (_options, command: Command) => {
      const { client, out } = session(command);
      const status = await client.post<Status>('/v1/sys/seal');
      out.result(status, () => `Sealed. Unsealing needs ${status.threshold ?? '?'} share${status.threshold === 1 ? '' : 's'}.\n`);
    }),
  );
}

function statusCommand(): Command {
  return withClientOptions(
    new Command('status').description('show whether the node is initialised and sealed, and the unseal progress').action(async (_options, command: Command) => {
      const { client, out } = session(command);
      const status = await client.get<Status>('/v1/sys/seal-status');
      out.result(status, () => statusText(status));
    }),
  );
}

async function sharesToGive(arg: string | undefined): Promise<string[]> {
  if (arg !== undefined) return [arg.trim()];
  if (process.stdin.isTTY) {
    const typed = (await promptSecret('Unseal share (input hidden): ')).trim();
    if (!typed) throw new CliError('no share given', EXIT.usage);
    return [typed];
  }
  const piped = await readStdin({ what: 'list of shares', maxBytes: MAX_SHARES_INPUT_BYTES });
  const shares = piped
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  piped.fill(0);
  if (shares.length === 0) throw new CliError('no share on stdin: pipe one share a line, or give it as an argument', EXIT.usage);
  return shares;
}

function showUnsealProgress(out: Output, status: Status): void {
  out.result(status, () => {
    if (!status.sealed) return 'Unsealed.\n';
    const needed = (status.threshold ?? 0) - status.progress;
    return `Share accepted: ${status.progress} of ${status.threshold ?? '?'}. Still sealed: give ${needed} more share${needed === 1 ? '' : 's'}.\n`;
  });
}

function statusText(status: Status): string {
  return formatFields([
    ['Initialised', status.initialized],
    ['Sealed', status.sealed],
    ['Threshold', status.threshold === null ? null : `${status.threshold} of ${status.shares ?? '?'} shares`],
    ['Unseal progress', status.sealed && status.initialized ? `${status.progress}/${status.threshold ?? '?'}` : null],
  ]);
}

function initText(result: Init): string {
  const width = String(result.shares.length).length;
  return [
    `Keyward is initialised: ${result.shares.length} unseal share${result.shares.length === 1 ? '' : 's'}, ${result.threshold} needed to unseal.`,
    '',
    ...result.shares.map((s, i) => `  Unseal share ${String(i + 1).padStart(width)}:  ${s}`),
    `  Root token:${' '.repeat(width + 5)}${result.rootToken}`,
    '',
    storeWarning(result),
    '',
    `The node is still sealed: run \`keyward operator unseal\` with ${result.threshold} of the shares.`,
    '',
  ].join('\n');
}

function storeWarning(result: Init): string {
  return [
    'WARNING: the unseal shares and the root token are shown only this once; Keyward keeps no copy.',
    `Store each share with a different person or in a different safe, and the root token somewhere safe, now.`,
    `Without ${result.threshold} of the shares nobody can unseal this node, and its keys are lost.`,
  ].join('\n');
}
