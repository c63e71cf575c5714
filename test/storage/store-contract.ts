/**
 * The storage contract suite: every backend (storage/sqlite, storage/postgres) must pass it.
 * Backend-neutral on purpose: it speaks only the Store / StoreTx interfaces, never SQL.
 *
 * Usage, from a backend's test file:
 *   storeContract('SqliteStore', async () => ({ store, cleanup, reopen }));
 * `open` must return a fresh, empty store each time. `reopen`, when given, opens another Store
 * on the same underlying database (used to check that instanceId survives a restart).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KeywardError, type ErrorCode } from '../../src/core/errors.ts';
import { linkEntries } from '../../src/audit/audit-chain.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import type { Store } from '../../src/storage/store.ts';
import type {
  AuditDraft,
  AuditQuery,
  AuditRecord,
  CheckpointRecord,
  KeyListFilter,
  KeyRecord,
  KeyVersionRecord,
  SealRecord,
  TokenRecord,
} from '../../src/storage/records.ts';

export interface OpenedStore {
  readonly store: Store;
  /** Closes every store it handed out (idempotently) and deletes the database. */
  readonly cleanup: () => Promise<void>;
  /** Opens another Store on the same database, if the backend can. */
  readonly reopen?: () => Promise<Store>;
}

export interface StoreContractOptions {
  /**
   * Reads made outside a transaction use their own connection, so they cannot see an open
   * transaction's writes. True for every production backend; false only for single-connection
   * test setups such as SQLite ':memory:'.
   */
  readonly isolatedReads?: boolean;
}

// ---- fixtures ---------------------------------------------------------------------------------

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

let counter = 0;
const uid = (prefix: string): string => `${prefix}_${(++counter).toString(16).padStart(24, '0')}`;

export function makeKey(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: uid('key'),
    name: `key-${counter}`,
    spec: 'AES_256_GCM',
    usage: 'ENCRYPT_DECRYPT',
    state: 'active',
    origin: 'generated',
    owner: null,
    purpose: null,
    environment: null,
    tier: null,
    tags: {},
    description: null,
    createdAt: at(0),
    createdBy: 'root:test',
    updatedAt: at(0),
    stateChangedAt: at(0),
    currentVersion: 1,
    minDecryptionVersion: 1,
    rotationPeriodDays: null,
    lastRotatedAt: null,
    compromisedAt: null,
    destroyedAt: null,
    revision: 1,
    ...overrides,
  };
}

export function makeVersion(keyId: string, version: number, overrides: Partial<KeyVersionRecord> = {}): KeyVersionRecord {
  return {
    keyId,
    version,
    wrappedMaterial: Buffer.from(`wrapped-${keyId}-${version}`),
    publicKey: null,
    origin: 'generated',
    createdAt: at(version),
    encryptionCount: 0,
    ...overrides,
  };
}

function makeSeal(): SealRecord {
  return {
    threshold: 2,
    shares: 3,
    wrappedRootKey: Buffer.from('wrapped-root-key'),
    shareChecks: ['aa', 'bb', 'cc'],
    wrappedAuditSigningKey: Buffer.from('wrapped-signing-key'),
    auditPublicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
    initializedAt: at(0),
  };
}

export function makeDraft(overrides: Partial<AuditDraft> = {}): AuditDraft {
  return {
    time: at(0),
    actor: 'root:test',
    action: 'crypto.encrypt',
    keyId: null,
    keyVersion: null,
    outcome: 'success',
    errorCode: null,
    requestId: null,
    correlationId: null,
    source: null,
    details: {},
    ...overrides,
  };
}

function makeCheckpoint(origin: string, size: number, time: string): CheckpointRecord {
  return { origin, size, chainHash: `hash-${size}`, time, signature: Buffer.from(`sig-${size}-${time}`).toString('base64'), publicKey: 'pem' };
}

/** Appends drafts to the chain in one transaction, the way AuditLog does. */
async function append(store: Store, drafts: readonly AuditDraft[]): Promise<AuditRecord[]> {
  const origin = await store.instanceId();
  return store.transaction(async (tx) => {
    const linked = linkEntries(await tx.lockAuditHead(), origin, drafts);
    await tx.insertAuditEntries(linked);
    return linked;
  });
}

