import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { KeywardError } from '../../core/errors.ts';
import type { BackupCheck, BackupVerification } from '../../lifecycle/backup/verify-backup.ts';
import type { BackupSecrets } from '../../lifecycle/backup/unlock-backup.ts';
import type { BackupHeader } from '../../lifecycle/backup/backup-format.ts';
import type { RestoreResult } from '../../lifecycle/backup/restore-backup.ts';
import type { Store } from '../../storage/store.ts';
import type { BackupInfo, BackupList, DrillList, DrillRecord } from '../../server/schemas/backups.ts';
import type { SealStatus } from '../../server/schemas/sys.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { Output } from '../output.ts';
import { stderrProgress } from '../progress.ts';
import { promptSecret } from '../prompt-secret.ts';
import { readStdin } from '../read-input.ts';
import { formatFields, formatTable } from '../table.ts';

type Info = Static<typeof BackupInfo>;
type Drill = Static<typeof DrillRecord>;

/** Piped shares: a few lines of base64; more than this is not a list of shares. */
const MAX_SHARES_INPUT_BYTES = 64 * 1024;

/** `keyward backup create|verify|restore|list`: encrypted, signed snapshots of a whole instance. */
export function backupCommand(): Command {
  return new Command('backup')
    .description('take, verify, restore and list backups (encrypted, signed snapshots of the whole instance)')
    .addCommand(createCommand())
    .addCommand(verifyCommand())
    .addCommand(restoreCommand())
    .addCommand(listCommand())
    .addHelpText(
      'after',
      `
Examples:
  keyward backup create --output keyward-2026-01-31.kwbackup   # stream a backup to this machine
  keyward backup create --on-server                            # keep it in the server's backup directory
  keyward backup verify keyward-2026-01-31.kwbackup            # offline: structure, hashes, signature
  keyward backup verify keyward-2026-01-31.kwbackup --full     # also decrypt everything (asks for unseal shares)
  keyward backup restore keyward-2026-01-31.kwbackup --data-dir /var/lib/keyward-restored
  keyward backup list

See docs/backup-and-recovery.md.`,
    );
}

/** `keyward dr drill|list`: disaster-recovery drills, run by the server. */
export function drCommand(): Command {
  return new Command('dr')
    .description('disaster-recovery drills: restore a backup into a scratch instance and prove it works')
    .addCommand(drillCommand())
    .addCommand(drillListCommand());
}

function createCommand(): Command {
  return withClientOptions(
    new Command('create')
      .description('take a backup: stream it to a file here (--output), or keep it on the server (--on-server)')
      .option('--output <file>', 'write the backup to this file (mode 0600); refuses an existing file unless --force')
      .option('--on-server', "keep the backup in the server's backup directory instead")
      .option('--force', 'replace an existing --output file')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ output?: string; onServer?: boolean; force?: boolean }>(command);
        if ((options.output === undefined) === (options.onServer !== true)) throw new CliError('give either --output FILE or --on-server', EXIT.usage);
        if (options.onServer) {
          const info = await client.post<Info>('/v1/backups');
          return out.result(info, () => `Backup taken and kept on the server.\n\n${infoText(info)}`);
        }
        const target = resolve(options.output as string);
        if (existsSync(target) && !options.force) throw new CliError(`${target} exists; choose another file or add --force`, EXIT.usage);
        const response = await client.stream('/v1/backups/snapshot');
        const id = header(response.headers['x-keyward-backup-id']);
        const expected = header(response.headers['x-keyward-backup-sha256']);
        const total = Number(response.headers['content-length'] ?? 0);
        const partial = `${target}.partial`;
        const hash = createHash('sha256');
        let bytes = 0;
        const progress = await stderrProgress({ json: out.json, format: 'downloading the backup {bar} {value}/{total} bytes', total });
        const count = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            progress.update(bytes);
            done(null, chunk);
          },
        });
        try {
          await pipeline(response, count, createWriteStream(partial, { mode: 0o600, flags: 'w' }));
        } catch (err) {
          rmSync(partial, { force: true });
          throw new CliError(`the download stopped after ${bytes} bytes: ${err instanceof Error ? err.message : String(err)}; no file was written`);
        } finally {
          progress.stop();
        }
        const sha256 = hash.digest('hex');
        if (sha256 !== expected || (total > 0 && bytes !== total)) {
          rmSync(partial, { force: true });
          throw new CliError(`the backup arrived damaged (${bytes} bytes, SHA-256 ${sha256}; the server sent ${total} bytes, SHA-256 ${expected}); no file was written`);
        }
        renameSync(partial, target);
        const result = { id, file: target, sizeBytes: bytes, sha256 };
        out.result(result, () =>
          [`Backup ${id} written to ${target}.`, '', formatFields([['Size', `${bytes} bytes`], ['SHA-256', sha256]]).trimEnd(), '', `Check it offline with: keyward backup verify ${options.output as string}`, ''].join('\n'),
        );
      }),
  );
}

