import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import type { VerifyReport } from '../../audit/verify-chain.ts';
import { CheckpointFile } from '../../audit/checkpoints.ts';
import { MAX_AUDIT_PAGE } from '../../engine/audit-service.ts';
import { AUDIT_OUTCOMES } from '../../storage/records.ts';
import type { AuditPage, CheckpointResult } from '../../server/schemas/audit.ts';
import { ENTRY_COLUMNS, entryLine, verifyReportText, type Entry } from '../audit-format.ts';
import { follow, lastEntries } from '../audit-tail.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import type { Output } from '../output.ts';
import { stderrProgress } from '../progress.ts';
import { auditRunCommand, auditRunsCommand } from './audit-run.ts';
import { formatFields, formatTable } from '../table.ts';

/** The server takes at most this many trusted checkpoints in one verify request (VerifyAuditBody). */
const MAX_TRUSTED_CHECKPOINTS = 100;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `keyward audit …`: search, follow, verify and export the hash-chained audit log. */
export function auditCommand(): Command {
  return new Command('audit')
    .description('search, follow, verify and export the audit log; run the audit checks')
    .addCommand(queryCommand())
    .addCommand(tailCommand())
    .addCommand(verifyCommand())
    .addCommand(exportCommand())
    .addCommand(checkpointCommand())
    .addCommand(auditRunCommand())
    .addCommand(auditRunsCommand())
    .addHelpText(
      'after',
      `
Examples:
  keyward audit query --key billing --outcome denied --since 2026-01-01T00:00:00Z
  keyward audit tail -n 50 --follow
  keyward audit verify                                   # the server walks the chain
  keyward audit verify --db /var/lib/keyward/keyward.db  # offline, no server needed
  keyward audit export --out audit.jsonl
  keyward audit checkpoint                               # sign the current head now
  keyward audit run --fail-on high                       # run the audit checks (docs/audit-checks.md)`,
    );
}

function queryCommand(): Command {
  return withClientOptions(
    new Command('query')
      .description('search audit entries (oldest first)')
      .option('--key <key>', 'entries about this key (name or id)')
      .option('--actor <actor>', 'e.g. root:3f2a… or token:…')
      .option('--action <action>', 'e.g. key.create, crypto.decrypt')
      .addOption(new Option('--outcome <outcome>').choices(AUDIT_OUTCOMES))
      .option('--since <time>', 'ISO 8601 time, inclusive', isoTime)
      .option('--until <time>', 'ISO 8601 time, exclusive', isoTime)
      .option('--limit <n>', `entries to show (at most ${MAX_AUDIT_PAGE}, default 100)`, integerIn(1, MAX_AUDIT_PAGE))
      .option('--after <seq>', 'entries after this sequence number (the `next` of the previous page)', integerIn(0))
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ key?: string; actor?: string; action?: string; outcome?: string; since?: string; until?: string; limit?: number; after?: number }>(command);
        const { key, actor, action, outcome, since, until, limit, after } = options;
        const page = await client.get<Static<typeof AuditPage>>('/v1/audit', { key, actor, action, outcome, since, until, limit, after });
        out.result(page, () => (page.entries.length === 0 ? 'No entries.\n' : formatTable(ENTRY_COLUMNS, page.entries)));
        if (!out.json && page.next !== null) out.note(`More entries: add --after ${page.next}.`);
      }),
  );
}

function tailCommand(): Command {
  return withClientOptions(
    new Command('tail')
      .description('show the newest entries; --follow keeps printing new ones (one a line; JSON Lines with --json)')
      .option('-n, --lines <n>', 'how many of the newest entries', integerIn(0, 10_000), 20)
      .option('-f, --follow', 'keep polling for new entries until interrupted')
      .option('--interval <seconds>', 'seconds between polls with --follow', integerIn(1, 3600), 1)
      .action(async (_options, command: Command) => {
        // This command's own reads are audited too; its correlation id lets it leave them out.
        const generated = `keyward-tail-${randomBytes(6).toString('hex')}`;
        const { client, out, options } = session<{ lines: number; follow?: boolean; interval: number }>(command, generated);
        const own = options.correlationId ?? generated;
        const isOwn = (e: Entry): boolean => e.action === 'audit.query' && e.correlationId === own;
        const show = (e: Entry): void => void process.stdout.write(out.json ? `${JSON.stringify(e)}\n` : entryLine(e));
        const { entries, lastSeq } = await lastEntries(client, options.lines, isOwn);
        entries.forEach(show);
        if (!options.follow) return;
        const stop = new AbortController();
        const abort = (): void => stop.abort();
        process.once('SIGINT', abort).once('SIGTERM', abort);
        try {
          await follow(client, { after: lastSeq, intervalMs: options.interval * 1000, isOwn, onEntry: show, signal: stop.signal });
        } finally {
          process.off('SIGINT', abort).off('SIGTERM', abort);
        }
      }),
  );
}

