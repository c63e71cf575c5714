/** Exit codes of the keyward command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the CLI explains in one line and exits with; no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}
