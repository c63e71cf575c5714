import type { CommitListener } from '../../audit/audit-log.ts';
import { KeywardError } from '../../core/errors.ts';
import type { AuditRecord } from '../../storage/records.ts';
import type { Store } from '../../storage/store.ts';
import { eventFromAudit, type KeyEvent } from './key-event.ts';

/** Entries read from the store at a time, when catching up or replaying. */
const READ_BATCH = 500;
/** Recent events kept in memory, so live subscribers never read the store. */
const DEFAULT_BUFFER = 1024;

export interface EventTailOptions {
  readonly store: Pick<Store, 'readAudit' | 'auditHead'>;
  /** This node's audit commits (AuditLog.subscribe): events appear as soon as they are durable. */
  readonly onCommit: (listener: CommitListener) => () => void;
  /**
   * How often the head of the log is checked while someone listens. Commits of this node are seen
   * at once; this bounds how late another node's (sharing the database) are.
   */
  readonly pollIntervalMs: number;
  readonly bufferSize?: number;
}

/** What a subscriber passes to decide, per event, whether it gets it (filters, authorization). */
export type EventAcceptor = (event: KeyEvent) => boolean | Promise<boolean>;

/**
 * The live tail of the audit log as events, shared by every event stream of a node. It follows the
 * head (this node's commits as they happen, other nodes' by polling) and keeps the most recent
 * events in memory; a subscriber that is behind that window (resuming from an old sequence
 * number, or slow) reads the store itself until it catches up. So replay and live delivery are
 * one path, and what a subscriber gets is exactly the events after its cursor, in order.
 */
export class EventTail {
  readonly #o: EventTailOptions;
  readonly #subscriptions = new Set<EventSubscription>();
  /** Sequence number of the last entry the tail has seen; -1 while nobody listens. */
  #head = -1;
  /** Every event with bufferFrom < seq ≤ head is in #buffer (in order). */
  #bufferFrom = 0;
  #buffer: KeyEvent[] = [];
  readonly #waiters = new Set<() => void>();
  #detach: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  #catchUp: Promise<void> | null = null;
  #catchUpAgain = false;
  #missedWhileStarting = false;
  #opening = 0;

  constructor(options: EventTailOptions) {
    this.#o = options;
  }

