import { isDeepStrictEqual } from 'node:util';
import { KeywardError } from '../core/errors.ts';
import type { AuditHead, AuditRecord, DocumentRecord, KeyRecord, KeyVersionRecord, TokenRecord } from './records.ts';
import type { Store, StoreTx } from './store.ts';

/**
 * Copies one Keyward store into another, empty one, and checks the copy record by record. Written
 * against the Store contract only, so it copies between any two backends (the CLI offers
 * SQLite → PostgreSQL: `keyward storage migrate`).
 *
 * Everything is copied as stored: the seal record (the root key stays wrapped; nothing is
 * unsealed), keys and versions (wrapped material, encryption counters, revisions), tokens (hashes),
 * audit entries (same seq, same chain hashes: copied, not re-linked), checkpoints — and the
 * instance id, which is the audit origin: the chain's genesis and every checkpoint signature
 * depend on it, so the target adopts the source's.
 *
 * The copy is one transaction on the target: if anything fails, the target is left as empty as it
 * was. The source must not change meanwhile (copy a stopped node's database, or a snapshot of it).
 */

export interface StoreCounts {
  readonly keys: number;
  readonly keyVersions: number;
  readonly tokens: number;
  readonly documents: number;
  readonly auditEntries: number;
  readonly checkpoints: number;
}

export interface CopyStoreOptions {
  readonly source: Store;
  readonly target: Store;
  /** Records read (and audit entries written) per batch; default 1000. */
  readonly batchSize?: number;
  /** Told after each batch of audit entries: entries copied so far, of `total`. */
  readonly onProgress?: (copied: number, total: number) => void;
}

export interface CopyResult {
  readonly instanceId: string;
  readonly counts: StoreCounts;
  readonly auditHead: AuditHead;
}

export interface CopyCheck {
  /** What was compared: 'instance id', 'seal record', 'keys', 'key versions', 'tokens', 'documents', 'audit entries', 'audit head', 'checkpoints'. */
  readonly name: string;
  readonly ok: boolean;
  /** What matched, or the first difference (never a secret: names, ids, accessors, sequence numbers). */
  readonly detail: string;
}

export interface CopyVerification {
  readonly ok: boolean;
  readonly source: StoreCounts;
  readonly target: StoreCounts;
  readonly checks: readonly CopyCheck[];
}

const DEFAULT_BATCH = 1000;

/**
 * What a store holds that a copy must not overwrite, as words ('a seal record', '2+ keys'…);
 * empty when there is nothing. Reads the first page of each kind only.
 */
export async function storeContents(store: Store): Promise<string[]> {
  const held: string[] = [];
  if (await store.getSeal()) held.push('a seal record');
  if ((await store.listKeys({ limit: 1 })).length > 0) held.push('keys');
  if ((await store.listTokens({ limit: 1 })).length > 0) held.push('tokens');
  if ((await store.documentKinds()).length > 0) held.push('documents');
  const head = await store.auditHead();
  if (head.seq > 0) held.push(`${head.seq} audit entries`);
  if ((await store.latestCheckpoint()) !== null) held.push('audit checkpoints');
  return held;
}

/**
 * Copies everything from `source` into the empty `target`. Refuses with `validation_failed` when
 * the source was never initialised (no seal record) or its audit log has a gap, and with `conflict`
 * when the target is not empty; in every failure the target is left unchanged.
 */
export async function copyStore(options: CopyStoreOptions): Promise<CopyResult> {
  const { source, target } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const seal = await source.getSeal();
  if (!seal) throw new KeywardError('validation_failed', 'the source holds no seal record: it was never initialised, so there is nothing to migrate');
  const held = await storeContents(target);
  if (held.length > 0) throw notEmpty(held);
  const instanceId = await source.instanceId();
  // Entries appended to the source after this point are not copied (and verification would say so).
  const auditHead = await source.auditHead();

  const counts = await target.transaction(async (tx) => {
    // First: it re-checks, under the target's write lock, that the target is empty.
    await tx.adoptInstanceId(instanceId);
    await tx.putSeal(seal);
    const keys = await copyKeys(source, tx, batchSize);
    let tokens = 0;
    for await (const token of allTokens(source, batchSize)) {
      await tx.insertToken(token);
      tokens++;
    }
    let documents = 0;
    for await (const doc of allDocuments(source, batchSize)) {
      await tx.restoreDocument(doc);
      documents++;
    }
    const auditEntries = await copyAudit({ source, tx, head: auditHead, batchSize, onProgress: options.onProgress });
    const checkpoints = await source.listCheckpoints();
    for (const c of checkpoints) await tx.insertCheckpoint(c);
    return { ...keys, tokens, documents, auditEntries, checkpoints: checkpoints.length };
  });
  return { instanceId, counts, auditHead };
}

