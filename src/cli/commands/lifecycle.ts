import { createReadStream, createWriteStream, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { MAX_CIPHERTEXT_CHARS, MAX_CONTEXT_BYTES } from '../../keys/limits.ts';
import { MAX_REWRAP_BATCH } from '../../lifecycle/rotation/rewrap.ts';
import { DELETION_STATUSES } from '../../lifecycle/deletion/key-deletion.ts';
import type { DeletionList, DeletionView, FinishRewrapResult, RewrapBatchResult, RewrapJob, RotationImpact } from '../../server/schemas/lifecycle.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import type { KeywardClient } from '../http-client.ts';
import { integerIn } from '../integer-arg.ts';
import { stderrProgress, type Progress } from '../progress.ts';
import { formatFields, formatTable, type Column } from '../table.ts';

type Deletion = Static<typeof DeletionView>;
type Impact = Static<typeof RotationImpact>;

/**
 * JSON bytes per rewrap request: well under the server's 4 MiB rewrap limit, so one request stays
 * a short transaction even with large ciphertexts. A line longer than a ciphertext and its context
 * can be is refused locally.
 */
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = MAX_CIPHERTEXT_CHARS + 8 * MAX_CONTEXT_BYTES + 1024;
/** Failures listed on stderr (all are in --json output). */
const LISTED_FAILURES = 20;

function keyPath(ref: string): string {
  return `/v1/keys/${encodeURIComponent(ref)}`;
}

// --- keyward rewrap ---------------------------------------------------------------------------

interface RewrapOptions {
  readonly key: string;
  readonly input: string;
  readonly output: string;
  readonly raiseMinVersion?: boolean;
  readonly batchSize: number;
}

/** One input line: passed through (blank), failed locally (unreadable), or sent to the server. */
type Slot =
  | { readonly kind: 'pass'; readonly line: number; readonly text: string }
  | { readonly kind: 'item'; readonly line: number; readonly text: string; readonly ciphertext: string; readonly context?: Record<string, string>; readonly json: Record<string, unknown> | null };

interface Failure {
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export function rewrapCommand(): Command {
  return withClientOptions(
    new Command('rewrap')
      .description("re-encrypt ciphertexts under the key's current version, in batches; optionally raise its minimum decryption version")
      .requiredOption('--key <key>', 'the key the ciphertexts are under (name or id)')
      .requiredOption('--input <file>', 'one ciphertext a line (kw:v1:… or JSON {"ciphertext","context"}); "-" for stdin')
      .requiredOption('--output <file>', 'where the new ciphertexts go, line for line; "-" for stdout')
      .option('--raise-min-version', 'when every line was rewrapped, refuse decryption of older versions from now on')
      .option('--batch-size <n>', `ciphertexts per request (at most ${MAX_REWRAP_BATCH})`, integerIn(1, MAX_REWRAP_BATCH), 500)
      .addHelpText(
        'after',
        `
Lines keep their order and their form: a JSON line comes back as the same object with its
"ciphertext" replaced; blank lines stay blank. A line that cannot be rewrapped (altered, another
key's, wrong context) is written unchanged, listed on stderr, and makes the command exit 1 — the
minimum version is then not raised. The server records one audit entry per batch.

Examples:
  keyward rewrap --key billing --input tokens.txt --output tokens.new
  keyward rewrap --key billing --input records.jsonl --output records.new.jsonl --raise-min-version
  cat cts.txt | keyward rewrap --key billing --input - --output - > cts.new`,
      )
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<RewrapOptions>(command);
        if (options.input !== '-' && options.input === options.output) throw new CliError('--output must differ from --input', EXIT.usage);
        if (options.input === '-' && process.stdin.isTTY) throw new CliError('--input - reads stdin, which is a terminal: pipe the ciphertexts in', EXIT.usage);
        if (options.input !== '-') requireFile(options.input);
        const total = options.input === '-' || out.json || !process.stderr.isTTY ? undefined : await countLines(options.input);
        const progress = await stderrProgress({ json: out.json, format: 'rewrap {bar} {value}/{total} lines | {eta}s left', ...(total !== undefined ? { total } : {}) });
        const sink = openOutput(options.output);
        let run: RewrapRun;
        try {
          run = await rewrapStream(client, options, sink.stream, progress);
          await sink.commit();
        } catch (err) {
          sink.abort();
          throw err;
        } finally {
          progress.stop();
        }
        const minVersion = await finish(client, options, run);
        run.failures.sort((a, b) => a.line - b.line);
        const summary = { key: options.key, jobId: run.jobId, version: run.version, lines: run.lines, items: run.items, rewrapped: run.rewrapped, unchanged: run.unchanged, failed: run.failures.length, failures: run.failures, minDecryptionVersion: minVersion };
        out.result(summary, () => rewrapText(summary));
        if (!out.json) for (const f of run.failures.slice(0, LISTED_FAILURES)) out.note(`line ${f.line}: ${f.code}: ${f.message}`);
        if (!out.json && run.failures.length > LISTED_FAILURES) out.note(`… and ${run.failures.length - LISTED_FAILURES} more (--json lists them all)`);
        if (run.failures.length > 0) process.exitCode = EXIT.failure;
      }),
  );
}

