import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { SIGNING_ALGORITHMS } from '../../crypto/key-specs.ts';
import { MAX_CIPHERTEXT_CHARS, MAX_DATA_KEY_BYTES, MAX_MESSAGE_BYTES, MAX_PLAINTEXT_BYTES, MAX_RANDOM_BYTES, MIN_DATA_KEY_BYTES } from '../../keys/limits.ts';
import type { DataKeyResult, DecryptResult, EncryptResult, MacResult, RandomResult, ReEncryptResult, SignResult, VerifyResult } from '../../server/schemas/crypto.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { collectPair } from '../key-value-pairs.ts';
import { readInput, readTextArgument, type InputFlags } from '../read-input.ts';
import { formatFields } from '../table.ts';

type Context = Record<string, string>;

const PLAINTEXT = { what: 'plaintext', maxBytes: MAX_PLAINTEXT_BYTES, hint: 'encrypt larger data locally under a data key (keyward datakey)' };
const MESSAGE = { what: 'message', maxBytes: MAX_MESSAGE_BYTES, hint: 'sign a digest instead (--digest)' };
const CIPHERTEXT = { what: 'ciphertext', maxBytes: MAX_CIPHERTEXT_CHARS + 2 };

/** The cryptographic commands: encrypt, decrypt, datakey, reencrypt, sign, verify, mac, verify-mac, random. */
export function cryptoCommands(): Command[] {
  return [encryptCommand(), decryptCommand(), dataKeyCommand(), reEncryptCommand(), signCommand(), verifyCommand(), macCommand(), verifyMacCommand(), randomCommand()];
}

function encryptCommand(): Command {
  return withClientOptions(
    withInputOptions(new Command('encrypt').description(`encrypt up to ${MAX_PLAINTEXT_BYTES / 1024} KiB under a key; prints the kw:v1 ciphertext`).argument('<key>', 'key name or id'))
      .option('--context <key=value>', 'encryption context (repeatable); the same is needed to decrypt', collectPair)
      .addHelpText(
        'after',
        `
Examples:
  keyward encrypt billing --text 4111-1111-1111-1111 --context tenant=acme
  keyward encrypt billing --in card.txt > card.kw
  echo -n secret | keyward encrypt billing`,
      )
      .action(async (key: string, _options, command: Command) => {
        const { client, out, options } = session<InputFlags & { context?: Context }>(command);
        const plaintext = await readInput(options, PLAINTEXT);
        const body = { key, plaintext: plaintext.toString('base64'), ...contextField('context', options.context) };
        plaintext.fill(0);
        const result = await client.post<Static<typeof EncryptResult>>('/v1/crypto/encrypt', body);
        out.result(result, () => `${result.ciphertext}\n`);
      }),
  );
}

function decryptCommand(): Command {
  return withClientOptions(
    new Command('decrypt')
      .description('decrypt a kw:v1 ciphertext; writes the raw plaintext bytes to stdout or --out')
      .argument('[ciphertext]', 'kw:v1 ciphertext; else --in FILE or piped stdin')
      .option('--in <file>', 'read the ciphertext from a file ("-" for stdin)')
      .option('--context <key=value>', 'the encryption context it was encrypted with (repeatable)', collectPair)
      .option('--out <file>', 'write the plaintext to this file (created with mode 0600) instead of stdout')
      .addHelpText(
        'after',
        `
Examples:
  keyward decrypt kw:v1:key_…:1:… --context tenant=acme
  keyward decrypt --in card.kw --out card.txt
  keyward encrypt billing --text hi | keyward decrypt

With --json the answer is the server's JSON (plaintext in base64); with --out as well, the
plaintext goes only to the file.`,
      )
      .action(async (ciphertextArg: string | undefined, _options, command: Command) => {
        const { client, out, options } = session<{ in?: string; context?: Context; out?: string }>(command);
        const ciphertext = await readTextArgument(ciphertextArg, options.in, CIPHERTEXT);
        const result = await client.post<Static<typeof DecryptResult>>('/v1/crypto/decrypt', { ciphertext, ...contextField('context', options.context) });
        const plaintext = Buffer.from(result.plaintext, 'base64');
        try {
          if (options.out !== undefined) writeFileSync(options.out, plaintext, { mode: 0o600 });
          if (out.json) out.result(options.out !== undefined ? { keyId: result.keyId, version: result.version } : result, () => '');
          else if (options.out === undefined) await writeStdout(plaintext);
        } finally {
          plaintext.fill(0);
        }
      }),
  );
}