function verifyCommand(): Command {
  return withClientOptions(
    new Command('verify')
      .description('walk the hash chain and check the signed checkpoints; exit 1 if anything is wrong')
      .option('--db <file>', 'verify this SQLite database file offline, without a server (a stopped node\'s keyward.db, or a copy)')
      .option('--checkpoint-file <file>', 'checkpoints kept elsewhere (JSON Lines) that the log must still match; with --db the default is audit-checkpoints.jsonl next to the file')
      .addHelpText(
        'after',
        `
Offline (--db) the file is copied to a temporary directory and the copy is checked, so the
evidence is never modified. A progress bar shows on stderr when it is a terminal.`,
      )
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ db?: string; checkpointFile?: string }>(command);
        if (options.db !== undefined) return verifyOffline(out, options.db, options.checkpointFile);
        const trusted = options.checkpointFile !== undefined ? readCheckpoints(out, options.checkpointFile) : [];
        const report = await client.post<VerifyReport>('/v1/audit/verify', trusted.length > 0 ? { trusted } : {});
        showVerifyReport(out, report, `verified by the server at ${client.addr}`);
      }),
  );
}

async function verifyOffline(out: Output, dbPath: string, checkpointFile: string | undefined): Promise<void> {
  const progress = await stderrProgress({ json: out.json, format: 'verifying the audit chain {bar} {value}/{total} entries  {eta_formatted} left' });
  let result;
  try {
    const { verifyDatabaseFile } = await import('../offline-audit-verify.ts');
    result = await verifyDatabaseFile({ dbPath, ...(checkpointFile !== undefined ? { checkpointFile } : {}), onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
  if (result.badCheckpointLines.length > 0) out.note(`warning: ${result.checkpointFile ?? 'the checkpoint file'} has unreadable lines: ${result.badCheckpointLines.join(', ')}`);
  const source = `offline, ${dbPath}${result.checkpointFile ? ` with ${result.checkpointFile}` : ', no checkpoint file'}`;
  showVerifyReport(out, result.report, source);
}

function showVerifyReport(out: Output, report: VerifyReport, source: string): void {
  out.result(report, () => verifyReportText(report, source));
  if (!report.ok) {
    const bad = report.firstBad;
    throw new CliError(`audit log verification failed${bad ? `: first bad entry ${bad.seq} (${bad.reason})` : ''}`, EXIT.failure);
  }
}

function readCheckpoints(out: Output, path: string): ReturnType<CheckpointFile['read']>['checkpoints'] {
  const { checkpoints, badLines } = new CheckpointFile(path).read();
  if (checkpoints.length === 0 && badLines.length === 0) throw new CliError(`no checkpoints in ${path}`, EXIT.usage);
  if (badLines.length > 0) out.note(`warning: ${path} has unreadable lines: ${badLines.join(', ')}`);
  if (checkpoints.length > MAX_TRUSTED_CHECKPOINTS) out.note(`note: sending the newest ${MAX_TRUSTED_CHECKPOINTS} of ${checkpoints.length} checkpoints (the server's limit)`);
  return checkpoints.slice(-MAX_TRUSTED_CHECKPOINTS);
}

function exportCommand(): Command {
  return withClientOptions(
    new Command('export')
      .description('stream the whole log as JSON Lines (one entry a line, in sequence order) to stdout or a file')
      .option('--from <seq>', 'first sequence number (default 1)', integerIn(1))
      .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ from?: number; out?: string }>(command);
        const response = await client.stream('/v1/audit/export', { from: options.from });
        let lines = 0;
        const progress = await stderrProgress({ json: out.json, format: 'exporting the audit log: {value} entries' });
        const count = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            for (const byte of chunk) if (byte === 0x0a) lines++;
            progress.update(lines);
            done(null, chunk);
          },
        });
        const destination: Writable = options.out !== undefined ? createWriteStream(options.out, { mode: 0o600 }) : process.stdout;
        try {
          await pipeline(response, count, destination, { end: options.out !== undefined });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EPIPE') return; // the reader (head, say) had enough
          throw new CliError(`export failed after ${lines} entries: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          progress.stop();
        }
        if (options.out !== undefined) out.result({ entries: lines, out: options.out }, () => `Exported ${lines} entries to ${options.out}.\n`);
      }),
  );
}

function checkpointCommand(): Command {
  return withClientOptions(
    new Command('checkpoint').description('sign and store a checkpoint of the current head now (the server also makes them on its own)').action(async (_options, command: Command) => {
      const { client, out } = session(command);
      const result = await client.post<Static<typeof CheckpointResult>>('/v1/audit/checkpoint');
      const c = result.checkpoint;
      out.result(result, () => (c ? formatFields([['Size', c.size], ['Chain hash', c.chainHash], ['Time', c.time], ['Origin', c.origin]]) : 'No checkpoint: the log is empty.\n'));
    }),
  );
}

function isoTime(text: string): string {
  if (!ISO_TIME.test(text)) throw new InvalidArgumentError('expected an ISO 8601 time like 2026-01-31T12:00:00Z');
  return text;
}
