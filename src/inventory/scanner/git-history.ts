import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { KeywardError } from '../../core/errors.ts';
import { compileRuleSet } from './compile-rules.ts';
import { findingsInText } from './file-scan.ts';
import { inspectBlobs } from './git-blobs.ts';
import { COMMIT_FORMAT, GitLogParser, type FileChange } from './git-log-parser.ts';
import { compileGlobs } from './glob.ts';
import { builtinRuleSet } from './rule-file.ts';
import { DEFAULT_EXCLUDES, DEFAULT_MAX_FILE_SIZE, type ScanOptions } from './scan-options.ts';
import { assembleReport } from './scan-report.ts';
import type { CommitInfo, ScanFinding, ScanReport } from './scan-types.ts';
import { rulesForPath } from './text-matcher.ts';

export interface GitScanOptions extends ScanOptions {
  /** A revision range (`A..B`, `v1.2..main`, `HEAD~50..`); all refs (`--all`) when absent. */
  readonly range?: string;
  /** The git executable; `git` on the PATH by default. */
  readonly git?: string;
}

/** A range is passed to git after `--end-of-options`; it still may not look like an option or hold white space. */
const RANGE = /^[^\s-][^\s]{0,255}$/;

/**
 * Scans a repository's history: every line any commit added (in all refs, or in a range), so a
 * secret removed later is still found, reported at the commit that introduced it (the oldest
 * commit that added it at that path). Binary files git reports are checked for PKCS#12 headers.
 * git runs as a child process and its output is parsed as it streams.
 *
 * @example
 * const report = await scanGitHistory('.', { range: 'origin/main..HEAD' });
 */
export async function scanGitHistory(repoPath: string, options: GitScanOptions = {}): Promise<ScanReport> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const git = options.git ?? 'git';
  const repo = resolve(repoPath);
  if (options.range !== undefined && !RANGE.test(options.range)) {
    throw new KeywardError('validation_failed', 'the range must be a git revision range such as A..B (no spaces, not starting with "-")', { field: 'range' });
  }
  const { top, pathspec } = checkRepository(repo, repoPath, git);
  const revisions = options.range === undefined ? ['--all'] : ['--end-of-options', options.range];
  const total = countCommits(repo, [...revisions, ...pathspec], git, options.range);

  const rules = options.rules ?? builtinRuleSet();
  const set = compileRuleSet(rules.rules, rules.allowlists);
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const excluded = compileGlobs([...(options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...(options.exclude ?? [])]);
  const stats = { files: 0, bytes: 0, skipped: 0, skippedBy: { binary: 0, tooLarge: 0, unreadable: 0 }, commits: 0 };
  // Newest commits come first: a later sighting of the same secret at the same path is older and replaces the earlier.
  const introduced = new Map<string, ScanFinding>();
  const record = (finding: ScanFinding): void => void introduced.set(`${finding.fingerprint}\0${finding.file}`, finding);
  const binaries: { blob: string; path: string; commit: CommitInfo }[] = [];

  const onFile = (change: FileChange): void => {
    if (excluded?.(change.path) === true) return;
    const enabled = rulesForPath(set, change.path);
    if (enabled === null) return;
    if (change.binary) {
      if (change.binaryBlob !== null && set.pkcs12 !== null && enabled[set.pkcs12.index] === 1) binaries.push({ blob: change.binaryBlob, path: change.path, commit: change.commit });
      else {
        stats.skipped++;
        stats.skippedBy.binary++;
      }
      return;
    }
    if (change.bytes > maxFileSize) {
      stats.skipped++;
      stats.skippedBy.tooLarge++;
      return;
    }
    const text = joinLines(change.lines);
    stats.files++;
    stats.bytes += text.length;
    const lineNumbers = change.lineNumbers;
    for (const f of findingsInText(text, { path: change.path, set, enabled, commit: change.commit, lineNumber: (i) => lineNumbers[i] ?? 0 })) record(f);
  };

  options.onProgress?.(0, total);
  let lastProgress = performance.now();
  const parser = new GitLogParser({
    maxBytes: maxFileSize,
    onFile,
    onCommit: () => {
      stats.commits++;
      if (performance.now() - lastProgress > 50) {
        options.onProgress?.(stats.commits, total);
        lastProgress = performance.now();
      }
    },
  });
  const args = [
    '-C',
    repo,
    '-c',
    'core.quotePath=false',
    '--no-pager',
    'log',
    '-p',
    // The first commit's diff too, whatever log.showRoot says.
    '--root',
    '-U0',
    '-M',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--full-index',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    `--format=${COMMIT_FORMAT}`,
    ...revisions,
    ...pathspec,
  ];
  await streamGit(git, args, (chunk) => parser.push(chunk));
  parser.end();

  if (binaries.length > 0 && set.pkcs12 !== null) {
    const rule = set.pkcs12;
    const verdicts = await inspectBlobs(repo, [...new Set(binaries.map((b) => b.blob))], { ruleId: rule.id, maxBytes: maxFileSize, git });
    for (const { blob, path, commit } of binaries) {
      const verdict = verdicts.get(blob);
      if (verdict === undefined || verdict.tooLarge) {
        stats.skipped++;
        if (verdict === undefined) stats.skippedBy.unreadable++;
        else stats.skippedBy.tooLarge++;
      } else if (verdict.pkcs12Fingerprint === null) {
        stats.skipped++;
        stats.skippedBy.binary++;
      } else {
        stats.files++;
        stats.bytes += verdict.size;
        record({ ruleId: rule.id, description: rule.description, severity: rule.severity, check: rule.check, file: path, line: 1, column: 1, endLine: 1, endColumn: 1, fingerprint: verdict.pkcs12Fingerprint, preview: '…', commit });
      }
    }
  }
  options.onProgress?.(stats.commits, Math.max(total, stats.commits));
  const target = `${repo} (${options.range ?? '--all'})`;
  return assembleReport({ kind: 'git-history', target, root: top, startedAt, finishedAt: clock.now(), stats, rules, findings: [...introduced.values()], baseline: options.baseline ?? null });
}