interface RewrapRun {
  jobId: string | null;
  version: number | null;
  lines: number;
  items: number;
  rewrapped: number;
  unchanged: number;
  failures: Failure[];
}

async function rewrapStream(client: KeywardClient, options: RewrapOptions, output: NodeJS.WritableStream, progress: Progress): Promise<RewrapRun> {
  const run: RewrapRun = { jobId: null, version: null, lines: 0, items: 0, rewrapped: 0, unchanged: 0, failures: [] };
  const input = options.input === '-' ? process.stdin : createReadStream(options.input);
  input.on('error', () => undefined); // reported by the line reader below
  const lines = createInterface({ input, crlfDelay: Infinity });
  let slots: Slot[] = [];
  let items = 0;
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (slots.length === 0) return;
    const batch = slots;
    slots = [];
    items = 0;
    bytes = 0;
    await sendBatch(client, options, run, batch, output);
    progress.update(run.lines);
  };
  try {
    for await (const text of lines) {
      run.lines++;
      const slot = parseLine(run.lines, text, run.failures);
      slots.push(slot);
      if (slot.kind === 'item') {
        items++;
        bytes += slot.ciphertext.length + JSON.stringify(slot.context ?? null).length + 32;
      }
      if (items >= options.batchSize || bytes >= MAX_BATCH_BYTES) await flush();
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${options.input === '-' ? 'stdin' : options.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  await flush();
  return run;
}

function parseLine(line: number, text: string, failures: Failure[]): Slot {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'pass', line, text };
  const fail = (message: string): Slot => {
    failures.push({ line, code: 'validation_failed', message });
    return { kind: 'pass', line, text };
  };
  if (trimmed.length > MAX_LINE_CHARS) return fail(`the line is longer than ${MAX_LINE_CHARS} characters`);
  if (!trimmed.startsWith('{')) return { kind: 'item', line, text, ciphertext: trimmed, json: null };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return fail('the line starts with "{" but is not JSON');
  }
  const record = value as Record<string, unknown>;
  if (typeof record['ciphertext'] !== 'string') return fail('a JSON line needs a "ciphertext" string');
  const context = record['context'];
  if (context !== undefined && context !== null && (typeof context !== 'object' || Array.isArray(context) || Object.values(context).some((v) => typeof v !== 'string'))) {
    return fail('"context" must be an object of strings');
  }
  return { kind: 'item', line, text, ciphertext: record['ciphertext'], json: record, ...(context ? { context: context as Record<string, string> } : {}) };
}

