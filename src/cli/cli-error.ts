/**
 * Exit codes of the keyward command: the one table (docs/cli.md lists it, and a test keeps the two
 * in step). Scripts branch on these, so a code never changes meaning.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The operation failed, or a check (signature, MAC, audit chain) found something invalid. */
  failure: 1,
  /** The command line is wrong: unknown option, missing argument, bad value. Nothing was sent. */
  usage: 2,
  /** No answer from the server: nothing listening, DNS failure, timeout. */
  unreachable: 3,
  /** The server refused the token: missing, unknown, expired or revoked (401), or not allowed (403). */
  denied: 4,
  /** The server is sealed (or not initialised): unseal it first. */
  sealed: 5,
  /** The operation is sensitive: an approval request was made instead; it runs once approved. */
  pending: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error answer. */
export function exitCodeForHttp(status: number, code: string | null): ExitCode {
  if (status === 401 || status === 403) return EXIT.denied;
  if (status === 503 && code === 'sealed') return EXIT.sealed;
  return EXIT.failure;
}

/** A failure the CLI explains in one line and exits with; no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}