function isCode(code: ErrorCode): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof KeywardError, `expected KeywardError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

const names = (keys: readonly KeyRecord[]): string[] => keys.map((k) => k.name);
const seqs = (entries: readonly AuditRecord[]): number[] => entries.map((e) => e.seq);
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---- the suite --------------------------------------------------------------------------------

export function storeContract(name: string, open: () => Promise<OpenedStore>, options: StoreContractOptions = {}): void {
  const isolatedReads = options.isolatedReads ?? true;

  /** Runs a test body against a fresh store, always cleaning up. */
  const withStore = (fn: (store: Store, opened: OpenedStore) => Promise<void>) => async (): Promise<void> => {
    const opened = await open();
    try {
      await fn(opened.store, opened);
    } finally {
      await opened.cleanup();
    }
  };

  const insertKey = (store: Store, key: KeyRecord, first: KeyVersionRecord = makeVersion(key.id, 1)): Promise<void> =>
    store.transaction((tx) => tx.insertKey(key, first));

  describe(name, () => {
    describe('instance and seal', () => {
      it(
        'instanceId is a non-empty string, stable across calls and across reopening',
        withStore(async (store, opened) => {
          const id = await store.instanceId();
          assert.equal(typeof id, 'string');
          assert.ok(id.length > 0);
          assert.equal(await store.instanceId(), id);
          if (opened.reopen) {
            await store.close();
            const again = await opened.reopen();
            assert.equal(await again.instanceId(), id, 'instanceId must survive a reopen');
          }
        }),
      );

      it(
        'two fresh stores have different instance ids',
        withStore(async (store) => {
          const other = await open();
          try {
            assert.notEqual(await other.store.instanceId(), await store.instanceId());
          } finally {
            await other.cleanup();
          }
        }),
      );

      it(
        'putSeal stores the seal once; a second putSeal is already_initialized',
        withStore(async (store) => {
          assert.equal(await store.getSeal(), null);
          const seal = makeSeal();
          await store.transaction((tx) => tx.putSeal(seal));
          assert.deepEqual(await store.getSeal(), seal);
          await assert.rejects(
            store.transaction((tx) => tx.putSeal({ ...seal, threshold: 1, shares: 1 })),
            isCode('already_initialized'),
          );
          assert.deepEqual(await store.getSeal(), seal, 'the first seal is unchanged');
        }),
      );

      it(
        'after close, reads and transactions fail with storage_unavailable',
        withStore(async (store) => {
          await store.close();
          await store.close(); // idempotent
          await assert.rejects(store.getKey('key_x'), isCode('storage_unavailable'));
          await assert.rejects(store.auditHead(), isCode('storage_unavailable'));
          await assert.rejects(store.transaction(async () => undefined), isCode('storage_unavailable'));
        }),
      );
    });

    describe('keys', () => {
      it(
        'insertKey stores the key and its first version; getKey / getKeyByName return it',
        withStore(async (store) => {
          const key = makeKey({
            name: 'billing',
            owner: 'team-a',
            purpose: 'invoices',
            environment: 'prod',
            tier: 1,
            tags: { team: 'billing', 'cost.center': '42', 'ünï': 'cödé "quoted"' },
            description: 'Billing data',
            rotationPeriodDays: 90,
          });
          const first = makeVersion(key.id, 1, { publicKey: null, wrappedMaterial: Buffer.from([0, 1, 2, 255]) });
          await insertKey(store, key, first);
          assert.deepEqual(await store.getKey(key.id), key);
          assert.deepEqual(await store.getKeyByName('billing'), key);
          assert.deepEqual(await store.getKeyVersion(key.id, 1), first);
          assert.equal(await store.getKey('key_missing'), null);
          assert.equal(await store.getKeyByName('missing'), null);
        }),
      );

      it(
        'insertKey with a name already taken fails with key_exists and writes nothing',
        withStore(async (store) => {
          const key = makeKey({ name: 'dup' });
          await insertKey(store, key);
          const other = makeKey({ name: 'dup' });
          await assert.rejects(insertKey(store, other), isCode('key_exists'));
          assert.equal(await store.getKey(other.id), null);
          assert.deepEqual(await store.listKeyVersions(other.id), []);
          assert.deepEqual(await store.getKeyByName('dup'), key);
        }),
      );

      describe('listKeys', () => {
        const fixtures = (): KeyRecord[] => [
          makeKey({ name: 'alpha', spec: 'AES_256_GCM', state: 'active', environment: 'prod', owner: 'team-a', tier: 1, tags: { team: 'a', pci: 'yes', 'app.tier': 'web' } }),
          makeKey({ name: 'beta', spec: 'HMAC_SHA256', usage: 'GENERATE_VERIFY_MAC', state: 'suspended', environment: 'dev', owner: 'team-b', tier: 2, tags: { team: 'b' } }),
          makeKey({ name: 'gamma', spec: 'ED25519', usage: 'SIGN_VERIFY', state: 'active', environment: 'prod', owner: 'team-a', tier: 3, tags: { 'app.tier': 'db' } }),
          makeKey({ name: 'delta', spec: 'AES_256_GCM', state: 'pre-activation', environment: 'staging', tags: { team: 'a' } }),
          // Names holding LIKE wildcards and escape characters, with look-alikes they must not match.
          makeKey({ name: 'pct%key' }),
          makeKey({ name: 'pctXkey' }),
          makeKey({ name: 'under_score' }),
          makeKey({ name: 'underXscore' }),
          makeKey({ name: 'back\\slash' }),
          makeKey({ name: 'backXslash' }),
        ];
        const list = async (store: Store, filter: Omit<KeyListFilter, 'limit'> & { limit?: number }): Promise<string[]> =>
          names(await store.listKeys({ limit: 100, ...filter })).sort();

        it(
          'filters by state, spec, environment, owner, tier and combinations',
          withStore(async (store) => {
            for (const k of fixtures()) await insertKey(store, k);
            assert.equal((await store.listKeys({ limit: 100 })).length, 10);
            assert.deepEqual(await list(store, { state: 'active', namePrefix: 'a' }), ['alpha']);
            assert.deepEqual(await list(store, { state: 'suspended' }), ['beta']);
            assert.deepEqual(await list(store, { state: 'pre-activation' }), ['delta']);
            assert.deepEqual(await list(store, { state: 'destroyed' }), []);
            assert.deepEqual(await list(store, { spec: 'AES_256_GCM', environment: 'prod' }), ['alpha']);
            assert.deepEqual(await list(store, { spec: 'ED25519' }), ['gamma']);
            assert.deepEqual(await list(store, { environment: 'prod' }), ['alpha', 'gamma']);
            assert.deepEqual(await list(store, { environment: 'staging' }), ['delta']);
            assert.deepEqual(await list(store, { owner: 'team-a' }), ['alpha', 'gamma']);
            assert.deepEqual(await list(store, { owner: 'nobody' }), []);
            assert.deepEqual(await list(store, { tier: 1 }), ['alpha']);
            assert.deepEqual(await list(store, { tier: 2 }), ['beta']);
            assert.deepEqual(await list(store, { tier: 3, owner: 'team-a', state: 'active' }), ['gamma']);
            assert.deepEqual(await list(store, { tier: 3, owner: 'team-b' }), []);
            // Every returned record is complete.
            const [alpha] = await store.listKeys({ limit: 1, namePrefix: 'alpha' });
            assert.equal(alpha?.tags['pci'], 'yes');
            assert.equal(alpha?.environment, 'prod');
          }),
        );

        it(
          'filters by tag key, and by tag key=value',
          withStore(async (store) => {
            for (const k of fixtures()) await insertKey(store, k);
            assert.deepEqual(await list(store, { tag: { key: 'team' } }), ['alpha', 'beta', 'delta']);
            assert.deepEqual(await list(store, { tag: { key: 'team', value: 'a' } }), ['alpha', 'delta']);
            assert.deepEqual(await list(store, { tag: { key: 'team', value: 'b' } }), ['beta']);
            assert.deepEqual(await list(store, { tag: { key: 'team', value: 'c' } }), []);
            assert.deepEqual(await list(store, { tag: { key: 'pci' } }), ['alpha']);
            assert.deepEqual(await list(store, { tag: { key: 'app.tier' } }), ['alpha', 'gamma']);
            assert.deepEqual(await list(store, { tag: { key: 'app.tier', value: 'db' } }), ['gamma']);
            assert.deepEqual(await list(store, { tag: { key: 'missing' } }), []);
            assert.deepEqual(await list(store, { tag: { key: 'team', value: 'a' }, environment: 'prod' }), ['alpha']);
          }),
        );

        it(
          "namePrefix matches a literal prefix: '%', '_' and '\\' are not wildcards",
          withStore(async (store) => {
            for (const k of fixtures()) await insertKey(store, k);
            assert.deepEqual(await list(store, { namePrefix: 'pct%' }), ['pct%key']);
            assert.deepEqual(await list(store, { namePrefix: 'pct' }), ['pct%key', 'pctXkey']);
            assert.deepEqual(await list(store, { namePrefix: 'under_' }), ['under_score']);
            assert.deepEqual(await list(store, { namePrefix: 'back\\' }), ['back\\slash']);
            assert.deepEqual(await list(store, { namePrefix: '%' }), []);
            assert.deepEqual(await list(store, { namePrefix: '_' }), []);
            assert.deepEqual(await list(store, { namePrefix: 'al' }), ['alpha']);
            assert.deepEqual(await list(store, { namePrefix: 'zzz' }), []);
          }),
        );

        it(
          'returns keys in name order with keyset pagination (after, limit)',
          withStore(async (store) => {
            for (const n of ['page-03', 'page-05', 'page-01', 'page-04', 'page-02']) await insertKey(store, makeKey({ name: n }));
            await insertKey(store, makeKey({ name: 'other' }));
            const page = async (after?: string): Promise<string[]> =>
              names(await store.listKeys({ namePrefix: 'page-', limit: 2, ...(after !== undefined ? { after } : {}) }));
            assert.deepEqual(await page(), ['page-01', 'page-02']);
            assert.deepEqual(await page('page-02'), ['page-03', 'page-04']);
            assert.deepEqual(await page('page-04'), ['page-05']);
            assert.deepEqual(await page('page-05'), []);
            // `after` need not be an existing name.
            assert.deepEqual(await page('page-025'), ['page-03', 'page-04']);
            assert.deepEqual(names(await store.listKeys({ namePrefix: 'page-', limit: 100 })), ['page-01', 'page-02', 'page-03', 'page-04', 'page-05']);
            assert.deepEqual(names(await store.listKeys({ namePrefix: 'page-', limit: 1 })), ['page-01']);
          }),
        );
      });

      it(
        'updateKey with the current revision applies the patch and bumps the revision',
        withStore(async (store) => {
          const key = makeKey({ name: 'upd', owner: 'team-a', tier: 2, environment: 'dev', tags: { a: '1' } });
          await insertKey(store, key);
          const tags = { a: '2', 'b.c': 'd', 'x:y/z-w': 'ünïcödé "q" \\ end' };
          const updated = await store.transaction((tx) =>
            tx.updateKey(key.id, 1, {
              state: 'suspended',
              owner: null,
              tier: null,
              environment: 'prod',
              tags,
              description: 'now described',
              updatedAt: at(5),
              stateChangedAt: at(5),
              currentVersion: 2,
              minDecryptionVersion: 2,
              rotationPeriodDays: 30,
              lastRotatedAt: at(5),
              compromisedAt: at(6),
              destroyedAt: at(7),
            }),
          );
          const expected: KeyRecord = {
            ...key,
            state: 'suspended',
            owner: null,
            tier: null,
            environment: 'prod',
            tags,
            description: 'now described',
            updatedAt: at(5),
            stateChangedAt: at(5),
            currentVersion: 2,
            minDecryptionVersion: 2,
            rotationPeriodDays: 30,
            lastRotatedAt: at(5),
            compromisedAt: at(6),
            destroyedAt: at(7),
            revision: 2,
          };
          assert.deepEqual(updated, expected);
          assert.deepEqual(await store.getKey(key.id), expected);

          // A second update on the new revision; fields outside the patch stay as they are.
          const again = await store.transaction((tx) => tx.updateKey(key.id, 2, { purpose: 'p', tags: {} }));
          assert.deepEqual(again, { ...expected, purpose: 'p', tags: {}, revision: 3 });
          assert.deepEqual(await store.getKeyByName('upd'), again);
        }),
      );

      it(
        'updateKey with a stale revision fails with conflict and changes nothing; an unknown id is key_not_found',
        withStore(async (store) => {
          const key = makeKey({ name: 'rev' });
          await insertKey(store, key);
          await store.transaction((tx) => tx.updateKey(key.id, 1, { owner: 'first' }));
          await assert.rejects(store.transaction((tx) => tx.updateKey(key.id, 1, { owner: 'second' })), isCode('conflict'));
          await assert.rejects(store.transaction((tx) => tx.updateKey(key.id, 5, { owner: 'second' })), isCode('conflict'));
          const now = await store.getKey(key.id);
          assert.equal(now?.owner, 'first');
          assert.equal(now?.revision, 2);
          await assert.rejects(store.transaction((tx) => tx.updateKey('key_missing', 1, { owner: 'x' })), isCode('key_not_found'));
        }),
      );

      it(
        'insertKeyVersion / getKeyVersion / listKeyVersions (in version order); a duplicate version is conflict',
        withStore(async (store) => {
          const key = makeKey({ name: 'versions', spec: 'ED25519', usage: 'SIGN_VERIFY' });
          const pem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
          const v1 = makeVersion(key.id, 1, { publicKey: pem });
          await insertKey(store, key, v1);
          const v3 = makeVersion(key.id, 3, { publicKey: pem, origin: 'imported', encryptionCount: 7 });
          const v2 = makeVersion(key.id, 2, { publicKey: pem });
          await store.transaction(async (tx) => {
            await tx.insertKeyVersion(v3);
            await tx.insertKeyVersion(v2);
          });
          assert.deepEqual(await store.listKeyVersions(key.id), [v1, v2, v3]);
          assert.deepEqual(await store.getKeyVersion(key.id, 3), v3);
          assert.equal(await store.getKeyVersion(key.id, 4), null);
          assert.equal(await store.getKeyVersion('key_missing', 1), null);
          assert.deepEqual(await store.listKeyVersions('key_missing'), []);
          await assert.rejects(store.transaction((tx) => tx.insertKeyVersion(makeVersion(key.id, 2))), isCode('conflict'));
          assert.deepEqual(await store.getKeyVersion(key.id, 2), v2);
        }),
      );

      it(
        'shredKeyMaterial nulls the wrapped material of every version of that key only',
        withStore(async (store) => {
          const key = makeKey({ name: 'shred' });
          const other = makeKey({ name: 'keep' });
          await insertKey(store, key);
          await insertKey(store, other);
          await store.transaction(async (tx) => {
            await tx.insertKeyVersion(makeVersion(key.id, 2));
            await tx.insertKeyVersion(makeVersion(key.id, 3));
          });
          await store.transaction((tx) => tx.shredKeyMaterial(key.id));
          const versions = await store.listKeyVersions(key.id);
          assert.deepEqual(versions.map((v) => v.version), [1, 2, 3]);
          for (const v of versions) assert.equal(v.wrappedMaterial, null, `version ${v.version} shredded`);
          assert.deepEqual(await store.getKeyVersion(other.id, 1), makeVersion(other.id, 1));
          // Shredding twice is harmless.
          await store.transaction((tx) => tx.shredKeyMaterial(key.id));
          assert.equal((await store.getKeyVersion(key.id, 1))?.wrappedMaterial, null);
        }),
      );

      it(
        'reserveEncryptions adds up to the limit and refuses past it without changing the count',
        withStore(async (store) => {
          const key = makeKey({ name: 'budget' });
          await insertKey(store, key);
          await store.transaction((tx) => tx.insertKeyVersion(makeVersion(key.id, 2)));
          const reserve = (version: number, count: number, limit: number): Promise<number | null> =>
            store.transaction((tx) => tx.reserveEncryptions(key.id, version, count, limit));
          assert.equal(await reserve(1, 10, 100), 10);
          assert.equal(await reserve(1, 1, 100), 11);
          assert.equal(await reserve(1, 89, 100), 100, 'reaching the limit exactly is allowed');
          assert.equal(await reserve(1, 1, 100), null);
          assert.equal(await reserve(1, 50, 100), null);
          assert.equal((await store.getKeyVersion(key.id, 1))?.encryptionCount, 100);
          assert.equal((await store.getKeyVersion(key.id, 2))?.encryptionCount, 0, 'other versions are separate');
          assert.equal(await reserve(2, 101, 100), null);
          assert.equal(await reserve(2, 5, 100), 5);
          // A reservation rolled back with its transaction is not kept.
          await assert.rejects(
            store.transaction(async (tx) => {
              assert.equal(await tx.reserveEncryptions(key.id, 2, 5, 100), 10);
              throw new Error('abort');
            }),
            /abort/,
          );
          assert.equal((await store.getKeyVersion(key.id, 2))?.encryptionCount, 5);
        }),
      );
    });

    describe('transactions', () => {
      it(
        'a transaction that throws persists nothing and rethrows the error',
        withStore(async (store) => {
          const key = makeKey({ name: 'rolled-back' });
          const boom = new Error('boom');
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.insertKey(key, makeVersion(key.id, 1));
              await tx.insertAuditEntries(linkEntries({ seq: 0, chainHash: '' }, await store.instanceId(), [makeDraft()]));
              await tx.putSeal(makeSeal());
              throw boom;
            }),
            (err: unknown) => err === boom,
          );
          assert.equal(await store.getKeyByName('rolled-back'), null);
          assert.deepEqual(await store.listKeyVersions(key.id), []);
          assert.deepEqual(await store.auditHead(), { seq: 0, chainHash: '' });
          assert.equal(await store.getSeal(), null);
          // The store is still usable afterwards.
          await insertKey(store, key);
          assert.deepEqual(await store.getKeyByName('rolled-back'), key);
        }),
      );

      it(
        'a transaction returns the value of its function',
        withStore(async (store) => {
          assert.equal(await store.transaction(async () => 42), 42);
        }),
      );

      it(
        'a savepoint that throws undoes only its own writes; the outer transaction commits',
        withStore(async (store) => {
          const a = makeKey({ name: 'sp-a' });
          const b = makeKey({ name: 'sp-b' });
          const c = makeKey({ name: 'sp-c' });
          const d = makeKey({ name: 'sp-d' });
          const inner = new Error('inner');
          await store.transaction(async (tx) => {
            await tx.insertKey(a, makeVersion(a.id, 1));
            await assert.rejects(
              tx.savepoint(async () => {
                await tx.insertKey(b, makeVersion(b.id, 1));
                await tx.updateKey(a.id, 1, { owner: 'changed-in-savepoint' });
                throw inner;
              }),
              (err: unknown) => err === inner,
            );
            // A savepoint that succeeds keeps its writes; a nested one that fails is undone alone.
            const value = await tx.savepoint(async () => {
              await tx.insertKey(c, makeVersion(c.id, 1));
              await assert.rejects(
                tx.savepoint(async () => {
                  await tx.insertKey(d, makeVersion(d.id, 1));
                  throw inner;
                }),
              );
              return 'kept';
            });
            assert.equal(value, 'kept');
            // Names freed by the rolled-back savepoint can be used again.
            await tx.insertKey({ ...b, id: `${b.id}2` }, makeVersion(`${b.id}2`, 1));
          });
          assert.deepEqual(await store.getKeyByName('sp-a'), a, 'outer write kept, savepoint update undone');
          assert.equal(await store.getKey(b.id), null);
          assert.equal((await store.getKeyByName('sp-b'))?.id, `${b.id}2`);
          assert.deepEqual(await store.getKeyByName('sp-c'), c);
          assert.equal(await store.getKeyByName('sp-d'), null);
        }),
      );

      it(
        'reads outside a transaction see committed data only',
        { skip: isolatedReads ? false : 'this store has no separate reader connection' },
        withStore(async (store) => {
          const before = makeKey({ name: 'committed' });
          await insertKey(store, before);
          await append(store, [makeDraft()]);
          const headBefore = await store.auditHead();
          const key = makeKey({ name: 'uncommitted' });
          const origin = await store.instanceId();
          await store.transaction(async (tx) => {
            await tx.insertKey(key, makeVersion(key.id, 1));
            await tx.updateKey(before.id, 1, { owner: 'new-owner' });
            await tx.insertKeyVersion(makeVersion(before.id, 2));
            await tx.insertAuditEntries(linkEntries(await tx.lockAuditHead(), origin, [makeDraft({ actor: 'token:uncommitted' })]));
            await tx.insertCheckpoint(makeCheckpoint(origin, 2, at(1)));
            // The store's reads still see the old state while this transaction is open.
            assert.equal(await store.getKeyByName('uncommitted'), null);
            assert.equal(await store.getKey(key.id), null);
            assert.deepEqual(await store.getKey(before.id), before);
            assert.deepEqual(names(await store.listKeys({ limit: 10 })), ['committed']);
            assert.deepEqual(await store.listKeyVersions(before.id), [makeVersion(before.id, 1)]);
            assert.deepEqual(await store.auditHead(), headBefore);
            assert.equal(await store.getAuditEntry(2), null);
            assert.deepEqual(await store.queryAudit({ actor: 'token:uncommitted', limit: 10 }), []);
            assert.equal(await store.latestCheckpoint(), null);
          });
          // …and the new state once it commits.
          assert.equal((await store.getKeyByName('uncommitted'))?.id, key.id);
          assert.equal((await store.getKey(before.id))?.owner, 'new-owner');
          assert.equal((await store.auditHead()).seq, 2);
          assert.equal((await store.latestCheckpoint())?.size, 2);
        }),
      );
    });

    describe('audit entries', () => {
      it(
        'insertAuditEntries under lockAuditHead; auditHead, getAuditEntry and readAudit return them',
        withStore(async (store) => {
          assert.deepEqual(await store.auditHead(), { seq: 0, chainHash: '' });
          assert.deepEqual(await store.readAudit(1, 10), []);
          const drafts: AuditDraft[] = [
            makeDraft({ action: 'sys.init', details: {} }),
            makeDraft({
              keyId: 'key_1',
              keyVersion: 3,
              requestId: 'req-1',
              correlationId: 'corr-1',
              source: '10.0.0.1',
              details: { keyName: 'billing', n: 12, ok: true, nothing: null, list: ['a', 'b'], context: { tenant: 't1', 'ünï': 'ç' } },
            }),
            makeDraft({ outcome: 'denied', errorCode: 'permission_denied', actor: 'token:abc' }),
            makeDraft({ outcome: 'failure', errorCode: 'internal' }),
          ];
          const first = await append(store, drafts.slice(0, 1));
          assert.deepEqual(seqs(first), [1]);
          const rest = await append(store, drafts.slice(1));
          assert.deepEqual(seqs(rest), [2, 3, 4]);
          const all = [...first, ...rest];
          const last = all[3]!;
          assert.deepEqual(await store.auditHead(), { seq: 4, chainHash: last.chainHash });
          await store.transaction(async (tx) => assert.deepEqual(await tx.lockAuditHead(), { seq: 4, chainHash: last.chainHash }));
          assert.deepEqual(await store.getAuditEntry(2), all[1]);
          assert.equal(await store.getAuditEntry(5), null);
          assert.equal(await store.getAuditEntry(0), null);
          assert.deepEqual(await store.readAudit(1, 100), all);
          assert.deepEqual(seqs(await store.readAudit(2, 2)), [2, 3]);
          assert.deepEqual(seqs(await store.readAudit(4, 10)), [4]);
          assert.deepEqual(await store.readAudit(5, 10), []);
          const report = await verifyChain({ store, origin: await store.instanceId(), publicKey: null });
          assert.equal(report.ok, true);
          assert.equal(report.entries.valid, 4);
        }),
      );

      it(
        'an entry with a sequence number already used is refused (conflict)',
        withStore(async (store) => {
          const [entry] = await append(store, [makeDraft()]);
          await assert.rejects(store.transaction((tx) => tx.insertAuditEntries([{ ...entry!, actor: 'forged' }])), isCode('conflict'));
          assert.equal((await store.getAuditEntry(1))?.actor, 'root:test');
        }),
      );

      it(
        'queryAudit filters by keyId, actor, action, outcome, since/until, afterSeq/beforeSeq, order and limit',
        withStore(async (store) => {
          const drafts = Array.from({ length: 12 }, (_, i) =>
            makeDraft({
              time: at(i),
              actor: i % 2 === 0 ? 'root:a' : 'token:b',
              action: i % 3 === 0 ? 'key.create' : 'crypto.encrypt',
              keyId: i % 4 === 0 ? null : i % 4 === 1 ? 'key_1' : 'key_2',
              keyVersion: i % 4 === 0 ? null : 1,
              outcome: i === 5 ? 'denied' : i === 7 || i === 10 ? 'failure' : 'success',
              errorCode: i === 5 ? 'permission_denied' : i === 7 || i === 10 ? 'internal' : null,
              details: { i },
            }),
          );
          const all = await append(store, drafts);
          const q = async (query: Omit<AuditQuery, 'limit'> & { limit?: number }): Promise<number[]> => seqs(await store.queryAudit({ limit: 100, ...query }));
          const where = (pred: (e: AuditRecord) => boolean): number[] => seqs(all.filter(pred));

          assert.deepEqual(await store.queryAudit({ limit: 100 }), all, 'no filter: every entry, ascending');
          assert.deepEqual(await q({ keyId: 'key_1' }), where((e) => e.keyId === 'key_1'));
          assert.deepEqual(await q({ keyId: 'key_2' }), where((e) => e.keyId === 'key_2'));
          assert.deepEqual(await q({ keyId: 'key_none' }), []);
          assert.deepEqual(await q({ actor: 'token:b' }), where((e) => e.actor === 'token:b'));
          assert.deepEqual(await q({ action: 'key.create' }), where((e) => e.action === 'key.create'));
          assert.deepEqual(await q({ outcome: 'denied' }), [6]);
          assert.deepEqual(await q({ outcome: 'failure' }), [8, 11]);
          assert.deepEqual(await q({ outcome: 'success' }), where((e) => e.outcome === 'success'));
          assert.deepEqual(await q({ actor: 'token:b', outcome: 'failure' }), [8]);
          assert.deepEqual(await q({ keyId: 'key_2', action: 'crypto.encrypt', actor: 'root:a' }), where((e) => e.keyId === 'key_2' && e.action === 'crypto.encrypt' && e.actor === 'root:a'));
          // since is inclusive, until exclusive: [since, until).
          assert.deepEqual(await q({ since: at(3), until: at(8) }), [4, 5, 6, 7, 8]);
          assert.deepEqual(await q({ since: at(10) }), [11, 12]);
          assert.deepEqual(await q({ until: at(2) }), [1, 2]);
          assert.deepEqual(await q({ since: at(20) }), []);
          assert.deepEqual(await q({ since: at(3), until: at(8), actor: 'root:a' }), [5, 7]);
          // Keyset pagination.
          assert.deepEqual(await q({ afterSeq: 9 }), [10, 11, 12]);
          assert.deepEqual(await q({ beforeSeq: 4 }), [1, 2, 3]);
          assert.deepEqual(await q({ afterSeq: 3, beforeSeq: 7 }), [4, 5, 6]);
          assert.deepEqual(await q({ afterSeq: 2, limit: 3 }), [3, 4, 5]);
          assert.deepEqual(await q({ descending: true }), where(() => true).reverse());
          assert.deepEqual(await q({ descending: true, limit: 3 }), [12, 11, 10]);
          assert.deepEqual(await q({ descending: true, beforeSeq: 10, limit: 3 }), [9, 8, 7]);
          assert.deepEqual(await q({ descending: true, actor: 'root:a', beforeSeq: 9 }), [7, 5, 3, 1]);
          assert.deepEqual(await q({ limit: 1 }), [1]);
          // Pages chain together without gaps or repeats.
          const pages: number[] = [];
          let after = 0;
          for (;;) {
            const page = await q({ afterSeq: after, limit: 5, actor: 'root:a' });
            if (page.length === 0) break;
            pages.push(...page);
            after = page[page.length - 1]!;
          }
          assert.deepEqual(pages, where((e) => e.actor === 'root:a'));
        }),
      );

      it(
        '50 concurrent transactions appending through lockAuditHead produce seqs 1..50 and a valid chain',
        withStore(async (store) => {
          const origin = await store.instanceId();
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              store.transaction(async (tx) => {
                const head = await tx.lockAuditHead();
                await tick(); // give other transactions every chance to interleave
                const linked = linkEntries(head, origin, [makeDraft({ details: { i } })]);
                await tick();
                await tx.insertAuditEntries(linked);
                return linked[0]!;
              }),
            ),
          );
          assert.deepEqual(results.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
          const stored = await store.readAudit(1, 1000);
          assert.deepEqual(seqs(stored), Array.from({ length: 50 }, (_, i) => i + 1));
          assert.equal((await store.auditHead()).seq, 50);
          const report = await verifyChain({ store, origin, publicKey: null });
          assert.equal(report.ok, true, JSON.stringify(report.firstBad));
          assert.deepEqual(report.entries, { checked: 50, valid: 50 });
        }),
      );
    });

    describe('tokens', () => {
      const makeToken = (overrides: Partial<TokenRecord> = {}): TokenRecord => {
        const accessor = overrides.accessor ?? uid('acc').slice(4);
        return {
          accessor,
          hash: createHash('sha256').update(accessor).digest(),
          type: 'service',
          permissions: ['crypto.*@billing-*', 'key.describe'],
          description: 'ci deploys',
          createdAt: at(0),
          createdBy: 'root:test',
          expiresAt: at(60),
          renewable: true,
          ttlSeconds: 3600,
          revokedAt: null,
          identityId: null,
          mfa: false,
          ...overrides,
        };
      };

      it(
        'insertToken stores a token; getToken and getTokenByHash return it; unknown ones are null',
        withStore(async (store) => {
          const token = makeToken();
          const root = makeToken({ type: 'root', permissions: ['*'], expiresAt: null, renewable: false, ttlSeconds: null, description: null });
          await store.transaction(async (tx) => {
            await tx.insertToken(token);
            await tx.insertToken(root);
          });
          assert.deepEqual(await store.getToken(token.accessor), token);
          assert.deepEqual(await store.getTokenByHash(token.hash), token);
          assert.deepEqual(await store.getToken(root.accessor), root);
          assert.equal(await store.getToken('nope'), null);
          assert.equal(await store.getTokenByHash(Buffer.alloc(32)), null);
        }),
      );

      it(
        'a token whose accessor or hash is taken is refused with conflict',
        withStore(async (store) => {
          const token = makeToken();
          await store.transaction((tx) => tx.insertToken(token));
          await assert.rejects(store.transaction((tx) => tx.insertToken(makeToken({ accessor: token.accessor }))), isCode('conflict'));
          await assert.rejects(store.transaction((tx) => tx.insertToken(makeToken({ hash: token.hash }))), isCode('conflict'));
        }),
      );

      it(
        'updateToken changes expiry and revocation and returns the record; an unknown accessor is token_not_found',
        withStore(async (store) => {
          const token = makeToken();
          await store.transaction((tx) => tx.insertToken(token));
          const renewed = await store.transaction((tx) => tx.updateToken(token.accessor, { expiresAt: at(120) }));
          assert.deepEqual(renewed, { ...token, expiresAt: at(120) });
          const revoked = await store.transaction((tx) => tx.updateToken(token.accessor, { revokedAt: at(5) }));
          assert.deepEqual(revoked, { ...token, expiresAt: at(120), revokedAt: at(5) });
          assert.deepEqual(await store.getToken(token.accessor), revoked);
          await assert.rejects(store.transaction((tx) => tx.updateToken('nope', { revokedAt: at(5) })), isCode('token_not_found'));
        }),
      );

      it(
        'listTokens returns tokens in accessor order with keyset pagination',
        withStore(async (store) => {
          const tokens = ['c', 'a', 'd', 'b'].map((a) => makeToken({ accessor: a.repeat(24) }));
          await store.transaction(async (tx) => {
            for (const t of tokens) await tx.insertToken(t);
          });
          const accessors = (list: readonly TokenRecord[]): string[] => list.map((t) => t.accessor[0] ?? '');
          assert.deepEqual(accessors(await store.listTokens({ limit: 10 })), ['a', 'b', 'c', 'd']);
          assert.deepEqual(accessors(await store.listTokens({ limit: 2 })), ['a', 'b']);
          assert.deepEqual(accessors(await store.listTokens({ after: 'b'.repeat(24), limit: 10 })), ['c', 'd']);
        }),
      );

      it(
        'identity tokens: listTokens filters by identity; revokeIdentityTokens revokes only its unrevoked ones',
        withStore(async (store) => {
          const mine = [makeToken({ type: 'identity', identityId: 'idn_a', mfa: true }), makeToken({ type: 'identity', identityId: 'idn_a' })];
          const earlier = makeToken({ type: 'identity', identityId: 'idn_a', revokedAt: at(1) });
          const other = makeToken({ type: 'identity', identityId: 'idn_b' });
          await store.transaction(async (tx) => {
            for (const t of [...mine, earlier, other]) await tx.insertToken(t);
          });
          assert.deepEqual(await store.getToken(mine[0]?.accessor ?? ''), mine[0]);
          assert.equal((await store.listTokens({ identityId: 'idn_a', limit: 10 })).length, 3);
          assert.equal(await store.transaction((tx) => tx.revokeIdentityTokens('idn_a', at(9))), 2);
          for (const t of mine) assert.equal((await store.getToken(t.accessor))?.revokedAt, at(9));
          assert.equal((await store.getToken(earlier.accessor))?.revokedAt, at(1));
          assert.equal((await store.getToken(other.accessor))?.revokedAt, null);
        }),
      );
    });

    describe('documents', () => {
      const doc = (id: string, data: unknown, extra: { lookup?: string | null; ref?: string | null } = {}) => ({ kind: 'thing', id, data, updatedAt: at(0), ...extra });

      it(
        'putDocument inserts at revision 1; get, find by lookup and list return it; JSON round-trips',
        withStore(async (store) => {
          const data = { name: 'alice', n: 2 ** 53 - 1, nested: { list: [1, 'two', null, true] }, text: 'a\u0000b ünï' };
          const stored = await store.transaction((tx) => tx.putDocument(doc('t1', data, { lookup: 'alice', ref: 'team-a' }), null));
          assert.deepEqual(stored, { kind: 'thing', id: 't1', lookup: 'alice', ref: 'team-a', data, revision: 1, updatedAt: at(0) });
          assert.deepEqual(await store.getDocument('thing', 't1'), stored);
          assert.deepEqual(await store.findDocument('thing', 'alice'), stored);
          assert.equal(await store.getDocument('other', 't1'), null);
          assert.equal(await store.findDocument('thing', 'bob'), null);
        }),
      );

      it(
        'updates need the current revision; a stale one, a taken id or a taken lookup is a conflict',
        withStore(async (store) => {
          await store.transaction((tx) => tx.putDocument(doc('t1', { v: 1 }, { lookup: 'one' }), null));
          await store.transaction((tx) => tx.putDocument(doc('t2', { v: 1 }, { lookup: 'two' }), null));
          await assert.rejects(store.transaction((tx) => tx.putDocument(doc('t1', { v: 9 }), null)), isCode('conflict'));
          // Written as given: key order kept, U+0000 allowed (as on insert).
          const updated = await store.transaction((tx) => tx.putDocument({ ...doc('t1', { v: 2, b: 'x\u0000y', a: 1 }, { lookup: 'uno' }), updatedAt: at(5) }, 1));
          assert.equal(updated.revision, 2);
          assert.deepEqual(updated.data, { v: 2, b: 'x\u0000y', a: 1 });
          assert.deepEqual(Object.keys((await store.getDocument<Record<string, unknown>>('thing', 't1'))?.data ?? {}), ['v', 'b', 'a']);
          assert.equal(updated.updatedAt, at(5));
          assert.equal(await store.findDocument('thing', 'one'), null);
          await assert.rejects(store.transaction((tx) => tx.putDocument(doc('t1', { v: 3 }), 1)), isCode('conflict'));
          await assert.rejects(store.transaction((tx) => tx.putDocument(doc('t1', { v: 3 }, { lookup: 'two' }), 2)), isCode('conflict'));
          await assert.rejects(store.transaction((tx) => tx.putDocument(doc('t3', {}, { lookup: 'two' }), null)), isCode('conflict'));
          await assert.rejects(store.transaction((tx) => tx.putDocument(doc('gone', {}), 1)), isCode('conflict'));
          assert.deepEqual((await store.getDocument('thing', 't1'))?.data, { v: 2, b: 'x\u0000y', a: 1 });
          // The same lookup in another kind is fine.
          await store.transaction((tx) => tx.putDocument({ ...doc('x', {}, { lookup: 'two' }), kind: 'other' }, null));
        }),
      );

      it(
        'listDocuments pages by id and filters by ref; deleteDocument removes one',
        withStore(async (store) => {
          await store.transaction(async (tx) => {
            for (const id of ['d', 'b', 'a', 'c']) await tx.putDocument(doc(id, { id }, { ref: id < 'c' ? 'low' : 'high' }), null);
            await tx.putDocument({ ...doc('z', {}), kind: 'other' }, null);
          });
          const ids = (list: readonly { id: string }[]): string[] => list.map((d) => d.id);
          assert.deepEqual(ids(await store.listDocuments('thing', { limit: 10 })), ['a', 'b', 'c', 'd']);
          assert.deepEqual(await store.documentKinds(), ['other', 'thing']);
          assert.deepEqual(ids(await store.listDocuments('thing', { limit: 2, after: 'b' })), ['c', 'd']);
          assert.deepEqual(ids(await store.listDocuments('thing', { limit: 10, ref: 'high' })), ['c', 'd']);
          assert.equal(await store.transaction((tx) => tx.deleteDocument('thing', 'c')), true);
          assert.equal(await store.transaction((tx) => tx.deleteDocument('thing', 'c')), false);
          assert.deepEqual(ids(await store.listDocuments('thing', { limit: 10 })), ['a', 'b', 'd']);
        }),
      );

      it(
        'a document written in a failed transaction is not stored',
        withStore(async (store) => {
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.putDocument(doc('t1', {}), null);
              throw new Error('boom');
            }),
          );
          assert.equal(await store.getDocument('thing', 't1'), null);
        }),
      );
    });

    describe('checkpoints', () => {
      it(
        'insertCheckpoint, latestCheckpoint (largest size, then newest) and listCheckpoints (by size, then time)',
        withStore(async (store) => {
          const origin = await store.instanceId();
          assert.equal(await store.latestCheckpoint(), null);
          assert.deepEqual(await store.listCheckpoints(), []);
          const c5a = makeCheckpoint(origin, 5, at(1));
          const c2 = makeCheckpoint(origin, 2, at(0));
          const c5b = makeCheckpoint(origin, 5, at(3));
          const c3 = makeCheckpoint(origin, 3, at(2));
          await store.transaction(async (tx) => {
            await tx.insertCheckpoint(c5a);
            await tx.insertCheckpoint(c2);
          });
          assert.deepEqual(await store.latestCheckpoint(), c5a);
          await store.transaction(async (tx) => {
            await tx.insertCheckpoint(c5b);
            await tx.insertCheckpoint(c3);
          });
          assert.deepEqual(await store.listCheckpoints(), [c2, c3, c5a, c5b]);
          assert.deepEqual(await store.latestCheckpoint(), c5b);
          // A checkpoint written in a rolled-back transaction is not kept.
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.insertCheckpoint(makeCheckpoint(origin, 9, at(9)));
              throw new Error('abort');
            }),
          );
          assert.deepEqual(await store.latestCheckpoint(), c5b);
        }),
      );
    });

    describe('adopting an instance id', () => {
      const adopt = (store: Store, id: string): Promise<void> => store.transaction((tx) => tx.adoptInstanceId(id));
      const aToken = (): TokenRecord => ({
        accessor: uid('acc').slice(4),
        hash: createHash('sha256').update(uid('tok')).digest(),
        type: 'service',
        permissions: ['key.describe'],
        description: null,
        createdAt: at(0),
        createdBy: 'root:test',
        expiresAt: at(60),
        renewable: false,
        ttlSeconds: 3600,
        revokedAt: null,
        identityId: null,
        mfa: false,
      });

      it(
        'adoptInstanceId gives an empty store another id; instanceId returns it, also after reopening',
        withStore(async (store, opened) => {
          const adopted = `kw_${'ab'.repeat(12)}`;
          await adopt(store, adopted);
          assert.equal(await store.instanceId(), adopted);
          if (opened.reopen) {
            await store.close();
            assert.equal(await (await opened.reopen()).instanceId(), adopted, 'the adopted id is stored, not cached');
          }
        }),
      );

      it(
        'adoptInstanceId is refused with conflict once the store holds a seal, a key, a token, an audit entry or a checkpoint',
        async () => {
          const fillers: [string, (store: Store) => Promise<unknown>][] = [
            ['seal', (store) => store.transaction((tx) => tx.putSeal(makeSeal()))],
            ['key', (store) => insertKey(store, makeKey())],
            ['token', (store) => store.transaction((tx) => tx.insertToken(aToken()))],
            ['audit entry', (store) => append(store, [makeDraft()])],
            ['checkpoint', async (store) => store.transaction(async (tx) => tx.insertCheckpoint(makeCheckpoint(await store.instanceId(), 0, at(1))))],
          ];
          for (const [what, fill] of fillers) {
            await withStore(async (store) => {
              const before = await store.instanceId();
              await fill(store);
              await assert.rejects(adopt(store, 'kw_other'), isCode('conflict'), `with a ${what}`);
              assert.equal(await store.instanceId(), before, `the id is unchanged (${what})`);
            })();
          }
        },
      );

      it(
        'an adoption in a rolled-back transaction leaves the old id; an id with spaces or control characters is validation_failed',
        withStore(async (store) => {
          const before = await store.instanceId();
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.adoptInstanceId('kw_rolled_back');
              throw new Error('abort');
            }),
            /abort/,
          );
          assert.equal(await store.instanceId(), before);
          for (const bad of ['', 'kw with space', 'kw\nsize 0', 'x'.repeat(129), 'kw_ü']) {
            await assert.rejects(adopt(store, bad), isCode('validation_failed'), JSON.stringify(bad));
          }
          assert.equal(await store.instanceId(), before);
        }),
      );

      it(
        'audit entries inserted as given into a store that adopted the origin verify there (same seq, same chain hashes)',
        withStore(async (store) => {
          const source = await open();
          try {
            const entries = await append(source.store, [makeDraft({ action: 'a' }), makeDraft({ action: 'b', details: { n: 1, list: ['x'] } }), makeDraft({ action: 'c' })]);
            await store.transaction(async (tx) => {
              await tx.adoptInstanceId(await source.store.instanceId());
              await tx.insertAuditEntries(entries);
            });
            assert.equal(await store.instanceId(), await source.store.instanceId());
            assert.deepEqual(await store.readAudit(1, 10), entries);
            assert.deepEqual(await store.auditHead(), await source.store.auditHead());
            const report = await verifyChain({ store, origin: await store.instanceId(), publicKey: null });
            assert.equal(report.ok, true, JSON.stringify(report.firstBad));
            // The next append links onto the copied head.
            await append(store, [makeDraft({ action: 'd' })]);
            assert.equal((await verifyChain({ store, origin: await store.instanceId(), publicKey: null })).entries.valid, 4);
          } finally {
            await source.cleanup();
          }
        }),
      );
    });

    describe('leader lease', () => {
      it(
        'grants a lease to one holder at a time; release lets another take it',
        withStore(async (store) => {
          const a = store.leadership('scheduler');
          const b = store.leadership('scheduler');
          assert.equal(a.name, 'scheduler');
          assert.equal(a.isLeader(), false, 'not held before tryAcquire');
          assert.equal(await a.tryAcquire(), true);
          assert.equal(await b.tryAcquire(), false);
          assert.deepEqual([a.isLeader(), b.isLeader()], [true, false]);
          assert.equal(await a.tryAcquire(), true, 'asking again while holding keeps it');
          assert.equal(await b.tryAcquire(), false);
          await a.release();
          assert.equal(a.isLeader(), false);
          assert.equal(await b.tryAcquire(), true, 'free once released');
          assert.equal(await a.tryAcquire(), false);
          await b.release();
          await b.release(); // a no-op when not held
          assert.equal(await a.tryAcquire(), true);
        }),
      );

      it(
        'lets exactly one of many concurrent holders win; leases of other names are independent',
        withStore(async (store) => {
          const contenders = Array.from({ length: 6 }, () => store.leadership('scheduler'));
          const won = await Promise.all(contenders.map((l) => l.tryAcquire()));
          assert.equal(won.filter(Boolean).length, 1, `one winner, got ${JSON.stringify(won)}`);
          assert.equal(contenders.filter((l) => l.isLeader()).length, 1);
          assert.equal(await store.leadership('rotation').tryAcquire(), true, 'another name is another lease');
        }),
      );

      it(
        'is exclusive across stores opened on one database; closing the holder\'s store frees it',
        withStore(async (store, opened) => {
          if (!opened.reopen) return;
          const other = await opened.reopen();
          const mine = store.leadership('scheduler');
          const theirs = other.leadership('scheduler');
          assert.equal(await mine.tryAcquire(), true);
          assert.equal(await theirs.tryAcquire(), false, 'held by the first store');
          await store.close();
          assert.equal(mine.isLeader(), false, 'closing the store releases its leases');
          await assert.rejects(mine.tryAcquire(), isCode('storage_unavailable'));
          assert.equal(await theirs.tryAcquire(), true, 'free once the holder\'s store is closed');
        }),
      );
    });
  });
}
