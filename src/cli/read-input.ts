import { readFileSync, statSync } from 'node:fs';
import { CliError, EXIT } from './cli-error.ts';

export interface InputFlags {
  /** A file to read, or "-" for stdin. */
  readonly in?: string;
  /** The input itself, as UTF-8 text. */
  readonly text?: string;
}

export interface InputLimits {
  /** What the input is, for messages: "plaintext", "message". */
  readonly what: string;
  readonly maxBytes: number;
  /** Said when the input is too large: what to do instead. */
  readonly hint?: string;
}

/**
 * The bytes a command works on: `--in FILE` (`-` for stdin), `--text STRING`, or stdin when it is
 * piped. A terminal on stdin is refused rather than waited on, so a forgotten argument does not
 * look like a hang. The Buffer is the caller's to zero-fill.
 */
export async function readInput(flags: InputFlags, limits: InputLimits): Promise<Buffer> {
  if (flags.in !== undefined && flags.text !== undefined) throw new CliError('give either --in or --text, not both', EXIT.usage);
  if (flags.text !== undefined) return checkSize(Buffer.from(flags.text, 'utf8'), limits);
  if (flags.in !== undefined && flags.in !== '-') return readFileLimited(flags.in, limits);
  if (flags.in === undefined && process.stdin.isTTY) {
    throw new CliError(`no ${limits.what}: give --in FILE, --text STRING, or pipe it on stdin`, EXIT.usage);
  }
  return readStdin(limits);
}

/** A text argument (a ciphertext, say) from the argument itself, `--in FILE`, or piped stdin; surrounding whitespace dropped. */
export async function readTextArgument(arg: string | undefined, file: string | undefined, limits: InputLimits): Promise<string> {
  if (arg !== undefined && file !== undefined) throw new CliError(`give the ${limits.what} as an argument or with --in, not both`, EXIT.usage);
  if (arg !== undefined) return arg.trim();
  if (file === undefined && process.stdin.isTTY) throw new CliError(`no ${limits.what}: give it as an argument, with --in FILE, or pipe it on stdin`, EXIT.usage);
  const bytes = file !== undefined && file !== '-' ? readFileLimited(file, limits) : await readStdin(limits);
  return bytes.toString('utf8').trim();
}

/** All of stdin, refusing more than `maxBytes` without reading the rest. */
export async function readStdin(limits: InputLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    chunks.push(chunk);
    if (size > limits.maxBytes) {
      for (const c of chunks) c.fill(0);
      throw tooLarge(limits);
    }
  }
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  return all;
}

export function readFileLimited(path: string, limits: InputLimits): Buffer {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new CliError(`${path} is not a file`, EXIT.usage);
    size = stat.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
  if (size > limits.maxBytes) throw tooLarge(limits);
  return checkSize(readFileSync(path), limits);
}

function checkSize(bytes: Buffer, limits: InputLimits): Buffer {
  if (bytes.length > limits.maxBytes) {
    bytes.fill(0);
    throw tooLarge(limits);
  }
  return bytes;
}

function tooLarge(limits: InputLimits): CliError {
  return new CliError(`the ${limits.what} is larger than ${limits.maxBytes} bytes${limits.hint ? `; ${limits.hint}` : ''}`, EXIT.usage);
}