async function sendBatch(client: KeywardClient, options: RewrapOptions, run: RewrapRun, batch: readonly Slot[], output: NodeJS.WritableStream): Promise<void> {
  const sent = batch.filter((s): s is Extract<Slot, { kind: 'item' }> => s.kind === 'item');
  const results = new Map<number, Static<typeof RewrapBatchResult>['results'][number]>();
  if (sent.length > 0) {
    run.jobId ??= (await client.post<Static<typeof RewrapJob>>(`${keyPath(options.key)}/rewrap-jobs`)).id;
    const answer = await client.post<Static<typeof RewrapBatchResult>>(`${keyPath(options.key)}/rewrap`, {
      jobId: run.jobId,
      items: sent.map((s) => ({ ciphertext: s.ciphertext, ...(s.context ? { context: s.context } : {}) })),
    });
    run.version = run.version === null ? answer.version : Math.min(run.version, answer.version);
    run.items += answer.items;
    run.rewrapped += answer.rewrapped;
    run.unchanged += answer.unchanged;
    for (const r of answer.results) {
      const slot = sent[r.index];
      if (slot) results.set(slot.line, r);
    }
  }
  let text = '';
  for (const slot of batch) {
    const r = slot.kind === 'item' ? results.get(slot.line) : undefined;
    if (slot.kind === 'item' && r?.error) run.failures.push({ line: slot.line, code: r.error.code, message: r.error.message });
    text += `${newLine(slot, r?.ciphertext)}\n`;
  }
  if (!output.write(text)) await once(output, 'drain');
}

/** The output line: the new ciphertext in the input line's form, or the line unchanged. */
function newLine(slot: Slot, ciphertext: string | undefined): string {
  if (slot.kind === 'pass' || ciphertext === undefined) return slot.text;
  return slot.json ? JSON.stringify({ ...slot.json, ciphertext }) : ciphertext;
}

async function finish(client: KeywardClient, options: RewrapOptions, run: RewrapRun): Promise<{ raised: boolean; from: number | null; to: number | null; note: string }> {
  if (run.jobId === null) return { raised: false, from: null, to: null, note: 'nothing was rewrapped' };
  const raise = options.raiseMinVersion === true && run.failures.length === 0;
  const path = `${keyPath(options.key)}/rewrap-jobs/${encodeURIComponent(run.jobId)}/finish`;
  const result = await client.post<Static<typeof FinishRewrapResult>>(path, { raiseMinVersion: raise });
  const m = result.minDecryptionVersion;
  if (options.raiseMinVersion === true && !raise) return { raised: false, from: m.from, to: m.to, note: `not raised: ${run.failures.length} line(s) failed` };
  return { raised: m.raised, from: m.from, to: m.to, note: m.note };
}

function rewrapText(s: { key: string; version: number | null; lines: number; rewrapped: number; unchanged: number; failed: number; jobId: string | null; minDecryptionVersion: { raised: boolean; from: number | null; to: number | null; note: string } }): string {
  const min = s.minDecryptionVersion;
  return formatFields([
    ['Key', s.key],
    ['Version', s.version],
    ['Lines read', s.lines],
    ['Rewrapped', s.rewrapped],
    ['Already current', s.unchanged],
    ['Failed', s.failed],
    ['Job', s.jobId],
    ['Min decryption version', min.raised ? `raised from ${min.from} to ${min.to}` : `unchanged (${min.note})`],
  ]);
}

/** Writes to FILE.partial (mode 0600) and renames it into place once complete; stdout for "-". */
function openOutput(path: string): { stream: NodeJS.WritableStream; commit(): Promise<void>; abort(): void } {
  if (path === '-') return { stream: process.stdout, commit: async () => undefined, abort: () => undefined };
  const partial = `${path}.partial`;
  const stream: WriteStream = createWriteStream(partial, { mode: 0o600, flags: 'w' });
  let failure: Error | null = null;
  stream.on('error', (err) => (failure = err));
  return {
    stream,
    commit: async () => {
      stream.end();
      await once(stream, 'close');
      if (failure) throw new CliError(`cannot write ${partial}: ${(failure as NodeJS.ErrnoException).code ?? failure.message}`);
      renameSync(partial, path);
    },
    abort: () => {
      stream.destroy();
      rmSync(partial, { force: true });
    },
  };
}

