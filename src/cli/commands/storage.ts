import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { KeywardError } from '../../core/errors.ts';
import { verifyChain, type VerifyReport } from '../../audit/verify-chain.ts';
import { copyStore, storeContents, verifyCopy, type CopyCheck, type StoreCounts } from '../../storage/copy-store.ts';
import type { Store } from '../../storage/store.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { Output } from '../output.ts';
import { stderrProgress } from '../progress.ts';
import { formatFields } from '../table.ts';

/** `keyward storage …`: work on a database directly, without a server. */
export function storageCommand(): Command {
  return new Command('storage').description('move a Keyward database between storage backends (offline, no server)').addCommand(migrateCommand());
}

interface MigrateOptions {
  readonly from: string;
  readonly to: string;
  readonly schema?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/** What `--json` prints, and what the human summary is made from. */
interface MigrationResult {
  readonly ok: boolean;
  readonly from: string;
  /** The target with its password replaced by *** (never the real connection string). */
  readonly to: string;
  readonly schema: string | null;
  readonly instanceId: string;
  readonly counts: StoreCounts;
  readonly auditHead: { readonly seq: number; readonly chainHash: string };
  readonly checks: readonly CopyCheck[];
}

function migrateCommand(): Command {
  return new Command('migrate')
    .description('copy everything from a SQLite database into an empty PostgreSQL one, then verify the copy')
    .requiredOption('--from <source>', 'sqlite:<path to keyward.db> (of a stopped node, or a backup)')
    .requiredOption('--to <target>', 'postgres:<connection URL>; give the password in PGPASSWORD rather than the URL (arguments show in ps)')
    .option('--schema <schema>', "PostgreSQL schema for Keyward's tables, created if missing (default: the connection's, usually public)")
    .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Copies the seal record (the root key stays wrapped: nothing is unsealed), keys and every version,
tokens (hashes), the audit log (same sequence numbers and chain hashes), its checkpoints and the
instance id (the audit origin), in one PostgreSQL transaction: if anything fails, the target is
left empty. Then compares every record with the source and verifies the copied audit chain; exit 0
only if every check passes. The source file is not modified (a private copy of it is read).

Examples:
  PGPASSWORD=… keyward storage migrate --from sqlite:/var/lib/keyward/keyward.db \\
      --to postgres:postgres://keyward@db.internal:5432/keyward?sslmode=verify-full --schema keyward`,
    )
    .action(async (_options, command: Command) => migrate(command.opts<MigrateOptions>()));
}

async function migrate(options: MigrateOptions): Promise<void> {
  const out = new Output(options.json === true);
  const sourcePath = sourceFile(options.from);
  const connectionString = targetConnectionString(options.to);
  const shown = { from: `sqlite:${sourcePath}`, to: redactConnectionString(connectionString), schema: options.schema ?? null };
  const where = `${shown.to}${shown.schema ? ` (schema ${shown.schema})` : ''}`;
  checkSqliteFile(sourcePath);
  if (!options.yes && !canPrompt()) throw new CliError('stdin is not a terminal to ask for confirmation on: add --yes', EXIT.usage);

  const snapshot = mkdtempSync(join(tmpdir(), 'keyward-migrate-'));
  const stores: Store[] = [];
  try {
    const source = await openSource(snapshotOf(sourcePath, snapshot), sourcePath);
    stores.push(source);
    const target = await openTarget(connectionString, options.schema, where);
    stores.push(target);

    const seal = await source.getSeal();
    if (!seal) throw new CliError(`${sourcePath} holds no seal record: the node was never initialised, so there is nothing to migrate`);
    const held = await storeContents(target);
    if (held.length > 0) throw new CliError(`the target ${where} is not empty (it holds ${held.join(', ')}): migrate only into a new, empty database or schema. Nothing was written.`);
    const instanceId = await source.instanceId();
    if (!options.yes) await confirm(`Copy ${shown.from} (instance ${instanceId}, ${(await source.auditHead()).seq} audit entries) into ${where}?`);

    // A broken source chain is refused before anything is written, rather than copied faithfully.
    const sourceChain = await verifyChainWithProgress(out, { store: source, origin: instanceId, publicKey: seal.auditPublicKey, what: "the source's audit chain" });
    if (!sourceChain.ok) {
      const bad = sourceChain.firstBad;
      throw new CliError(`the source's audit log does not verify${bad ? ` (first bad entry ${bad.seq}: ${bad.reason})` : ''}: nothing was copied. Investigate with \`keyward audit verify --db ${sourcePath}\`.`);
    }
    const copied = await copyWithProgress(out, source, target);
    const result = await verifyWithProgress(out, { source, target, shown, instanceId: copied.instanceId });
    out.result(result, () => summaryText(result));
    if (!result.ok) {
      const failed = result.checks.find((c) => !c.ok);
      throw new CliError(`the copy does not match the source (${failed ? `${failed.name}: ${failed.detail}` : 'see above'}); drop the target's tables or schema before trying again`);
    }
  } finally {
    for (const store of stores) await store.close();
    rmSync(snapshot, { recursive: true, force: true });
  }
}