async function copyKeys(source: Store, tx: StoreTx, batchSize: number): Promise<{ keys: number; keyVersions: number }> {
  let keys = 0;
  let keyVersions = 0;
  for await (const key of allKeys(source, batchSize)) {
    const [first, ...later] = await source.listKeyVersions(key.id);
    if (!first) throw new KeywardError('validation_failed', `key "${key.name}" has no versions in the source: the database is damaged`, { keyId: key.id });
    await tx.insertKey(key, first);
    for (const version of later) await tx.insertKeyVersion(version);
    keys++;
    keyVersions += 1 + later.length;
  }
  return { keys, keyVersions };
}

async function copyAudit(options: {
  source: Store;
  tx: StoreTx;
  head: AuditHead;
  batchSize: number;
  onProgress: ((copied: number, total: number) => void) | undefined;
}): Promise<number> {
  const { source, tx, head, batchSize, onProgress } = options;
  // Taken like any appender would, so no other writer can extend the target's chain meanwhile.
  const targetHead = await tx.lockAuditHead();
  if (targetHead.seq !== 0) throw notEmpty([`${targetHead.seq} audit entries`]);
  let copied = 0;
  onProgress?.(0, head.seq);
  while (copied < head.seq) {
    const batch = (await source.readAudit(copied + 1, batchSize)).filter((e) => e.seq <= head.seq);
    const gap = batch.findIndex((e, i) => e.seq !== copied + 1 + i);
    if (batch.length === 0 || gap !== -1) {
      throw new KeywardError('validation_failed', `the source's audit log has no entry ${copied + 1 + Math.max(gap, 0)}: the database is damaged`);
    }
    try {
      await tx.insertAuditEntries(batch);
    } catch (err) {
      throw inBatch(err, batch);
    }
    copied += batch.length;
    onProgress?.(copied, head.seq);
  }
  return copied;
}

/**
 * Compares the copy with its source: counts, instance id, seal, every key, version and token,
 * every audit entry, the audit heads and the checkpoints, each deep-equal (binary fields byte for
 * byte). It does not recompute the audit chain: the caller runs verifyChain on the target too.
 */
export async function verifyCopy(options: Omit<CopyStoreOptions, 'onProgress'> & { readonly onProgress?: (compared: number, total: number) => void }): Promise<CopyVerification> {
  const { source, target } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const checks: CopyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });

  const [sourceId, targetId] = await Promise.all([source.instanceId(), target.instanceId()]);
  check('instance id', sourceId === targetId, sourceId === targetId ? sourceId : `the target's is ${targetId}, the source's ${sourceId}`);
  const same = isDeepStrictEqual(await source.getSeal(), await target.getSeal());
  check('seal record', same, same ? 'identical (root key still wrapped)' : 'differs');

  const keys = await compareStreams(allKeys(source, batchSize), allKeys(target, batchSize), (k) => `key "${k.name}"`);
  check('keys', keys.ok, keys.detail);
  const versions = await compareStreams(allKeyVersions(source, batchSize), allKeyVersions(target, batchSize), (v) => `version ${v.version} of key ${v.keyId}`);
  check('key versions', versions.ok, versions.detail);
  const tokens = await compareStreams(allTokens(source, batchSize), allTokens(target, batchSize), (t) => `token ${t.accessor}`);
  check('tokens', tokens.ok, tokens.detail);
  const documents = await compareStreams(allDocuments(source, batchSize), allDocuments(target, batchSize), (d) => `${d.kind} ${d.id}`);
  check('documents', documents.ok, documents.detail);

  const [sourceHead, targetHead] = await Promise.all([source.auditHead(), target.auditHead()]);
  let compared = 0;
  const progress = (): void => {
    if (++compared % batchSize === 0) options.onProgress?.(compared, sourceHead.seq);
  };
  const entries = await compareStreams(allAudit(source, batchSize, progress), allAudit(target, batchSize), (e) => `entry ${e.seq}`);
  options.onProgress?.(compared, sourceHead.seq);
  check('audit entries', entries.ok, entries.detail);
  const headsEqual = isDeepStrictEqual(sourceHead, targetHead);
  check('audit head', headsEqual, headsEqual ? `seq ${sourceHead.seq}, chain hash ${sourceHead.chainHash || '(empty log)'}` : `the target's is seq ${targetHead.seq} ${targetHead.chainHash}, the source's seq ${sourceHead.seq} ${sourceHead.chainHash}`);
  const [sourceCheckpoints, targetCheckpoints] = await Promise.all([source.listCheckpoints(), target.listCheckpoints()]);
  const checkpointsEqual = isDeepStrictEqual(sourceCheckpoints, targetCheckpoints);
  check('checkpoints', checkpointsEqual, checkpointsEqual ? `${sourceCheckpoints.length} identical` : `the target has ${targetCheckpoints.length}, the source ${sourceCheckpoints.length}, not all identical`);

  const counts = (side: 'source' | 'target', checkpoints: number): StoreCounts => ({
    keys: keys[side],
    keyVersions: versions[side],
    tokens: tokens[side],
    documents: documents[side],
    auditEntries: entries[side],
    checkpoints,
  });
  return {
    ok: checks.every((c) => c.ok),
    source: counts('source', sourceCheckpoints.length),
    target: counts('target', targetCheckpoints.length),
    checks,
  };
}