function requireFile(path: string): void {
  try {
    if (!statSync(path).isFile()) throw new CliError(`${path} is not a file`, EXIT.usage);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
}

async function countLines(path: string): Promise<number | undefined> {
  let count = 0;
  let last = 10;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (const byte of chunk) if (byte === 10) count++;
      last = chunk[chunk.length - 1] ?? last;
    }
  } catch {
    return undefined; // the rewrap itself reports the read error
  }
  return last === 10 ? count : count + 1;
}

// --- keyward rotation impact ------------------------------------------------------------------

type Principal = Impact['principals'][number];

const PRINCIPAL_COLUMNS: readonly Column<Principal>[] = [
  { header: 'principal', cell: (p) => p.actor },
  { header: 'stale', cell: (p) => p.stale },
  { header: 'last use', cell: (p) => p.lastAt },
  { header: 'encrypts old', cell: (p) => useText(p.protect) },
  { header: 'decrypts old', cell: (p) => useText(p.process) },
  { header: 'refused', cell: (p) => p.refused?.count ?? null },
  { header: 'days after rotation', cell: (p) => Math.max(p.protect?.maxDaysAfterRotation ?? 0, p.process?.maxDaysAfterRotation ?? 0) },
];

function useText(use: Principal['protect']): string | null {
  return use ? `${use.count}× v${use.versions.join(',v')}` : null;
}

export function rotationCommand(): Command {
  return new Command('rotation').description('rotation: who still uses superseded key versions').addCommand(
    withClientOptions(
      new Command('impact')
        .description('who still encrypts with, or decrypts data of, superseded versions of a key, and when they last did (from the audit log)')
        .argument('<key>', 'key name or id')
        .option('--stale-after-days <days>', 'flag principals still on an old version this many days after its rotation', integerIn(0, 3650), 7)
        .option('--since <time>', 'read audit entries from this time (ISO 8601; default: the first rotation)')
        .addHelpText(
          'after',
          `
Examples:
  keyward rotation impact billing
  keyward rotation impact billing --stale-after-days 30 --json`,
        )
        .action(async (ref: string, _options, command: Command) => {
          const { client, out, options } = session<{ staleAfterDays: number; since?: string }>(command);
          const impact = await client.get<Impact>(`${keyPath(ref)}/rotation-impact`, { staleAfterDays: options.staleAfterDays, since: options.since });
          out.result(impact, () => impactText(impact));
        }),
    ),
  );
}

function impactText(impact: Impact): string {
  const rotations = impact.versions
    .filter((v) => v.supersededAt !== null)
    .map((v) => `v${v.version} superseded ${v.supersededAt} (${v.usesAfterRotation} use(s) after)`)
    .join('; ');
  const head = formatFields([
    ['Key', `${impact.keyName} (${impact.keyId})`],
    ['Current version', impact.currentVersion],
    ['Rotations', rotations || 'none'],
    ['Entries read', impact.entriesScanned],
    ['Principals on old versions', `${impact.summary.principals} (${impact.summary.stale} stale after ${impact.staleAfterDays} days)`],
  ]);
  return impact.principals.length === 0 ? `${head}\nEvery principal uses the current version.\n` : `${head}\n${formatTable(PRINCIPAL_COLUMNS, impact.principals)}`;
}

// --- keyward key schedule-deletion | cancel-deletion | deletions ------------------------------

const DELETION_COLUMNS: readonly Column<Deletion>[] = [
  { header: 'key', cell: (d) => d.keyName },
  { header: 'status', cell: (d) => d.status },
  { header: 'delete after', cell: (d) => d.deleteAfter },
  { header: 'retained until', cell: (d) => d.retainedUntil },
  { header: 'requested by', cell: (d) => d.requestedBy },
  { header: 'ended', cell: (d) => d.destroyedAt ?? d.cancelledAt },
  { header: 'id', cell: (d) => d.id },
];

