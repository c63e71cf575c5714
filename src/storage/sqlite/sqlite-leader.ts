import { KeywardError } from '../../core/errors.ts';
import type { LeaderLease } from '../store.ts';

/**
 * Who holds each lease in this process, by database and lease name. A SQLite database has one
 * Keyward node, so the process is the whole cluster; keying by the database file (not by store
 * object) still keeps two stores opened on one file from both leading.
 */
const holders = new Map<string, SqliteLeaderLease>();

/** The SQLite lease: granted in-process to one holder at a time. */
export class SqliteLeaderLease implements LeaderLease {
  readonly name: string;
  readonly scope = 'process' as const;
  readonly #key: string;
  readonly #isOpen: () => boolean;
  #held = false;

  /** `database` identifies the database file (an absolute path, or a unique id for ':memory:'). */
  constructor(database: string, name: string, isOpen: () => boolean) {
    this.name = name;
    this.#key = `${database}\0${name}`;
    this.#isOpen = isOpen;
  }

  isLeader(): boolean {
    return this.#held;
  }

  async tryAcquire(): Promise<boolean> {
    if (!this.#isOpen()) {
      this.#drop();
      throw new KeywardError('storage_unavailable', 'store is closed');
    }
    if (this.#held) return true;
    if (holders.has(this.#key)) return false;
    holders.set(this.#key, this);
    this.#held = true;
    return true;
  }

  async release(): Promise<void> {
    this.#drop();
  }

  #drop(): void {
    if (holders.get(this.#key) === this) holders.delete(this.#key);
    this.#held = false;
  }
}
