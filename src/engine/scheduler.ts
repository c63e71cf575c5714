import type { LeaderLease } from '../storage/store.ts';

/**
 * Background work that must run on exactly one node of a cluster: it runs only while this node
 * holds the scheduler lease. Today the periodic audit checkpoint; rotation and deletion schedulers
 * plug in the same way.
 */
export interface LeaderJob {
  readonly name: string;
  /** This node became the leader: start (timers, loops). */
  start(): void;
  /** This node stopped leading (lost, sealed, shutting down): stop at once. */
  stop(): void;
}

/** Why a node stopped leading. */
export type LeadershipLoss = 'unreachable' | 'sealed' | 'shutdown';

export type LeadershipChange = { readonly event: 'acquired' } | { readonly event: 'lost'; readonly reason: LeadershipLoss };

export interface SchedulerOptions {
  readonly lease: LeaderLease;
  readonly jobs: readonly LeaderJob[];
  /** Whether this node may lead now. A sealed node cannot sign checkpoints or unwrap keys, so it leaves the lease to one that can. */
  readonly eligible: () => boolean;
  /**
   * Records a change (the audit entry). For `acquired` it runs before the jobs start, and if it
   * throws the lease is given back: leading is audited or not done. A `lost` that cannot be
   * recorded (the database is what was lost) is retried before the lease is contended again.
   */
  readonly record: (change: LeadershipChange) => Promise<void>;
  /** Told of failures to reach the lease or record a change; once per outage, not every round. */
  readonly onError: (err: unknown) => void;
  /** Told when this node starts (true) or stops (false) running the jobs, for the log. */
  readonly onLeadershipChange?: (leader: boolean) => void;
}

/**
 * Keeps this node's claim on the scheduler lease and starts or stops the jobs with it. `round()` is
 * called by the engine every few seconds and at once on unseal and seal; rounds never overlap.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  #leading = false;
  #unrecordedLoss: LeadershipLoss | null = null;
  #failing = false;
  #stopped = false;
  #tail: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Whether this node runs the jobs now. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** One round: take or confirm the lease if eligible, give it up if not. Never rejects. */
  round(): Promise<void> {
    const run = (): Promise<void> => this.#round().catch((err: unknown) => this.#o.onError(err));
    this.#tail = this.#tail.then(run, run);
    return this.#tail;
  }

  /** Stops for good: the jobs stop, the loss is recorded (best effort) and the lease released. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#tail;
    if (this.#leading) await this.#standDown('shutdown').catch((err: unknown) => this.#o.onError(err));
    else await this.#o.lease.release().catch(() => undefined);
  }

  async #round(): Promise<void> {
    if (this.#stopped) return;
    if (!this.#o.eligible()) {
      if (this.#leading) await this.#standDown('sealed');
      return;
    }
    if (this.#unrecordedLoss !== null) {
      if (!(await this.#recordLoss(this.#unrecordedLoss))) return;
    }
    let held: boolean;
    try {
      held = await this.#o.lease.tryAcquire();
      this.#failing = false;
    } catch (err) {
      this.#report(err);
      held = false;
    }
    if (this.#leading && !held) {
      this.#stopJobs();
      await this.#recordLoss('unreachable');
    } else if (!this.#leading && held) {
      try {
        await this.#o.record({ event: 'acquired' });
      } catch (err) {
        this.#report(err);
        await this.#o.lease.release().catch(() => undefined);
        return;
      }
      this.#leading = true;
      for (const job of this.#o.jobs) job.start();
      this.#tell(true);
    }
  }

  /** Stops the jobs and records the loss while still holding the lease, so the next leader's entry comes after it. */
  async #standDown(reason: LeadershipLoss): Promise<void> {
    this.#stopJobs();
    try {
      await this.#recordLoss(reason);
    } finally {
      await this.#o.lease.release();
    }
  }

  #stopJobs(): void {
    this.#leading = false;
    for (const job of this.#o.jobs) job.stop();
    this.#tell(false);
  }

  #tell(leader: boolean): void {
    try {
      this.#o.onLeadershipChange?.(leader);
    } catch {
      // A logging callback must not change what the scheduler does.
    }
  }

  /** True once recorded; otherwise remembered for the next round. */
  async #recordLoss(reason: LeadershipLoss): Promise<boolean> {
    try {
      await this.#o.record({ event: 'lost', reason });
      this.#unrecordedLoss = null;
      return true;
    } catch (err) {
      this.#unrecordedLoss = reason;
      this.#report(err);
      return false;
    }
  }

  #report(err: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#o.onError(err);
  }
}
