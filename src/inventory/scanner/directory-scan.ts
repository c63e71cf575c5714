import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { systemClock } from '../../core/clock.ts';
import { KeywardError } from '../../core/errors.ts';
import { compileRuleSet, type CompiledRuleSet } from './compile-rules.ts';
import { scanFileBytes } from './file-scan.ts';
import { compileGlobs } from './glob.ts';
import { builtinRuleSet } from './rule-file.ts';
import { DEFAULT_EXCLUDES, DEFAULT_MAX_FILE_SIZE, type ScanOptions } from './scan-options.ts';
import { assembleReport } from './scan-report.ts';
import type { ScanFinding, ScanReport } from './scan-types.ts';
import { walkFiles, type WalkedFile } from './walk.ts';
import { scanInWorkers, type FileOutcome } from './worker-pool.ts';

/** How long the scan keeps the event loop before yielding (progress bars, signals). */
const SLICE_MS = 50;
/**
 * Below this much text a scan stays on the calling thread: starting workers (each compiles the
 * rules, and loads the TypeScript loader when run from sources) costs more than it saves.
 */
const WORKER_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * Scans a folder (or one file) for secrets: every regular file under it, except excluded paths,
 * binary files (PKCS#12 bundles are recognised first) and files over the size cap, which are
 * counted as skipped.
 *
 * @example
 * const report = await scanDirectory('.', { exclude: ['dist'] });
 * for (const f of report.findings) console.log(`${f.file}:${f.line} ${f.ruleId} ${f.preview}`);
 */
export async function scanDirectory(target: string, options: ScanOptions = {}): Promise<ScanReport> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const rules = options.rules ?? builtinRuleSet();
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const { root, files, unreadable } = listTarget(target, options);

  const scannable = files.filter((f) => f.size <= maxFileSize);
  const total = scannable.reduce((sum, f) => sum + f.size, 0);
  const stats = { files: 0, bytes: 0, skipped: files.length - scannable.length + unreadable, skippedBy: { binary: 0, tooLarge: files.length - scannable.length, unreadable }, commits: 0 };
  const findings: ScanFinding[] = [];
  let done = 0;
  const record = (file: WalkedFile, outcome: FileOutcome): void => {
    done += file.size;
    if (outcome.verdict === 'unreadable') {
      stats.skipped++;
      stats.skippedBy.unreadable++;
    } else if (outcome.verdict === 'binary') {
      stats.skipped++;
      stats.skippedBy.binary++;
    } else if (outcome.verdict === 'scanned') {
      stats.files++;
      stats.bytes += outcome.bytes;
      findings.push(...outcome.findings);
    }
  };
  options.onProgress?.(0, total);
  const workers = options.workers ?? (total >= WORKER_THRESHOLD_BYTES ? availableParallelism() : 0);
  if (workers > 0) {
    let last = performance.now();
    await scanInWorkers(scannable, {
      rules,
      count: workers,
      onOutcome: (file, outcome) => {
        record(file, outcome);
        if (performance.now() - last > SLICE_MS) {
          options.onProgress?.(done, total);
          last = performance.now();
        }
      },
    });
  } else {
    const set = compileRuleSet(rules.rules, rules.allowlists);
    let sliceStart = performance.now();
    for (const file of scannable) {
      record(file, scanOne(file, set));
      if (performance.now() - sliceStart > SLICE_MS) {
        options.onProgress?.(done, total);
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
  }
  options.onProgress?.(total, total);
  return assembleReport({ kind: 'directory', target: root, root, startedAt, finishedAt: clock.now(), stats, rules, findings, baseline: options.baseline ?? null });
}

function scanOne(file: WalkedFile, set: CompiledRuleSet): FileOutcome {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.absolute);
  } catch {
    return { verdict: 'unreadable', bytes: 0, findings: [] };
  }
  const result = scanFileBytes(bytes, file.path, set);
  return { verdict: result.verdict, bytes: bytes.length, findings: result.findings };
}

interface Target {
  readonly root: string;
  readonly files: WalkedFile[];
  readonly unreadable: number;
}

function listTarget(target: string, options: ScanOptions): Target {
  const absolute = resolve(target);
  let stat;
  try {
    stat = statSync(absolute);
  } catch (err) {
    throw new KeywardError('not_found', `cannot scan ${target}: ${(err as NodeJS.ErrnoException).code ?? 'not readable'}`, { field: 'path' });
  }
  if (stat.isFile()) return { root: dirname(absolute), files: [{ path: basename(absolute), absolute, size: stat.size }], unreadable: 0 };
  if (!stat.isDirectory()) throw new KeywardError('validation_failed', `${target} is neither a file nor a folder`, { field: 'path' });
  const excludes = [...(options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...(options.exclude ?? [])];
  return { root: absolute, ...walkFiles(absolute, compileGlobs(excludes)) };
}
