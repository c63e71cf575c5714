import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { KeywardError } from '../core/errors.ts';
import type { Store, StoreTx } from '../storage/store.ts';
import { parsePolicy } from './parse-policy.ts';
import type { Policy } from './policy-model.ts';

/** The document kind of policy versions and of the pointer to the current one. */
export const POLICY_KIND = 'policy';
/** The pointer to the current version: one document, updated at its revision (so two concurrent sets cannot both win). */
const HEAD_ID = 'policy_current';
/** Versions carry this `ref`, which keeps the pointer out of their listing. */
const VERSION_REF = 'version';

/** What is stored of each version: the text as given (the source of truth) and who set it when. */
export interface PolicyVersionData {
  readonly version: number;
  readonly name: string;
  /** Hex SHA-256 of the UTF-8 text, to compare with a file under review. */
  readonly sha256: string;
  readonly author: string;
  readonly createdAt: string;
  readonly comment: string | null;
  readonly text: string;
}

/** A stored version with its parsed policy. */
export interface PolicyVersion extends PolicyVersionData {
  readonly policy: Policy;
}

interface HeadData {
  readonly version: number;
}

/** A new version, ready to be written in an operation's transaction. */
export interface PreparedVersion {
  readonly version: PolicyVersion;
  readonly previous: number | null;
  write(tx: StoreTx): Promise<void>;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function versionId(version: number): string {
  // Zero-padded so that id order (the store's listing order) is version order.
  return `policy_v${String(version).padStart(8, '0')}`;
}

/**
 * The policy's versions in the store, and a short-lived cache of the current one (enforcement
 * reads it on every key create and update). Local sets invalidate the cache at once; the TTL
 * bounds how long another node's set can go unseen.
 */
export class PolicyVersions {
  readonly #store: Pick<Store, 'getDocument' | 'listDocuments'>;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #cached: { value: PolicyVersion | null; until: number } | null = null;
  /** The last version parsed: versions never change once written, so a TTL refresh re-reads only the head. */
  #parsed: PolicyVersion | null = null;

  constructor(store: Pick<Store, 'getDocument' | 'listDocuments'>, clock: Clock, ttlMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** The policy in force, or null when none was ever set. */
  async current(): Promise<PolicyVersion | null> {
    const now = this.#clock.now().getTime();
    if (this.#cached && this.#cached.until > now) return this.#cached.value;
    const head = await this.#store.getDocument<HeadData>(POLICY_KIND, HEAD_ID);
    const value = head ? (this.#parsed?.version === head.data.version ? this.#parsed : await this.get(head.data.version)) : null;
    if (value) this.#parsed = value;
    if (head && !value) throw new KeywardError('internal', `the current policy points at version ${head.data.version}, which is missing`);
    if (this.#ttlMs > 0) this.#cached = { value, until: now + this.#ttlMs };
    return value;
  }

  async get(version: number): Promise<PolicyVersion | null> {
    if (!Number.isInteger(version) || version < 1) return null;
    const doc = await this.#store.getDocument<PolicyVersionData>(POLICY_KIND, versionId(version));
    if (!doc) return null;
    const parsed = parsePolicy(doc.data.text);
    // It parsed when it was set; failing here means a stricter parser met an old policy. Fail
    // closed (nothing is created or updated) rather than enforce a policy partly or not at all.
    if (!parsed.ok) throw new KeywardError('internal', `stored policy version ${version} no longer validates: line ${parsed.issues[0]?.line ?? '?'}: ${parsed.issues[0]?.message ?? ''}`);
    return { ...doc.data, policy: parsed.policy };
  }

  /** Versions after `after`, oldest first, without their text. */
  async list(options: { after?: number; limit: number }): Promise<Omit<PolicyVersionData, 'text'>[]> {
    const docs = await this.#store.listDocuments<PolicyVersionData>(POLICY_KIND, {
      ref: VERSION_REF,
      limit: options.limit,
      ...(options.after !== undefined ? { after: versionId(options.after) } : {}),
    });
    return docs.map(({ data: { text: _text, ...rest } }) => rest);
  }

  /** A new version after the current one (validated already), and how to write it. */
  async prepare(input: { text: string; policy: Policy; author: string; comment: string | null; now: string }): Promise<PreparedVersion> {
    const head = await this.#store.getDocument<HeadData>(POLICY_KIND, HEAD_ID);
    const previous = head ? head.data.version : null;
    const number = (previous ?? 0) + 1;
    const data: PolicyVersionData = {
      version: number,
      name: input.policy.name,
      sha256: sha256Hex(input.text),
      author: input.author,
      createdAt: input.now,
      comment: input.comment,
      text: input.text,
    };
    return {
      version: { ...data, policy: input.policy },
      previous,
      write: async (tx) => {
        // Inserting the version refuses a number taken meanwhile, and the head's revision refuses
        // a head moved meanwhile: two concurrent sets end with one `conflict`, never a fork.
        await tx.putDocument({ kind: POLICY_KIND, id: versionId(number), ref: VERSION_REF, data, updatedAt: input.now }, null);
        await tx.putDocument<HeadData>({ kind: POLICY_KIND, id: HEAD_ID, data: { version: number }, updatedAt: input.now }, head ? head.revision : null);
      },
    };
  }

  invalidate(): void {
    this.#cached = null;
  }
}
