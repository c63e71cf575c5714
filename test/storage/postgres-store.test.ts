import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeywardError, type ErrorCode } from '../../src/core/errors.ts';
import { linkEntries } from '../../src/audit/audit-chain.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../src/storage/postgres/postgres-store.ts';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/postgres-migrations.ts';
import type { Store } from '../../src/storage/store.ts';
import type { AuditRecord, SealRecord, TokenRecord } from '../../src/storage/records.ts';
import { makeDraft, makeKey, makeVersion, storeContract, type OpenedStore } from './store-contract.ts';
import { POSTGRES_REQUIRED, TEST_DATABASE_URL, postgresUnreachableReason, withAdmin } from '../test-backend.ts';

/**
 * Runs against the PostgreSQL at KEYWARD_TEST_DATABASE_URL (default: the local trust-auth server),
 * each test in its own throwaway schema. Without a server the suite is skipped — unless CI set the
 * URL, in which case a missing server is a failure, not a skip.
 */
// PostgreSQL-only: KEYWARD_TEST_DATABASE_URL names the server (scripts/run-tests.mjs keeps this file out of its PostgreSQL pass).
const DATABASE_URL = TEST_DATABASE_URL;
const MUST_RUN = POSTGRES_REQUIRED;

const unreachable = await postgresUnreachableReason(DATABASE_URL);

let schemas = 0;
const freshSchema = (): string => `kw_test_${process.pid}_${++schemas}_${randomBytes(4).toString('hex')}`;

const dropSchema = (schema: string): Promise<unknown> => withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));

const openOn = (schema: string, extra: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> =>
  PostgresStore.open({ connectionString: DATABASE_URL, schema, ...extra });

/** A fresh store in its own schema; `reopen` opens another store on that schema; cleanup drops it. */
async function openPostgres(): Promise<OpenedStore> {
  const schema = freshSchema();
  const stores: Store[] = [await openOn(schema)];
  return {
    store: stores[0]!,
    reopen: async () => {
      const store = await openOn(schema);
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of stores) await s.close();
      await dropSchema(schema);
    },
  };
}

/** Runs `fn` with a fresh schema name, dropping the schema afterwards. */
async function withSchema(fn: (schema: string) => Promise<void>): Promise<void> {
  const schema = freshSchema();
  try {
    await fn(schema);
  } finally {
    await dropSchema(schema);
  }
}

