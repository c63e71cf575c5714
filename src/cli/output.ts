/**
 * Where a command's results go. Results go to stdout, either as the server's JSON (`--json`, for
 * scripts) or rendered for people; notes about the run go to stderr. A note never holds a token,
 * a share or plaintext: stderr ends up in logs.
 */
export class Output {
  readonly json: boolean;

  constructor(json: boolean) {
    this.json = json;
  }

  /** The result: `value` as JSON with --json, else the human rendering. */
  result(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : human());
  }

  /** A remark for the person at the terminal, on stderr. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}
