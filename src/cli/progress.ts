/** A progress display for long work; a no-op when nobody is watching. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A cli-progress bar on stderr, only when stderr is a terminal and the output is not --json (a
 * bar in a log file or a pipe is noise). `format` uses cli-progress placeholders ({bar}, {value},
 * {total}, {percentage}, {eta}). cli-progress is loaded only when a bar is shown.
 */
export async function stderrProgress(options: { json: boolean; format: string; total?: number }): Promise<Progress> {
  if (options.json || !process.stderr.isTTY) return SILENT;
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({ format: options.format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 });
  bar.start(options.total ?? 0, 0);
  return {
    update(done, total) {
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