function joinLines(lines: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const newline = Buffer.of(10);
  lines.forEach((line, i) => {
    if (i > 0) parts.push(newline);
    parts.push(line);
  });
  return Buffer.concat(parts);
}

/**
 * Checks that `repo` is a git repository: returns the work tree's top folder and the pathspec
 * that limits the scan to `repo` (a sub-folder scans its part of the history), or for a bare
 * repository (a mirror) the repository itself and no pathspec.
 */
function checkRepository(repo: string, shown: string, git: string): { top: string; pathspec: string[] } {
  try {
    if (!statSync(repo).isDirectory()) throw new KeywardError('validation_failed', `${shown} is not a folder`, { field: 'path' });
  } catch (err) {
    if (err instanceof KeywardError) throw err;
    throw new KeywardError('not_found', `cannot scan ${shown}: ${(err as NodeJS.ErrnoException).code ?? 'not readable'}`, { field: 'path' });
  }
  const bare = runGit(git, ['-C', repo, 'rev-parse', '--is-bare-repository']);
  if (bare.status !== 0) throw new KeywardError('validation_failed', `${shown} is not a git repository (git: ${firstLine(bare.stderr)})`, { field: 'path' });
  if (bare.stdout.trim() === 'true') return { top: repo, pathspec: [] };
  const top = runGit(git, ['-C', repo, 'rev-parse', '--show-toplevel']);
  if (top.status !== 0) throw new KeywardError('validation_failed', `${shown}: git cannot find the work tree (${firstLine(top.stderr)})`, { field: 'path' });
  return { top: top.stdout.trim(), pathspec: ['--', '.'] };
}

function countCommits(repo: string, revisions: readonly string[], git: string, range: string | undefined): number {
  const count = runGit(git, ['-C', repo, 'rev-list', '--count', ...revisions]);
  if (count.status !== 0) {
    if (range !== undefined) throw new KeywardError('validation_failed', `git does not know the range ${range}: ${firstLine(count.stderr)}`, { field: 'range' });
    // A repository without any commit has nothing to scan.
    return 0;
  }
  return Number(count.stdout.trim()) || 0;
}

function runGit(git: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(git, args, { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  if (r.error !== undefined) throw new KeywardError('internal', `cannot run ${git}: ${r.error.message} (is git installed and on the PATH?)`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function streamGit(git: string, args: readonly string[], onChunk: (chunk: Buffer) => void): Promise<void> {
  const child = spawn(git, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(0, 4096)));
  const exited = new Promise<number | null>((resolvePromise, reject) => {
    child.on('error', (err) => reject(new KeywardError('internal', `cannot run ${git}: ${err.message} (is git installed and on the PATH?)`)));
    child.on('close', (code) => resolvePromise(code));
  });
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) onChunk(chunk);
  } catch (err) {
    child.kill();
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw new KeywardError('internal', `git log failed (exit ${code}): ${firstLine(stderr)}`);
}

/** git's messages name refs and paths, never file contents; only the first line is passed on. */
function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'no message').trim().slice(0, 300);
}