function deletionText(d: Deletion): string {
  return formatFields([
    ['Key', `${d.keyName} (${d.keyId})`],
    ['Status', d.status],
    ['Scheduled', `${d.scheduledAt} by ${d.requestedBy}`],
    ['Waiting period', `${d.waitingPeriodDays} days`],
    ['Delete after', d.deleteAfter],
    ['Retained until', d.retainedUntil],
    ['State to restore', d.previousState],
    ['Authorised by', d.authorisedBy.join(', ')],
    ['Approval', d.approvalId],
    ['Reason', d.reason],
    ['Cancelled', d.cancelledAt ? `${d.cancelledAt} by ${d.cancelledBy ?? '?'}${d.cancelReason ? ` (${d.cancelReason})` : ''}` : null],
    ['Destroyed', d.destroyedAt ? `${d.destroyedAt} by ${d.destroyedBy ?? '?'}` : null],
    ['Last refusal', d.lastRefusal ? `${d.lastRefusal.at}: ${d.lastRefusal.code}: ${d.lastRefusal.message}` : null],
    ['ID', d.id],
  ]);
}

export function scheduleDeletionCommand(): Command {
  return withClientOptions(
    new Command('schedule-deletion')
      .description('schedule a key for destruction after a waiting period (7–30 days, default 30); it is unusable meanwhile')
      .argument('<key>', 'key name or id')
      .option('--days <n>', 'waiting period in days', integerIn(1, 365))
      .option('--reason <text>', 'why; kept on the deletion record and in the audit log')
      .action(async (ref: string, _options, command: Command) => {
        const { client, out, options } = session<{ days?: number; reason?: string }>(command);
        const d = await client.post<Deletion>(`${keyPath(ref)}/schedule-deletion`, {
          ...(options.days !== undefined ? { waitingPeriodDays: options.days } : {}),
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
        });
        out.result(d, () => deletionText(d));
        if (!out.json) out.note(`Key "${d.keyName}" is suspended and will be destroyed after ${d.retainedUntil ?? d.deleteAfter}; \`keyward key cancel-deletion ${d.keyName}\` stops it.`);
      }),
  );
}

export function cancelDeletionCommand(): Command {
  return withClientOptions(
    new Command('cancel-deletion')
      .description("cancel a key's scheduled deletion and restore the state it had")
      .argument('<key>', 'key name or id')
      .option('--reason <text>', 'why; kept on the deletion record and in the audit log')
      .action(async (ref: string, _options, command: Command) => {
        const { client, out, options } = session<{ reason?: string }>(command);
        const d = await client.post<Deletion>(`${keyPath(ref)}/cancel-deletion`, options.reason !== undefined ? { reason: options.reason } : {});
        out.result(d, () => `Deletion of "${d.keyName}" cancelled; the key is ${d.previousState} again.\n`);
      }),
  );
}

export function deletionsCommand(): Command {
  return withClientOptions(
    new Command('deletions')
      .description("list deletion records: a key's history, or scheduled deletions across keys")
      .argument('[key]', 'key name or id (default: every key)')
      .addOption(new Option('--status <status>', 'only records in this status (across keys: default scheduled)').choices(DELETION_STATUSES))
      .action(async (ref: string | undefined, _options, command: Command) => {
        const { client, out, options } = session<{ status?: string }>(command);
        const path = ref === undefined ? '/v1/key-deletions' : `${keyPath(ref)}/deletions`;
        const { deletions } = await client.get<Static<typeof DeletionList>>(path, { status: options.status });
        out.result({ deletions }, () => (deletions.length === 0 ? 'No deletion records.\n' : formatTable(DELETION_COLUMNS, deletions)));
      }),
  );
}
