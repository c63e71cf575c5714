import type { EventSubscription, NextEvent } from './event-tail.ts';

/**
 * One subscriber's stream of events. `next(waitMs)` gives the next event, `idle` when none came
 * within the wait (time for a heartbeat), or `closed` once closed (by the subscriber, by shutdown,
 * or because the node was sealed).
 */
export class EventStream {
  readonly #subscription: EventSubscription;
  readonly #sealed: () => boolean;

  constructor(subscription: EventSubscription, sealed: () => boolean) {
    this.#subscription = subscription;
    this.#sealed = sealed;
  }

  /** The sequence number the stream started after. */
  get startedAfter(): number {
    return this.#subscription.cursor;
  }

  async next(waitMs: number): Promise<NextEvent> {
    if (this.#sealed()) this.close();
    const next = await this.#subscription.next(waitMs);
    if (next !== 'closed' && this.#sealed()) {
      this.close();
      return 'closed';
    }
    return next;
  }

  close(): void {
    this.#subscription.close();
  }
}
