import type { LeaderJob } from './scheduler.ts';

/**
 * A leader job that runs `work` at once when started and then every `intervalMs`, never two at a
 * time. Stopping ends the timer; `work` gets `active()`, false once stopped, to end a pass early.
 */
export class IntervalJob implements LeaderJob {
  readonly name: string;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #work: (active: () => boolean) => Promise<unknown>;
  readonly #onStart: () => void;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #term = 0;

  constructor(name: string, options: { intervalMs: number; onError: (err: unknown) => void }, work: (active: () => boolean) => Promise<unknown>, onStart: () => void = () => undefined) {
    this.name = name;
    this.#intervalMs = options.intervalMs;
    this.#onError = options.onError;
    this.#work = work;
    this.#onStart = onStart;
  }

  start(): void {
    if (this.#timer) return;
    this.#term++;
    this.#onStart();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
    setImmediate(() => this.#tick());
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#term++;
  }

  #tick(): void {
    if (this.#running || this.#timer === null) return;
    const term = this.#term;
    this.#running = true;
    this.#work(() => this.#term === term)
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#running = false;
      });
  }
}