function dataKeyCommand(): Command {
  return withClientOptions(
    new Command('datakey')
      .description('make a data key for envelope encryption: its encrypted copy, and the key itself (base64) unless refused')
      .argument('<key>', 'key name or id that encrypts the data key')
      .option('--bytes <n>', `data key length (${MIN_DATA_KEY_BYTES}–${MAX_DATA_KEY_BYTES}, default 32)`, integerIn(MIN_DATA_KEY_BYTES, MAX_DATA_KEY_BYTES))
      .option('--no-plaintext', 'return only the encrypted copy (decrypt it later, where it is used)')
      .option('--context <key=value>', 'encryption context (repeatable)', collectPair)
      .action(async (key: string, _options, command: Command) => {
        const { client, out, options } = session<{ bytes?: number; plaintext: boolean; context?: Context }>(command);
        const result = await client.post<Static<typeof DataKeyResult>>('/v1/crypto/generate-data-key', {
          key,
          ...(options.bytes !== undefined ? { bytes: options.bytes } : {}),
          ...contextField('context', options.context),
          ...(options.plaintext ? {} : { includePlaintext: false }),
        });
        out.result(result, () =>
          formatFields([
            ['Ciphertext', result.ciphertext],
            ['Key ID', result.keyId],
            ['Version', result.version],
            ...(result.plaintext !== undefined ? [['Plaintext (base64)', result.plaintext] as const] : []),
          ]),
        );
      }),
  );
}

function reEncryptCommand(): Command {
  return withClientOptions(
    new Command('reencrypt')
      .description("re-encrypt a ciphertext (inside the server) under the key's current version or another key")
      .argument('[ciphertext]', 'kw:v1 ciphertext; else --in FILE or piped stdin')
      .option('--in <file>', 'read the ciphertext from a file ("-" for stdin)')
      .option('--to <key>', 'destination key (default: the same key, current version)')
      .option('--source-context <key=value>', 'context the ciphertext was encrypted with (repeatable)', collectPair)
      .option('--destination-context <key=value>', 'context for the new ciphertext (repeatable)', collectPair)
      .action(async (ciphertextArg: string | undefined, _options, command: Command) => {
        const { client, out, options } = session<{ in?: string; to?: string; sourceContext?: Context; destinationContext?: Context }>(command);
        const ciphertext = await readTextArgument(ciphertextArg, options.in, CIPHERTEXT);
        const result = await client.post<Static<typeof ReEncryptResult>>('/v1/crypto/re-encrypt', {
          ciphertext,
          ...(options.to !== undefined ? { destinationKey: options.to } : {}),
          ...contextField('sourceContext', options.sourceContext),
          ...contextField('destinationContext', options.destinationContext),
        });
        out.result(result, () => `${result.ciphertext}\n`);
      }),
  );
}

function signCommand(): Command {
  return withClientOptions(
    withSigningOptions(withInputOptions(new Command('sign').description('sign a message with an asymmetric key; prints the signature in base64').argument('<key>', 'key name or id')))
      .addHelpText(
        'after',
        `
Examples:
  keyward sign signer --in release.tar.gz > release.sig      # messages up to ${MAX_MESSAGE_BYTES / 1024} KiB
  openssl dgst -sha256 -binary big.iso | keyward sign rsa-signer --digest --algorithm RSASSA_PKCS1_V1_5_SHA_256`,
      )
      .action(async (key: string, _options, command: Command) => {
        const { client, out, options } = session<InputFlags & SigningFlags>(command);
        const message = await readInput(options, MESSAGE);
        const result = await client.post<Static<typeof SignResult>>('/v1/crypto/sign', { key, message: message.toString('base64'), ...signingFields(options) });
        out.result(result, () => `${result.signature}\n`);
      }),
  );
}

