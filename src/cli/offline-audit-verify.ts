import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { verifyChain, type VerifyReport } from '../audit/verify-chain.ts';
import { CheckpointFile } from '../audit/checkpoints.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { CliError, EXIT } from './cli-error.ts';

export interface OfflineVerifyOptions {
  /** A Keyward SQLite database (keyward.db). */
  readonly dbPath: string;
  /** Checkpoints kept outside the database; default: audit-checkpoints.jsonl next to it, if present. */
  readonly checkpointFile?: string;
  readonly onProgress?: (checked: number, total: number) => void;
}

export interface OfflineVerifyResult {
  readonly report: VerifyReport;
  /** The checkpoint file that was read, if any. */
  readonly checkpointFile: string | null;
  /** Lines of that file that did not parse (they are not trusted, and reported). */
  readonly badCheckpointLines: readonly number[];
}

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Verifies the audit chain of a database file without a server. The file (and its WAL, if any) is
 * copied to a private temp dir first and the copy is opened: SqliteStore has no read-only mode, and
 * evidence must not be changed by checking it (opening migrates and writes). Verify a stopped
 * node's file or a backup: a file being written while it is copied may copy inconsistently.
 */
export async function verifyDatabaseFile(options: OfflineVerifyOptions): Promise<OfflineVerifyResult> {
  checkSqliteFile(options.dbPath);
  const checkpointPath = options.checkpointFile ?? defaultCheckpointFile(options.dbPath);
  if (options.checkpointFile !== undefined && !existsSync(options.checkpointFile)) throw new CliError(`no checkpoint file at ${options.checkpointFile}`, EXIT.usage);
  const checkpoints = checkpointPath ? new CheckpointFile(checkpointPath).read() : { checkpoints: [], badLines: [] };

  const dir = mkdtempSync(join(tmpdir(), 'keyward-verify-'));
  try {
    const copy = join(dir, basename(options.dbPath));
    copyFileSync(options.dbPath, copy);
    if (existsSync(`${options.dbPath}-wal`)) copyFileSync(`${options.dbPath}-wal`, `${copy}-wal`);
    const store = openStore(copy, options.dbPath);
    try {
      const seal = await store.getSeal();
      if (!seal && (await store.auditHead()).seq === 0) throw new CliError(`${options.dbPath} holds no audit log: not a Keyward database, or one never initialised`);
      const report = await verifyChain({
        store,
        origin: await store.instanceId(),
        publicKey: seal?.auditPublicKey ?? null,
        externalCheckpoints: checkpoints.checkpoints,
        batchSize: 1000,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      return { report, checkpointFile: checkpointPath, badCheckpointLines: checkpoints.badLines };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkSqliteFile(path: string): void {
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new CliError(`${path} is not a file`, EXIT.usage);
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
  const header = Buffer.alloc(SQLITE_HEADER.length);
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) throw new CliError(`${path} is not a SQLite database`, EXIT.usage);
}

function openStore(copy: string, original: string): SqliteStore {
  try {
    return SqliteStore.open({ path: copy });
  } catch (err) {
    throw new CliError(`cannot open ${original}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Where a node keeps its checkpoint file: next to the database (see cli/server-runtime.ts). */
function defaultCheckpointFile(dbPath: string): string | null {
  const path = join(dirname(dbPath), 'audit-checkpoints.jsonl');
  return existsSync(path) ? path : null;
}