function verifyCommand(): Command {
  return new Command('verify')
    .description('check a backup file offline (no server): structure, hashes and signature; with --full or --share also decrypt every frame and check the MAC and audit chain')
    .argument('<file>', 'the backup file')
    .option('--full', 'decrypt and check everything; asks for the unseal shares (prompted, or piped one a line)')
    .addOption(new Option('--share <share...>', 'an unseal share (implies --full); repeat for more — arguments show in ps and shell history, prefer the prompt or a pipe'))
    .option('--public-key <file>', 'PEM public key the backup must be signed with (the audit checkpoint key of the instance)')
    .option('--checkpoint-file <file>', "take the key to pin from this audit checkpoint file (the instance's audit-checkpoints.jsonl)")
    .option('--json', 'print the report as JSON')
    .action(async (file: string, _options, command: Command) => {
      const options = command.opts<{ full?: boolean; share?: string[]; publicKey?: string; checkpointFile?: string; json?: boolean }>();
      const out = new Output(options.json === true);
      const { readBackupHeader } = await import('../../lifecycle/backup/read-backup.ts');
      const { verifyBackupFile } = await import('../../lifecycle/backup/verify-backup.ts');
      // A file that is not a backup is reported by the checks below, not refused here.
      const header = await offline(async () => {
        try {
          return await readBackupHeader(file);
        } catch (err) {
          if (err instanceof KeywardError && err.code === 'backup_invalid') return null;
          throw err;
        }
      });
      const pinned = header ? await pinnedKey(options, header) : null;
      const full = options.full === true || (options.share?.length ?? 0) > 0;
      const secrets = full && header ? await unlock(header, options.share) : null;
      const progress = await stderrProgress({ json: out.json, format: `verifying the backup {bar} {percentage}%` });
      let report: BackupVerification;
      try {
        report = await offline(() => verifyBackupFile({ path: file, secrets, pinnedPublicKey: pinned, onProgress: (read, total) => progress.update(read, total) }));
      } finally {
        progress.stop();
        wipe(secrets);
      }
      out.result(report, () => verificationText(file, report));
      if (!report.ok) {
        const failed = report.checks.find((c) => !c.ok);
        throw new CliError(`the backup does not verify${failed ? ` (${failed.name}: ${failed.detail})` : ''}`);
      }
      if (!full && !out.json) out.note('Offline check only: add --full (with the unseal shares) to decrypt every record and check the MAC and the audit chain.');
    });
}