  /**
   * A subscription to events after `afterSeq` (null: from now on). Refuses (`validation_failed`)
   * an `afterSeq` beyond the newest entry: a cursor from another log, or from before a restore.
   */
  async open(afterSeq: number | null, accept: EventAcceptor): Promise<EventSubscription> {
    // Counted while opening, so the last subscriber leaving meanwhile does not stop the tail under it.
    this.#opening++;
    try {
      await this.#start();
      const head = (await this.#o.store.auditHead()).seq;
      if (afterSeq !== null && afterSeq > head) {
        throw new KeywardError('validation_failed', `the stream cannot resume after event ${afterSeq}: the newest is ${head}`, { field: 'after' });
      }
      const subscription = new EventSubscription(this, afterSeq ?? head, accept);
      this.#subscriptions.add(subscription);
      return subscription;
    } finally {
      this.#opening--;
      this.#stopIfUnused();
    }
  }

  /** Ends every subscription (shutdown). */
  closeAll(): void {
    for (const s of [...this.#subscriptions]) s.close();
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  /** @internal For EventSubscription. */
  get head(): number {
    return this.#head;
  }

  /** @internal Events from the buffer with seq > cursor, or null when the buffer does not reach back that far. */
  bufferedAfter(cursor: number): KeyEvent[] | null {
    if (cursor < this.#bufferFrom) return null;
    let lo = 0;
    let hi = this.#buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#buffer[mid] as KeyEvent).seq <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return this.#buffer.slice(lo);
  }

  /** @internal */
  readAudit(fromSeq: number): Promise<AuditRecord[]> {
    return this.#o.store.readAudit(fromSeq, READ_BATCH);
  }

  /** @internal Resolves true when the head moves, false after `ms` or when `signal` fires. */
  waitForAdvance(ms: number, signal: { onClose: (fn: () => void) => () => void }): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (advanced: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        off();
        resolve(advanced);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.#waiters.add(wake);
      const off = signal.onClose(() => done(false));
    });
  }

  /** @internal */
  unsubscribe(subscription: EventSubscription): void {
    if (this.#subscriptions.delete(subscription)) this.#stopIfUnused();
  }

  async #start(): Promise<void> {
    if (this.#head >= 0) return;
    this.#starting ??= (async () => {
      this.#missedWhileStarting = false;
      this.#detach = this.#o.onCommit((records) => this.#onCommit(records));
      try {
        const head = (await this.#o.store.auditHead()).seq;
        this.#head = head;
        this.#bufferFrom = head;
        this.#buffer = [];
      } catch (err) {
        this.#detach();
        this.#detach = null;
        throw err;
      }
      this.#timer = setInterval(() => void this.#poll(), this.#o.pollIntervalMs);
      this.#timer.unref();
      if (this.#missedWhileStarting) this.#requestCatchUp();
    })().finally(() => {
      this.#starting = null;
    });
    await this.#starting;
  }

  #stopIfUnused(): void {
    if (this.#subscriptions.size > 0 || this.#opening > 0 || this.#head < 0) return;
    this.#detach?.();
    this.#detach = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#head = -1;
    this.#buffer = [];
  }

  #onCommit(records: readonly AuditRecord[]): void {
    if (this.#head < 0) {
      this.#missedWhileStarting = true;
      return;
    }
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last || last.seq <= this.#head) return;
    // The next entries in order: take them as they are. A gap (another node wrote in between, or
    // batches finished out of order) is filled from the store.
    if (first.seq === this.#head + 1 && this.#catchUp === null) this.#append(records);
    else this.#requestCatchUp();
  }

  async #poll(): Promise<void> {
    if (this.#head < 0 || this.#catchUp !== null) return;
    try {
      if ((await this.#o.store.auditHead()).seq > this.#head) this.#requestCatchUp();
    } catch {
      // The store is unreachable: the next poll tries again.
    }
  }

  #requestCatchUp(): void {
    if (this.#catchUp) {
      this.#catchUpAgain = true;
      return;
    }
    this.#catchUp = (async () => {
      do {
        this.#catchUpAgain = false;
        try {
          for (;;) {
            if (this.#head < 0) return;
            const rows = await this.#o.store.readAudit(this.#head + 1, READ_BATCH);
            this.#append(rows);
            if (rows.length < READ_BATCH) break;
          }
        } catch {
          // The store is unreachable: the next poll tries again.
        }
      } while (this.#catchUpAgain);
    })().finally(() => {
      this.#catchUp = null;
    });
  }

  #append(records: readonly AuditRecord[]): void {
    if (this.#head < 0) return;
    let moved = false;
    for (const record of records) {
      if (record.seq <= this.#head) continue;
      const event = eventFromAudit(record);
      if (event) this.#buffer.push(event);
      this.#head = record.seq;
      moved = true;
    }
    const max = this.#o.bufferSize ?? DEFAULT_BUFFER;
    if (this.#buffer.length > max) {
      const dropped = this.#buffer.splice(0, this.#buffer.length - max);
      this.#bufferFrom = (dropped[dropped.length - 1] as KeyEvent).seq;
    }
    if (moved) for (const wake of [...this.#waiters]) wake();
  }
}

/** What `next` gives: an event, `idle` when nothing came within the wait, `closed` at the end. */
export type NextEvent = KeyEvent | 'idle' | 'closed';

/** One subscriber's position in the stream of events. Not safe for concurrent `next` calls. */
export class EventSubscription {
  readonly #tail: EventTail;
  readonly #accept: EventAcceptor;
  /** Sequence number of the last audit entry this subscriber has been given or passed over. */
  #cursor: number;
  #pending: KeyEvent[] = [];
  #closed = false;
  readonly #onClose = new Set<() => void>();

  constructor(tail: EventTail, afterSeq: number, accept: EventAcceptor) {
    this.#tail = tail;
    this.#cursor = afterSeq;
    this.#accept = accept;
  }

  /** The sequence number the stream starts after (or has reached). */
  get cursor(): number {
    return this.#cursor;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next event this subscriber accepts, waiting up to `waitMs` for one. */
  async next(waitMs: number): Promise<NextEvent> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      if (this.#closed) return 'closed';
      const pending = this.#pending.shift();
      if (pending) return pending;
      const buffered = this.#tail.bufferedAfter(this.#cursor);
      if (buffered === null) {
        await this.#readBehind();
        continue;
      }
      const head = this.#tail.head;
      if (head > this.#cursor) {
        for (const event of buffered) if (await this.#accept(event)) this.#pending.push(event);
        this.#cursor = Math.max(this.#cursor, head);
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0 || !(await this.#tail.waitForAdvance(left, { onClose: (fn) => this.#subscribeClose(fn) }))) {
        return this.#closed ? 'closed' : 'idle';
      }
    }
  }

  /** Ends the subscription; a waiting `next` returns `closed`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = [];
    for (const fn of [...this.#onClose]) fn();
    this.#tail.unsubscribe(this);
  }

  /** Behind the tail's memory: read the store from the cursor. */
  async #readBehind(): Promise<void> {
    const rows = await this.#tail.readAudit(this.#cursor + 1);
    for (const row of rows) {
      const event = eventFromAudit(row);
      if (event && (await this.#accept(event))) this.#pending.push(event);
      this.#cursor = row.seq;
    }
    // Nothing there although the buffer starts later: cannot happen with one log, but never spin.
    if (rows.length === 0) this.#cursor = Math.max(this.#cursor, this.#tail.head);
  }

  #subscribeClose(fn: () => void): () => void {
    this.#onClose.add(fn);
    return () => this.#onClose.delete(fn);
  }
}