interface StreamComparison {
  readonly ok: boolean;
  readonly source: number;
  readonly target: number;
  readonly detail: string;
}

/** Walks two ordered streams side by side, counting both and noting the first difference. */
async function compareStreams<T>(source: AsyncIterable<T>, target: AsyncIterable<T>, label: (record: T) => string): Promise<StreamComparison> {
  const a = source[Symbol.asyncIterator]();
  const b = target[Symbol.asyncIterator]();
  let sourceCount = 0;
  let targetCount = 0;
  let firstDifference: string | null = null;
  for (;;) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done && y.done) break;
    if (!x.done) sourceCount++;
    if (!y.done) targetCount++;
    if (firstDifference !== null) continue;
    if (x.done) firstDifference = y.done ? null : `${label(y.value)} is only in the target`;
    else if (y.done) firstDifference = `${label(x.value)} is missing from the target`;
    else if (!isDeepStrictEqual(x.value, y.value)) firstDifference = `${label(x.value)} differs`;
  }
  const ok = firstDifference === null;
  return {
    ok,
    source: sourceCount,
    target: targetCount,
    detail: ok ? `${sourceCount} identical` : `source ${sourceCount}, target ${targetCount}: ${firstDifference}`,
  };
}

/** Every key, in name order, as one list (for reviews and audits over a whole instance). */
export async function listAllKeys(store: Pick<Store, 'listKeys'>): Promise<KeyRecord[]> {
  const keys: KeyRecord[] = [];
  for await (const key of allKeys(store, DEFAULT_BATCH)) keys.push(key);
  return keys;
}

/** Every key, in name order. */
export async function* allKeys(store: Pick<Store, 'listKeys'>, batchSize: number): AsyncGenerator<KeyRecord> {
  for (let after: string | undefined; ; ) {
    const page = await store.listKeys({ limit: batchSize, ...(after !== undefined ? { after } : {}) });
    yield* page;
    if (page.length < batchSize) return;
    after = page[page.length - 1]?.name;
  }
}

async function* allKeyVersions(store: Store, batchSize: number): AsyncGenerator<KeyVersionRecord> {
  for await (const key of allKeys(store, batchSize)) yield* await store.listKeyVersions(key.id);
}

/** Every token, in accessor order. */
export async function* allTokens(store: Store, batchSize: number): AsyncGenerator<TokenRecord> {
  for (let after: string | undefined; ; ) {
    const page = await store.listTokens({ limit: batchSize, ...(after !== undefined ? { after } : {}) });
    yield* page;
    if (page.length < batchSize) return;
    after = page[page.length - 1]?.accessor;
  }
}

/** Every document of every kind, in (kind, id) order. */
export async function* allDocuments(store: Store, batchSize: number): AsyncGenerator<DocumentRecord> {
  for (const kind of await store.documentKinds()) {
    for (let after: string | undefined; ; ) {
      const page = await store.listDocuments(kind, { limit: batchSize, ...(after !== undefined ? { after } : {}) });
      yield* page;
      if (page.length < batchSize) break;
      after = page[page.length - 1]?.id;
    }
  }
}

/** Every audit entry from seq 1, in order, to the end of the log as read page by page. */
export async function* allAudit(store: Store, batchSize: number, onEntry?: () => void): AsyncGenerator<AuditRecord> {
  for (let from = 1; ; ) {
    const batch = await store.readAudit(from, batchSize);
    for (const entry of batch) {
      onEntry?.();
      yield entry;
    }
    const last = batch[batch.length - 1];
    if (!last || batch.length < batchSize) return;
    from = last.seq + 1;
  }
}

function notEmpty(held: readonly string[]): KeywardError {
  return new KeywardError('conflict', `the target is not empty (it holds ${held.join(', ')}): migrate only into a new, empty database or schema`);
}

/** Names the entries a failed insert was about (e.g. a time PostgreSQL cannot store exactly). */
function inBatch(err: unknown, batch: readonly AuditRecord[]): unknown {
  if (!(err instanceof KeywardError)) return err;
  const from = batch[0]?.seq ?? 0;
  const to = batch[batch.length - 1]?.seq ?? 0;
  return new KeywardError(err.code, `copying audit entries ${from}..${to}: ${err.message}`, err.details, { cause: err });
}