function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a backup into an empty data directory (or PostgreSQL database) offline, with the unseal shares; the restored node starts sealed')
    .argument('<file>', 'the backup file')
    .requiredOption('--data-dir <dir>', 'the new data directory (created if missing; its database must not exist or be empty)')
    .addOption(new Option('--storage <backend>', 'where the restored node keeps its data').choices(['sqlite', 'postgres']).default('sqlite'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL (with --storage postgres); prefer the env var, arguments show in ps').env('KEYWARD_DATABASE_URL'))
    .option('--schema <schema>', 'PostgreSQL schema for the tables (default: the connection\'s)')
    .addOption(new Option('--share <share...>', 'an unseal share; repeat for more — prefer the prompt or a pipe (one share a line)'))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The whole file is verified with the shares before anything is written (a damaged or altered backup
is refused), then every record is written in one transaction, then the restored audit chain is
walked. If anything fails the target is left empty. Start the restored node with
\`keyward server --data-dir DIR\` and unseal it with the same shares.`,
    )
    .action(async (file: string, _options, command: Command) => {
      const options = command.opts<{ dataDir: string; storage: 'sqlite' | 'postgres'; databaseUrl?: string; schema?: string; share?: string[]; json?: boolean }>();
      const out = new Output(options.json === true);
      if (options.storage === 'postgres' && !options.databaseUrl) throw new CliError('--storage postgres needs --database-url (or KEYWARD_DATABASE_URL)', EXIT.usage);
      if (options.storage === 'sqlite' && (options.schema !== undefined || command.getOptionValueSource('databaseUrl') === 'cli')) {
        throw new CliError('--database-url and --schema go with --storage postgres', EXIT.usage);
      }
      const { readBackupHeader } = await import('../../lifecycle/backup/read-backup.ts');
      const header = await offline(() => readBackupHeader(file));
      out.note(`Backup ${header.backupId} of instance ${header.instanceId}, taken ${header.createdAt} (${header.auditHead.seq} audit entries).`);
      const dir = resolve(options.dataDir);
      const target = await openTarget(options, dir);
      let secrets: BackupSecrets | null = null;
      let result;
      try {
        // Before anyone types a share: a target that is not empty is refused anyway.
        const { storeContents } = await import('../../storage/copy-store.ts');
        const held = await storeContents(target.store);
        if (held.length > 0) throw new CliError(`conflict: the target is not empty (it holds ${held.join(', ')}): restore only into a new, empty data directory, database or schema; nothing was written`);
        secrets = await unlock(header, options.share);
        result = await restoreWithProgress(out, file, target.store, secrets);
      } catch (err) {
        await target.abandon();
        throw err;
      } finally {
        wipe(secrets);
      }
      await target.store.close();
      const summary = {
        ok: result.chain.ok,
        backupId: result.header.backupId,
        instanceId: result.header.instanceId,
        dataDir: dir,
        storage: options.storage,
        counts: result.counts,
        auditHead: result.header.auditHead,
        auditChain: { ok: result.chain.ok, entries: result.chain.entries, checkpoints: result.chain.checkpoints },
        checks: result.verification.checks,
      };
      out.result(summary, () =>
        [
          result.chain.ok ? `Restored backup ${summary.backupId} into ${options.storage === 'sqlite' ? join(dir, 'keyward.db') : 'the PostgreSQL database'}.` : 'Restored, but the audit chain does NOT verify:',
          '',
          formatFields([
            ['Instance id', summary.instanceId],
            ['Keys', `${result.counts.keys} (${result.counts.keyVersions} versions)`],
            ['Tokens', result.counts.tokens],
            ['Documents', result.counts.documents],
            ['Audit entries', `${result.counts.auditEntries} (chain ${result.chain.ok ? 'verified' : 'BROKEN'}: ${result.chain.entries.valid}/${result.chain.entries.checked} valid)`],
            ['Checkpoints', `${result.chain.checkpoints.valid}/${result.chain.checkpoints.checked} valid`],
          ]).trimEnd(),
          '',
          `Next: keyward server --data-dir ${dir}${options.storage === 'postgres' ? ` --storage postgres --database-url …${options.schema !== undefined ? ` (postgres.schema: ${options.schema} in the config file)` : ''}` : ''}, then unseal it with the same shares (keyward operator unseal).`,
          '',
        ].join('\n'),
      );
      if (!result.chain.ok) throw new CliError(`the restored audit chain does not verify (first bad entry ${result.chain.firstBad?.seq ?? '?'}: ${result.chain.firstBad?.reason ?? '?'})`);
    });
}

function listCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('backups taken (newest first) and the latest DR drill')
      .option('--limit <n>', 'backups to show (default 50)', integerIn(1, 200))
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ limit?: number }>(command);
        const list = await client.get<Static<typeof BackupList>>('/v1/backups', { limit: options.limit });
        out.result(list, () => {
          const table = list.backups.length === 0 ? 'No backups yet.\n' : formatTable(BACKUP_COLUMNS, list.backups);
          const drill = list.lastDrill;
          const last = drill ? `\nLast DR drill: ${drill.passed ? 'PASSED' : 'FAILED'} at ${drill.startedAt} on backup ${drill.backupId ?? '?'} (${drill.totalMs} ms, ${drill.id}).\n` : '\nNo DR drill yet: run `keyward dr drill`.\n';
          return table + last;
        });
      }),
  );
}

function drillCommand(): Command {
  return withClientOptions(
    new Command('drill')
      .description('have the server restore a backup into a scratch instance, unseal it, verify its audit chain and decrypt the samples recorded at backup time; exit 1 if any step fails')
      .option('--backup <id>', "a backup kept on the server, or latest (default); with none kept, the server takes a fresh snapshot for the drill", 'latest')
      .option('--with-shares', "unseal the restored instance with the unseal shares (prompted, or piped one a line) instead of the server's root key: the full recovery procedure")
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ backup: string; withShares?: boolean }>(command);
        if (options.backup !== 'latest' && !/^bk_[0-9a-f]{24}$/.test(options.backup)) throw new CliError('--backup takes a backup id (bk_…) or latest', EXIT.usage);
        let shares: string[] | undefined;
        if (options.withShares) {
          const status = await client.get<Static<typeof SealStatus>>('/v1/sys/seal-status');
          shares = await collectShares(undefined, status.threshold ?? 1);
        }
        const report = await client.post<Drill>('/v1/dr/drills', { backup: options.backup, ...(shares ? { shares } : {}) });
        out.result(report, () => drillText(report));
        if (!report.passed) {
          const failed = report.steps.find((s) => s.status === 'failed');
          throw new CliError(`the DR drill FAILED${failed ? ` at ${failed.name}: ${failed.detail}` : ''}`);
        }
      }),
  );
}

function drillListCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('past DR drills, newest first')
      .option('--limit <n>', 'drills to show (default 20)', integerIn(1, 200))
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ limit?: number }>(command);
        const list = await client.get<Static<typeof DrillList>>('/v1/dr/drills', { limit: options.limit });
        out.result(list, () => (list.drills.length === 0 ? 'No DR drills yet.\n' : formatTable(DRILL_COLUMNS, list.drills)));
      }),
  );
}

const BACKUP_COLUMNS = [
  { header: 'id', cell: (b: Info) => b.id },
  { header: 'created', cell: (b: Info) => b.createdAt },
  { header: 'trigger', cell: (b: Info) => b.trigger },
  { header: 'kept', cell: (b: Info) => (b.location === 'client' ? 'client' : b.file === null ? 'pruned' : 'server') },
  { header: 'size', cell: (b: Info) => `${b.sizeBytes} B` },
  { header: 'keys', cell: (b: Info) => b.counts.keys },
  { header: 'audit head', cell: (b: Info) => b.auditHead.seq },
  { header: 'samples', cell: (b: Info) => b.counts.samples },
];

const DRILL_COLUMNS = [
  { header: 'id', cell: (d: Drill) => d.id },
  { header: 'started', cell: (d: Drill) => d.startedAt },
  { header: 'result', cell: (d: Drill) => (d.passed ? 'passed' : 'FAILED') },
  { header: 'backup', cell: (d: Drill) => d.backupId },
  { header: 'source', cell: (d: Drill) => d.source },
  { header: 'ms', cell: (d: Drill) => d.totalMs },
  { header: 'samples', cell: (d: Drill) => `${d.samples.filter((s) => s.ok).length}/${d.samples.length}` },
];