function sourceFile(from: string): string {
  const path = from.startsWith('sqlite:') ? from.slice('sqlite:'.length) : '';
  if (path === '') throw new CliError('--from must be sqlite:<path to keyward.db>', EXIT.usage);
  return path;
}

/** `postgres:<url or key=value string>`, or a bare postgres:// / postgresql:// URL. */
function targetConnectionString(to: string): string {
  if (/^postgres(ql)?:\/\//.test(to)) return to;
  const rest = to.startsWith('postgres:') ? to.slice('postgres:'.length) : '';
  // The value is not repeated: it may hold a password.
  if (rest === '') throw new CliError('--to must be postgres:<connection URL>, e.g. postgres:postgres://keyward@db:5432/keyward', EXIT.usage);
  return rest;
}

/** The connection string with any password replaced by ***: `postgres://user:***@host/db`. */
function redactConnectionString(text: string): string {
  if (/^postgres(ql)?:\/\//.test(text) && URL.canParse(text)) {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    for (const name of ['password', 'sslpassword']) if (url.searchParams.has(name)) url.searchParams.set(name, '***');
    return url.toString();
  }
  if (/^postgres(ql)?:\/\//.test(text)) return 'the PostgreSQL URL given (not a valid URL)';
  return text.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
}

const SQLITE_HEADER = 'SQLite format 3\0';

function checkSqliteFile(path: string): void {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  try {
    if (!statSync(path).isFile()) throw new CliError(`${path} is not a file`, EXIT.usage);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) throw new CliError(`${path} is not a SQLite database`, EXIT.usage);
}

/**
 * The file (and its WAL) copied into `dir`, in a private temp dir: opening a store migrates and
 * writes, and the source must stay exactly as it was, to fall back on.
 */
function snapshotOf(path: string, dir: string): string {
  const copy = join(dir, basename(path));
  copyFileSync(path, copy);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  return copy;
}

async function openSource(copy: string, original: string): Promise<Store> {
  const { SqliteStore } = await import('../../storage/sqlite/sqlite-store.ts');
  try {
    return SqliteStore.open({ path: copy });
  } catch (err) {
    throw new CliError(`cannot open ${original}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function openTarget(connectionString: string, schema: string | undefined, where: string): Promise<Store> {
  const { PostgresStore } = await import('../../storage/postgres/postgres-store.ts');
  try {
    return await PostgresStore.open({ connectionString, ...(schema !== undefined ? { schema } : {}) });
  } catch (err) {
    // PostgresStore's messages never hold the connection string (storage/postgres/postgres-errors.ts).
    const usage = err instanceof KeywardError && err.code === 'validation_failed';
    throw new CliError(`cannot open the target ${where}: ${err instanceof Error ? err.message : String(err)}`, usage ? EXIT.usage : EXIT.failure);
  }
}

function canPrompt(): boolean {
  return process.stdin.isTTY && process.stderr.isTTY;
}

async function confirm(question: string): Promise<void> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question}\nStop every Keyward node that uses the source first. Continue? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled; nothing was written');
  } finally {
    prompt.close();
  }
}

async function verifyChainWithProgress(out: Output, chain: { store: Store; origin: string; publicKey: string | null; what: string }): Promise<VerifyReport> {
  const progress = await stderrProgress({ json: out.json, format: `verifying ${chain.what} {bar} {value}/{total} entries` });
  try {
    return await verifyChain({ store: chain.store, origin: chain.origin, publicKey: chain.publicKey, batchSize: 1000, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
}

async function copyWithProgress(out: Output, source: Store, target: Store): Promise<Awaited<ReturnType<typeof copyStore>>> {
  const progress = await stderrProgress({ json: out.json, format: 'copying audit entries {bar} {value}/{total}  {eta_formatted} left' });
  try {
    return await copyStore({ source, target, onProgress: (done, total) => progress.update(done, total) });
  } catch (err) {
    const reason = err instanceof KeywardError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    throw new CliError(`the copy failed and was rolled back; the target is as empty as before (${reason})`);
  } finally {
    progress.stop();
  }
}

async function verifyWithProgress(
  out: Output,
  run: { source: Store; target: Store; shown: { from: string; to: string; schema: string | null }; instanceId: string },
): Promise<MigrationResult> {
  const progress = await stderrProgress({ json: out.json, format: 'comparing the copy {bar} {value}/{total} audit entries' });
  let compared;
  try {
    compared = await verifyCopy({ source: run.source, target: run.target, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
  // The copy's own chain, under the id it adopted and the key in its seal record: what its nodes will check.
  const publicKey = (await run.target.getSeal())?.auditPublicKey ?? null;
  const report = await verifyChainWithProgress(out, { store: run.target, origin: await run.target.instanceId(), publicKey, what: 'the copied audit chain' });
  const chainCheck: CopyCheck = {
    name: 'audit chain',
    ok: report.ok,
    detail: `${report.entries.valid}/${report.entries.checked} entries valid, ${report.checkpoints.valid}/${report.checkpoints.checked} checkpoints valid${report.firstBad ? `; first bad entry ${report.firstBad.seq} (${report.firstBad.reason})` : ''}`,
  };
  const checks = [...compared.checks, chainCheck];
  const head = await run.target.auditHead();
  return { ok: checks.every((c) => c.ok), ...run.shown, instanceId: run.instanceId, counts: compared.target, auditHead: head, checks };
}

function summaryText(r: MigrationResult): string {
  const verdict = r.ok
    ? `Migrated and verified: ${r.from} → ${r.to}${r.schema ? ` (schema ${r.schema})` : ''}.`
    : `Copy NOT verified: ${r.from} → ${r.to}${r.schema ? ` (schema ${r.schema})` : ''}.`;
  const fields = formatFields([
    ['Instance id', r.instanceId],
    ['Keys', `${r.counts.keys} (${r.counts.keyVersions} versions)`],
    ['Tokens', r.counts.tokens],
    ['Documents', r.counts.documents],
    ['Audit entries', r.counts.auditEntries],
    ['Audit head', r.auditHead.seq === 0 ? 'empty log' : `seq ${r.auditHead.seq}, chain hash ${r.auditHead.chainHash}`],
    ['Checkpoints', r.counts.checkpoints],
  ]);
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const checks = r.checks.map((c) => `  ${c.ok ? 'ok    ' : 'FAILED'}  ${c.name.padEnd(width)}  ${c.detail}`);
  const next = r.ok ? ['', 'Point the Keyward nodes at the PostgreSQL database and unseal them with the existing shares.'] : [];
  return [verdict, '', fields.trimEnd(), '', 'Checks:', ...checks, ...next, ''].join('\n');
}
