import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KeywardError } from '../../src/core/errors.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite/sqlite-migrations.ts';
import { storeContract, type OpenedStore } from './store-contract.ts';

/** A fresh SQLite file store in its own temp directory; `reopen` opens the same file again. */
async function openSqlite(): Promise<OpenedStore> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-store-'));
  const path = join(dir, 'keyward.db');
  const stores = [SqliteStore.open({ path })];
  return {
    store: stores[0]!,
    reopen: async () => {
      const store = SqliteStore.open({ path });
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of stores) await s.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

storeContract('SqliteStore (file)', openSqlite);

/** Runs `fn` with a fresh temp directory and its database path, removing it afterwards. */
async function withDir(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-sqlite-'));
  try {
    await fn(join(dir, 'keyward.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** File descriptors of this process open on `path` (Linux only). */
async function openFds(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('SqliteStore specifics', () => {
  it('records applied migrations in schema_migrations and does not re-run them on reopen', () =>
    withDir(async (path) => {
      const store = SqliteStore.open({ path });
      const id = await store.instanceId();
      await store.close();

      const raw = new Database(path, { readonly: true });
      const first = raw.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all() as { version: number; applied_at: string }[];
      raw.close();
      assert.deepEqual(
        first.map((r) => r.version),
        SQLITE_MIGRATIONS.map((_, i) => i + 1),
      );
      for (const r of first) assert.ok(!Number.isNaN(Date.parse(r.applied_at)), 'applied_at is a timestamp');

      await new Promise((resolve) => setTimeout(resolve, 5)); // a re-run would record a later applied_at
      const again = SqliteStore.open({ path });
      assert.equal(await again.instanceId(), id, 'the instance id is created once, not per open');
      await again.close();

      const raw2 = new Database(path, { readonly: true });
      const second = raw2.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
      const metaRows = (raw2.prepare("SELECT COUNT(*) AS n FROM meta WHERE name = 'instance_id'").get() as { n: number }).n;
      raw2.close();
      assert.deepEqual(second, first);
      assert.equal(metaRows, 1);
    }));

  it('refuses to open a database whose schema is newer than the code (storage_unavailable)', () =>
    withDir(async (path) => {
      await SqliteStore.open({ path }).close();
      const raw = new Database(path);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(SQLITE_MIGRATIONS.length + 1, new Date().toISOString());
      raw.close();

      const fdsBefore = process.platform === 'linux' ? await openFds(path) : 0;
      assert.throws(
        () => SqliteStore.open({ path }),
        (err: unknown) => err instanceof KeywardError && err.code === 'storage_unavailable' && /newer/.test(err.message),
      );
      if (process.platform === 'linux') assert.equal(await openFds(path), fdsBefore, 'a failed open leaves no connection behind');
    }));

  it('a file that is not a database fails with storage_unavailable, not a raw driver error', () =>
    withDir(async (path) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, 'this is not an SQLite database, just some text that is long enough'.repeat(20));
      assert.throws(
        () => SqliteStore.open({ path }),
        (err: unknown) => err instanceof KeywardError && err.code === 'storage_unavailable',
      );
    }));

  it('uses WAL journal mode', () =>
    withDir(async (path) => {
      const store = SqliteStore.open({ path });
      try {
        const raw = new Database(path, { readonly: true });
        try {
          assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        } finally {
          raw.close();
        }
      } finally {
        await store.close();
      }
    }));
});