function infoText(info: Info): string {
  return formatFields([
    ['Backup id', info.id],
    ['Created', `${info.createdAt} by ${info.createdBy}`],
    ['File', info.file],
    ['Size', `${info.sizeBytes} bytes`],
    ['SHA-256', info.sha256],
    ['Keys', `${info.counts.keys} (${info.counts.keyVersions} versions)`],
    ['Audit entries', `1..${info.auditHead.seq}`],
    ['Drill samples', info.counts.samples],
  ]);
}

function verificationText(file: string, r: BackupVerification): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const line = (c: BackupCheck): string => `  ${c.ok ? 'ok    ' : 'FAILED'}  ${c.name.padEnd(width)}  ${c.detail}`;
  const head = r.ok ? `${file}: backup verified (${r.level}).` : `${file}: backup does NOT verify (${r.level} check).`;
  const facts = r.header
    ? formatFields([
        ['Backup id', r.header.backupId],
        ['Instance id', r.header.instanceId],
        ['Taken', `${r.header.createdAt} by ${r.header.createdBy}`],
        ['Audit head', r.header.auditHead.seq],
        ['Size', r.sizeBytes === null ? null : `${r.sizeBytes} bytes`],
        ['SHA-256', r.sha256],
      ]).trimEnd()
    : '';
  return [head, '', ...(facts ? [facts, ''] : []), 'Checks:', ...r.checks.map(line), ''].join('\n');
}

function drillText(d: Drill): string {
  const width = Math.max(...d.steps.map((s) => s.name.length));
  const status = { passed: 'ok     ', failed: 'FAILED ', skipped: 'skipped' } as const;
  const steps = d.steps.map((s) => `  ${status[s.status]}  ${s.name.padEnd(width)}  ${String(Math.round(s.ms)).padStart(6)} ms  ${s.detail}`);
  const samples = d.samples.map((s) => `  ${s.ok ? 'ok    ' : 'FAILED'}  ${s.keyName} v${s.version}: ${s.detail}`);
  return [
    `DR drill ${d.passed ? 'PASSED' : 'FAILED'}: backup ${d.backupId ?? '?'}${d.backupCreatedAt ? ` of ${d.backupCreatedAt}` : ''} (${d.source === 'fresh' ? `a fresh snapshot, taken in ${d.snapshotMs ?? '?'} ms` : 'kept on the server'}).`,
    `Unsealed with: ${d.unsealedWith === 'shares' ? 'the unseal shares' : "the server's root key"}. Total: ${Math.round(d.totalMs)} ms. Recorded as ${d.id}.`,
    '',
    'Steps:',
    ...steps,
    ...(samples.length > 0 ? ['', 'Samples:', ...samples] : []),
    '',
  ].join('\n');
}

