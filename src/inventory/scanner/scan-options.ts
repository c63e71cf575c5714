import type { Clock } from '../../core/clock.ts';
import type { Baseline } from './baseline.ts';
import type { RuleSet } from './rule-file.ts';

/**
 * Files larger than this are skipped (and counted) unless the caller sets another cap: secrets
 * live in source and configuration, and multi-megabyte files are data, logs or bundles.
 */
export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;

/** Folders never worth scanning unless asked for: git's object store and installed dependencies. */
export const DEFAULT_EXCLUDES: readonly string[] = ['.git', 'node_modules'];

export interface ScanOptions {
  /** The rules to run; the built-in set when absent. */
  readonly rules?: RuleSet;
  readonly maxFileSize?: number;
  /** Globs left out in addition to the default excludes. */
  readonly exclude?: readonly string[];
  /** `false` scans .git/ and node_modules/ too. */
  readonly defaultExcludes?: boolean;
  readonly baseline?: Baseline | null;
  readonly clock?: Clock;
  /**
   * Worker threads for a directory scan; 0 scans on the calling thread. By default large scans
   * (32 MiB and more) use one worker per available core.
   */
  readonly workers?: number;
  /** Progress: bytes (directory) or commits (history) done out of the total. */
  readonly onProgress?: (done: number, total: number) => void;
}