function verifyCommand(): Command {
  return withClientOptions(
    withSigningOptions(
      withInputOptions(
        new Command('verify')
          .description('check a signature; prints "valid" (exit 0) or "invalid" (exit 1)')
          .argument('<key>', 'key name or id')
          .requiredOption('--signature <base64>', 'the signature, base64'),
      ),
    )
      .option('--version <n>', 'check only this key version (default: every usable one)', integerIn(1))
      .action(async (key: string, _options, command: Command) => {
        const { client, out, options } = session<InputFlags & SigningFlags & { signature: string; version?: number }>(command);
        const message = await readInput(options, MESSAGE);
        const result = await client.post<Static<typeof VerifyResult>>('/v1/crypto/verify', {
          key,
          message: message.toString('base64'),
          signature: options.signature.trim(),
          ...signingFields(options),
          ...(options.version !== undefined ? { version: options.version } : {}),
        });
        showValidity(out.json, result);
      }),
  );
}

function macCommand(): Command {
  return withClientOptions(
    withInputOptions(new Command('mac').description('compute an HMAC of a message; prints it in base64').argument('<key>', 'HMAC key name or id')).action(
      async (key: string, _options, command: Command) => {
        const { client, out, options } = session<InputFlags>(command);
        const message = await readInput(options, MESSAGE);
        const result = await client.post<Static<typeof MacResult>>('/v1/crypto/mac', { key, message: message.toString('base64') });
        out.result(result, () => `${result.mac}\n`);
      },
    ),
  );
}

function verifyMacCommand(): Command {
  return withClientOptions(
    withInputOptions(
      new Command('verify-mac')
        .description('check an HMAC (constant time on the server); prints "valid" (exit 0) or "invalid" (exit 1)')
        .argument('<key>', 'HMAC key name or id')
        .requiredOption('--mac <base64>', 'the MAC, base64'),
    )
      .option('--version <n>', 'check only this key version', integerIn(1))
      .action(async (key: string, _options, command: Command) => {
        const { client, out, options } = session<InputFlags & { mac: string; version?: number }>(command);
        const message = await readInput(options, MESSAGE);
        const result = await client.post<Static<typeof VerifyResult>>('/v1/crypto/verify-mac', {
          key,
          message: message.toString('base64'),
          mac: options.mac.trim(),
          ...(options.version !== undefined ? { version: options.version } : {}),
        });
        showValidity(out.json, result);
      }),
  );
}

function randomCommand(): Command {
  return withClientOptions(
    new Command('random')
      .description("random bytes from the server's CSPRNG, in base64 (or hex)")
      .option('--bytes <n>', `how many (1–${MAX_RANDOM_BYTES}, default 32)`, integerIn(1, MAX_RANDOM_BYTES), 32)
      .option('--hex', 'print hex instead of base64')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ bytes: number; hex?: boolean }>(command);
        const result = await client.post<Static<typeof RandomResult>>('/v1/crypto/random', { bytes: options.bytes });
        out.result(result, () => `${options.hex ? Buffer.from(result.random, 'base64').toString('hex') : result.random}\n`);
      }),
  );
}

interface SigningFlags {
  readonly algorithm?: string;
  readonly digest?: boolean;
}

function withInputOptions(command: Command): Command {
  return command.option('--in <file>', 'read the input from a file ("-" for stdin); default: piped stdin').option('--text <string>', 'the input as UTF-8 text');
}

function withSigningOptions(command: Command): Command {
  return command
    .addOption(new Option('--algorithm <alg>', "signing algorithm (default: the key spec's first)").choices(SIGNING_ALGORITHMS))
    .option('--digest', 'the input is a precomputed digest (raw bytes), not the message');
}

function signingFields(flags: SigningFlags): Record<string, string> {
  return { ...(flags.algorithm !== undefined ? { algorithm: flags.algorithm } : {}), ...(flags.digest ? { messageType: 'DIGEST' } : {}) };
}

function contextField(name: string, context: Context | undefined): Record<string, Context> {
  return context === undefined ? {} : { [name]: context };
}

/** "valid" or "invalid" on stdout (or the JSON); an invalid signature or MAC exits 1 without an error message. */
function showValidity(json: boolean, result: Static<typeof VerifyResult>): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${result.valid ? 'valid' : 'invalid'}\n`);
  if (!result.valid) process.exitCode = EXIT.failure;
}

function writeStdout(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (err) => (err ? reject(new CliError(`cannot write to stdout: ${err.message}`)) : resolve()));
  });
}