/** The pinned public key: `--public-key FILE`, or the one the checkpoints of this instance in `--checkpoint-file` are signed with. */
async function pinnedKey(options: { publicKey?: string; checkpointFile?: string }, header: BackupHeader): Promise<string | null> {
  if (options.publicKey !== undefined && options.checkpointFile !== undefined) throw new CliError('give --public-key or --checkpoint-file, not both', EXIT.usage);
  if (options.publicKey !== undefined) {
    try {
      return readFileSync(options.publicKey, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${options.publicKey}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
    }
  }
  if (options.checkpointFile === undefined) return null;
  if (!existsSync(options.checkpointFile)) throw new CliError(`no checkpoint file at ${options.checkpointFile}`, EXIT.usage);
  const { CheckpointFile, checkpointSignatureValid } = await import('../../audit/checkpoints.ts');
  const own = new CheckpointFile(options.checkpointFile).read().checkpoints.filter((c) => c.origin === header.instanceId && checkpointSignatureValid(c));
  const keys = new Set(own.map((c) => c.publicKey));
  if (keys.size === 0) throw new CliError(`${options.checkpointFile} holds no validly signed checkpoint of instance ${header.instanceId}`, EXIT.usage);
  if (keys.size > 1) throw new CliError(`${options.checkpointFile} holds checkpoints of instance ${header.instanceId} signed by ${keys.size} different keys; pin one with --public-key`);
  return [...keys][0] as string;
}

/** The root key (and signing key) rebuilt from the shares against the backup's own seal record. */
async function unlock(header: BackupHeader, given: readonly string[] | undefined): Promise<BackupSecrets> {
  const { secretsFromShares } = await import('../../lifecycle/backup/unlock-backup.ts');
  const shares = await collectShares(given, header.seal.threshold);
  return offline(() => secretsFromShares(header.seal, shares));
}

/** Shares from the command line, else prompted for without echo (threshold of them), else piped one a line. */
async function collectShares(given: readonly string[] | undefined, threshold: number): Promise<string[]> {
  if (given && given.length > 0) return given.map((s) => s.trim());
  if (process.stdin.isTTY) {
    const shares: string[] = [];
    for (let i = 1; i <= threshold; i++) {
      const typed = (await promptSecret(`Unseal share ${i} of ${threshold} (input hidden): `)).trim();
      if (!typed) throw new CliError('no share given', EXIT.usage);
      shares.push(typed);
    }
    return shares;
  }
  const piped = await readStdin({ what: 'list of shares', maxBytes: MAX_SHARES_INPUT_BYTES });
  const shares = piped
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  piped.fill(0);
  if (shares.length === 0) throw new CliError(`no unseal shares: pipe ${threshold} share${threshold === 1 ? '' : 's'}, one a line, give --share, or run on a terminal to be asked`, EXIT.usage);
  return shares;
}

interface RestoreTarget {
  readonly store: Store;
  /** After a failed restore: closes the store and removes what opening it created. */
  abandon(): Promise<void>;
}

async function openTarget(options: { storage: 'sqlite' | 'postgres'; databaseUrl?: string; schema?: string }, dir: string): Promise<RestoreTarget> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (options.storage === 'postgres') {
    const { PostgresStore } = await import('../../storage/postgres/postgres-store.ts');
    try {
      const store = await PostgresStore.open({ connectionString: options.databaseUrl as string, ...(options.schema !== undefined ? { schema: options.schema } : {}) });
      return { store, abandon: () => store.close() };
    } catch (err) {
      throw new CliError(`cannot open the PostgreSQL target: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const { SqliteStore } = await import('../../storage/sqlite/sqlite-store.ts');
  const path = join(dir, 'keyward.db');
  const fresh = !existsSync(path);
  const store = SqliteStore.open({ path });
  return {
    store,
    abandon: async () => {
      await store.close();
      // A database this command created (empty: the transaction rolled back) is removed again.
      if (fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    },
  };
}

async function restoreWithProgress(out: Output, file: string, target: Store, secrets: BackupSecrets): Promise<RestoreResult> {
  const { restoreBackup } = await import('../../lifecycle/backup/restore-backup.ts');
  const progress = await stderrProgress({ json: out.json, format: 'checking, then restoring the backup {bar} {percentage}%' });
  try {
    return await offline(() => restoreBackup({ path: file, target, secrets, onProgress: (_phase, read, total) => progress.update(read, total) }));
  } finally {
    progress.stop();
  }
}

/** Runs offline work, turning a KeywardError into a one-line CliError (usage errors exit 2). */
async function offline<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof KeywardError)) throw err;
    const usage = err.code === 'validation_failed' && err.details['field'] === undefined;
    throw new CliError(`${err.code}: ${err.message}`, usage ? EXIT.usage : EXIT.failure);
  }
}

function header(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || value === '') throw new CliError('the server did not say which backup it sent (no x-keyward-backup-id / sha256 header)');
  return value;
}

function wipe(secrets: BackupSecrets | null): void {
  secrets?.rootKey.fill(0);
  secrets?.auditSigningKey.fill(0);
}