function isCode(code: ErrorCode, message?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof KeywardError, `expected KeywardError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The test URL with extra connection-string parameters (an application_name that tags a test's connections). */
function urlWith(params: Record<string, string>): string {
  const url = new URL(DATABASE_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Server sessions whose application_name is `name`: the connections of one test's stores. */
const connectionsNamed = (name: string): Promise<number> =>
  withAdmin(async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0]!.n);

/** Polls until `check` holds (a closed connection leaves pg_stat_activity a moment later). */
async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

if (unreachable && MUST_RUN) {
  describe('PostgresStore', () => {
    it('needs the PostgreSQL server CI was given', () => assert.fail(unreachable));
  });
} else {
  describe('PostgreSQL backend', { skip: unreachable ?? false }, () => {
    storeContract('PostgresStore', openPostgres);

    describe('PostgresStore specifics', () => {
      it('records applied migrations in schema_migrations and does not re-run them on reopen', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          const id = await store.instanceId();
          await store.close();
          const applied = (): Promise<{ version: number; applied_at: Date }[]> =>
            withAdmin(async (c) => (await c.query<{ version: number; applied_at: Date }>(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`)).rows);
          const first = await applied();
          assert.deepEqual(
            first.map((r) => r.version),
            POSTGRES_MIGRATIONS.map((_, i) => i + 1),
          );

          await sleep(5); // a re-run would record a later applied_at
          const again = await openOn(schema);
          assert.equal(await again.instanceId(), id, 'the instance id is created once, not per open');
          await again.close();
          assert.deepEqual(await applied(), first);
          const metaRows = await withAdmin(async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".meta WHERE name = 'instance_id'`)).rows[0]!.n);
          assert.equal(metaRows, 1);
        }));

      it('nodes starting together on an empty schema migrate it once and agree on the instance id', () =>
        withSchema(async (schema) => {
          const stores = await Promise.all(Array.from({ length: 4 }, () => openOn(schema)));
          try {
            const ids = await Promise.all(stores.map((s) => s.instanceId()));
            assert.equal(new Set(ids).size, 1);
            const versions = await withAdmin(async (c) => (await c.query(`SELECT version FROM "${schema}".schema_migrations`)).rows.length);
            assert.equal(versions, POSTGRES_MIGRATIONS.length);
          } finally {
            for (const s of stores) await s.close();
          }
        }));

      it('refuses a schema newer than the code with storage_unavailable, leaving no connection open', () =>
        withSchema(async (schema) => {
          await (await openOn(schema)).close();
          await withAdmin((c) => c.query(`INSERT INTO "${schema}".schema_migrations (version, applied_at) VALUES ($1, now())`, [POSTGRES_MIGRATIONS.length + 1]));
          const name = `${schema}_newer`;
          await assert.rejects(openOn(schema, { connectionString: urlWith({ application_name: name }) }), isCode('storage_unavailable', /newer/));
          assert.ok(await eventually(async () => (await connectionsNamed(name)) === 0), 'a failed open leaves no connection behind');
        }));

      it('an unreachable server fails quickly with storage_unavailable and no password or address in the message', async () => {
        const started = Date.now();
        const connectionString = 'postgres://keyward:s3cret-pa55@127.0.0.1:1/keyward';
        await assert.rejects(PostgresStore.open({ connectionString, pool: { connectionTimeoutMillis: 1500 } }), (err: unknown) => {
          isCode('storage_unavailable')(err);
          const e = err as KeywardError;
          const shown = `${e.message} ${JSON.stringify(e.details)}`;
          assert.doesNotMatch(shown, /s3cret|keyward:|127\.0\.0\.1|postgres:\/\//);
          assert.ok(e.cause, 'the driver error is kept as cause');
          return true;
        });
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      });

      it('an options parameter in the connection string does not displace the schema search_path', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema, { connectionString: urlWith({ options: '-c statement_timeout=20000 -c search_path=public' }) });
          try {
            const key = makeKey({ name: 'in-schema' });
            await store.transaction((tx) => tx.insertKey(key, makeVersion(key.id, 1)));
            assert.deepEqual(await store.getKeyByName('in-schema'), key);
            const where = await withAdmin(async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".keys`)).rows[0]!.n);
            assert.equal(where, 1);
          } finally {
            await store.close();
          }
        }));

      it('rejects a malformed schema name or pool option before connecting', async () => {
        await assert.rejects(PostgresStore.open({ connectionString: DATABASE_URL, schema: 'Robert"; DROP TABLE x; --' }), isCode('validation_failed'));
        await assert.rejects(PostgresStore.open({ connectionString: DATABASE_URL, schema: 'pg_catalog' }), isCode('validation_failed'));
        await assert.rejects(PostgresStore.open({ connectionString: DATABASE_URL, pool: { max: 1 } }), isCode('validation_failed'));
        await assert.rejects(PostgresStore.open({ connectionString: DATABASE_URL, pool: { statementTimeoutMillis: -5 } }), isCode('validation_failed'));
      });

      it('two stores on the same schema appending concurrently build one gap-free, valid chain', () =>
        withSchema(async (schema) => {
          const a = await openOn(schema);
          const b = await openOn(schema);
          try {
            const origin = await a.instanceId();
            assert.equal(await b.instanceId(), origin);
            const appendVia = (store: Store, node: string, i: number): Promise<AuditRecord[]> =>
              store.transaction(async (tx) => {
                const head = await tx.lockAuditHead();
                await tick(); // let the other node try to slip in between read and write
                const size = 1 + (i % 3); // batches of 1..3 entries, as group commit makes them
                const linked = linkEntries(head, origin, Array.from({ length: size }, (_, j) => makeDraft({ actor: `node:${node}`, details: { i, j } })));
                await tick();
                await tx.insertAuditEntries(linked);
                return linked;
              });
            const batches = await Promise.all(Array.from({ length: 40 }, (_, i) => appendVia(i % 2 === 0 ? a : b, i % 2 === 0 ? 'a' : 'b', i)));
            const total = batches.reduce((n, batch) => n + batch.length, 0);
            const stored = await b.readAudit(1, 10_000);
            assert.deepEqual(
              stored.map((e) => e.seq),
              Array.from({ length: total }, (_, i) => i + 1),
            );
            assert.ok(stored.some((e) => e.actor === 'node:a') && stored.some((e) => e.actor === 'node:b'));
            assert.deepEqual(stored, batches.flat().sort((x, y) => x.seq - y.seq));
            for (const store of [a, b]) {
              const report = await verifyChain({ store, origin, publicKey: null });
              assert.equal(report.ok, true, JSON.stringify(report.firstBad));
              assert.deepEqual(report.entries, { checked: total, valid: total });
            }
          } finally {
            await a.close();
            await b.close();
          }
        }));

      it('the audit lock holds other nodes back until commit; a wait past the statement timeout is storage_unavailable', () =>
        withSchema(async (schema) => {
          const holder = await openOn(schema);
          const impatient = await openOn(schema, { pool: { statementTimeoutMillis: 200 } });
          try {
            let release!: () => void;
            const held = new Promise<void>((resolve) => (release = resolve));
            let locked!: () => void;
            const isLocked = new Promise<void>((resolve) => (locked = resolve));
            const holding = holder.transaction(async (tx) => {
              await tx.lockAuditHead();
              locked();
              await held;
            });
            await isLocked;
            await assert.rejects(
              impatient.transaction((tx) => tx.lockAuditHead()),
              isCode('storage_unavailable', /timed out/),
            );
            release();
            await holding;
            assert.deepEqual(await impatient.transaction((tx) => tx.lockAuditHead()), { seq: 0, chainHash: '' }, 'free again after commit');
          } finally {
            await holder.close();
            await impatient.close();
          }
        }));

      it('transactions that read through the store while holding the audit lock never starve of connections', () =>
        withSchema(async (schema) => {
          // Two connections: were both taken by transactions, the lock holder's read would wait for
          // a connection held by a transaction that waits for the lock.
          const store = await openOn(schema, { pool: { max: 2, connectionTimeoutMillis: 1000 } });
          try {
            const origin = await store.instanceId();
            await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                store.transaction(async (tx) => {
                  const head = await tx.lockAuditHead();
                  assert.deepEqual(await store.auditHead(), head, 'a read inside the transaction sees the committed head');
                  await tx.insertAuditEntries(linkEntries(head, origin, [makeDraft({ details: { i } })]));
                }),
              ),
            );
            assert.equal((await store.auditHead()).seq, 6);
          } finally {
            await store.close();
          }
        }));

      it('timestamps, bytea and counters round-trip exactly, in properly typed columns', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          try {
            const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
            const key = makeKey({
              name: 'types',
              createdAt: '1999-12-31T23:59:59.999Z',
              updatedAt: '2038-01-19T03:14:08.001Z',
              stateChangedAt: '2026-03-04T05:06:07.089Z',
              lastRotatedAt: '2026-02-28T23:59:59.000Z',
              compromisedAt: '2024-02-29T12:00:00.500Z',
              destroyedAt: '2100-01-01T00:00:00.010Z',
              tags: { empty: '', quote: '"\'\\', unicode: 'ünï 🔑' },
            });
            const version = makeVersion(key.id, 1, { wrappedMaterial: everyByte, encryptionCount: 2 ** 40 });
            await store.transaction((tx) => tx.insertKey(key, version));
            assert.deepEqual(await store.getKey(key.id), key);
            assert.deepEqual(await store.getKeyVersion(key.id, 1), version);
            assert.equal(await store.transaction((tx) => tx.reserveEncryptions(key.id, 1, 5, 2 ** 52)), 2 ** 40 + 5);

            const seal: SealRecord = {
              threshold: 3,
              shares: 5,
              wrappedRootKey: everyByte,
              shareChecks: ['a"b', 'c,d', '{e}', 'f\\g', 'NULL'],
              wrappedAuditSigningKey: Buffer.alloc(0),
              auditPublicKey: 'pem',
              initializedAt: '2026-01-01T00:00:00.001Z',
            };
            await store.transaction((tx) => tx.putSeal(seal));
            assert.deepEqual(await store.getSeal(), seal);

            const token: TokenRecord = {
              accessor: 'acc-types',
              hash: everyByte.subarray(0, 32),
              type: 'service',
              permissions: [],
              description: null,
              createdAt: '2026-01-01T00:00:00.000Z',
              createdBy: 'root:test',
              expiresAt: '2026-01-01T00:00:00.999Z',
              renewable: false,
              ttlSeconds: 10 ** 10,
              revokedAt: null,
              identityId: 'idn_types',
              mfa: true,
            };
            await store.transaction((tx) => tx.insertToken(token));
            assert.deepEqual(await store.getTokenByHash(token.hash), token);

            const origin = await store.instanceId();
            const details = { z: 1, a: ['x', 'y'], m: { b: '1', a: '2' }, nul: 'a\u0000b', big: 2 ** 53 - 1, neg: -0.5, t: true, n: null };
            const [entry] = await store.transaction(async (tx) => {
              const linked = linkEntries(await tx.lockAuditHead(), origin, [makeDraft({ time: '2026-06-30T12:34:56.789Z', details })]);
              await tx.insertAuditEntries(linked);
              return linked;
            });
            assert.deepEqual(await store.getAuditEntry(1), entry);
            assert.equal((await verifyChain({ store, origin, publicKey: null })).ok, true);

            const types = await withAdmin(async (c) => {
              const { rows } = await c.query<{ table_name: string; column_name: string; data_type: string }>(
                'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
                [schema],
              );
              return new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
            });
            assert.equal(types.get('keys.created_at'), 'timestamp with time zone');
            assert.equal(types.get('audit_entries.time'), 'timestamp with time zone');
            assert.equal(types.get('key_versions.wrapped_material'), 'bytea');
            assert.equal(types.get('tokens.hash'), 'bytea');
            assert.equal(types.get('audit_entries.seq'), 'bigint');
            assert.equal(types.get('key_versions.encryption_count'), 'bigint');
            assert.equal(types.get('keys.tags'), 'jsonb');
            assert.equal(types.get('audit_entries.details'), 'json');
          } finally {
            await store.close();
          }
        }));

      it('refuses a timestamp that would not read back as the same string (validation_failed)', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          try {
            for (const createdAt of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000+00:00', '2026-01-01T00:00:00.000001Z', '2026-02-30T00:00:00.000Z']) {
              await assert.rejects(store.transaction((tx) => tx.insertKey(makeKey({ createdAt }), makeVersion('key_x', 1))), isCode('validation_failed'));
            }
            assert.deepEqual(await store.listKeys({ limit: 10 }), []);
          } finally {
            await store.close();
          }
        }));

      it('queryAudit compares since/until as times, whatever ISO 8601 form they are given in', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          try {
            const origin = await store.instanceId();
            const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'];
            await store.transaction(async (tx) =>
              tx.insertAuditEntries(linkEntries(await tx.lockAuditHead(), origin, times.map((time) => makeDraft({ time })))),
            );
            const seqs = async (since: string, until?: string): Promise<number[]> =>
              (await store.queryAudit({ since, ...(until ? { until } : {}), limit: 10 })).map((e) => e.seq);
            assert.deepEqual(await seqs('2026-01-01T00:00:00Z'), [1, 2, 3]);
            assert.deepEqual(await seqs('2026-01-01T02:00:00+01:00', '2026-01-01T02:00:00Z'), [2], '02:00+01:00 is 01:00Z');
            await assert.rejects(store.queryAudit({ since: 'yesterday-ish', limit: 10 }), isCode('validation_failed'));
          } finally {
            await store.close();
          }
        }));

      it('a NUL character PostgreSQL cannot store is validation_failed, and the transaction stays usable in a savepoint', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          try {
            const good = makeKey({ name: 'good' });
            await store.transaction(async (tx) => {
              await assert.rejects(
                tx.savepoint(() => tx.insertKey(makeKey({ name: 'nul', tags: { t: 'a\u0000b' } }), makeVersion('key_nul', 1))),
                isCode('validation_failed'),
              );
              await tx.insertKey(good, makeVersion(good.id, 1));
            });
            assert.deepEqual(await store.getKeyByName('good'), good);
            assert.equal(await store.getKeyByName('nul'), null);
          } finally {
            await store.close();
          }
        }));

      it('a transaction that swallows a failed statement does not commit, and reports that failure', () =>
        withSchema(async (schema) => {
          const store = await openOn(schema);
          try {
            const key = makeKey({ name: 'swallowed' });
            await assert.rejects(
              store.transaction(async (tx) => {
                await tx.insertKey(key, makeVersion(key.id, 1));
                await tx.insertKey(makeKey({ name: 'bad-time', createdAt: 'not a time' }), makeVersion('key_y', 1)).catch(() => undefined);
                await tx.insertAuditEntries([{ ...makeDraft(), seq: 1, chainHash: 'x', details: { s: 'ok' } }]).catch(() => undefined);
                await tx.insertAuditEntries([{ ...makeDraft(), seq: 1, chainHash: 'x' }]).catch(() => undefined); // seq taken: fails
              }),
              isCode('conflict'),
            );
            assert.equal(await store.getKeyByName('swallowed'), null);
            assert.deepEqual(await store.auditHead(), { seq: 0, chainHash: '' });
          } finally {
            await store.close();
          }
        }));

      it('survives PostgreSQL ending its connections: the pool error is reported, not thrown, and the next read reconnects', () =>
        withSchema(async (schema) => {
          const errors: unknown[] = [];
          const name = `${schema}_restart`;
          const store = await openOn(schema, { connectionString: urlWith({ application_name: name }), onConnectionError: (err) => errors.push(err) });
          try {
            await Promise.all([store.getKey('a'), store.getKey('b'), store.getKey('c')]);
            const ended = await withAdmin(
              async (c) => (await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'", [name])).rowCount,
            );
            assert.ok((ended ?? 0) > 0);
            assert.ok(await eventually(async () => errors.length > 0), 'the pool reported the dropped connections');
            assert.equal(await store.getKey('a'), null);
            const key = makeKey({ name: 'after-restart' });
            await store.transaction((tx) => tx.insertKey(key, makeVersion(key.id, 1)));
            assert.deepEqual(await store.getKeyByName('after-restart'), key);
          } finally {
            await store.close();
          }
        }));
    });
  });
}
