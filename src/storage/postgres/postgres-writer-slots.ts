/**
 * Caps how many transactions hold a pooled connection at once, leaving at least one connection for
 * reads. Without it, every connection could belong to a transaction waiting for the audit lock
 * while the lock's holder waits for a connection to read through the store: stuck until timeout.
 */
export class WriterSlots {
  readonly #limit: number;
  #used = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async acquire(): Promise<void> {
    if (this.#used < this.#limit) {
      this.#used++;
      return;
    }
    // The slot is handed over directly by release(), so #used stays counted.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#used--;
  }
}
