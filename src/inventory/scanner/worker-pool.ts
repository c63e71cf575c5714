import { Worker } from 'node:worker_threads';
import { KeywardError } from '../../core/errors.ts';
import type { FileVerdict } from './file-scan.ts';
import type { RuleSet } from './rule-file.ts';
import type { ScanFinding } from './scan-types.ts';
import type { WalkedFile } from './walk.ts';

export interface WorkerSetup {
  readonly rules: RuleSet;
}

export interface WorkerBatch {
  readonly id: number;
  readonly files: readonly WalkedFile[];
}

export interface FileOutcome {
  readonly verdict: FileVerdict | 'unreadable';
  readonly bytes: number;
  readonly findings: ScanFinding[];
}

/** A batch is at most this many bytes or files: big enough to amortise a message, small enough to balance. */
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_FILES = 256;
/** Batches queued per worker, so a worker never waits for the main thread between two. */
const IN_FLIGHT = 2;

/**
 * Scans `files` on `count` worker threads, calling `onOutcome` for each file as batches finish
 * (in no particular order). Resolves when all are done; the workers are stopped either way.
 */
export async function scanInWorkers(files: readonly WalkedFile[], options: { rules: RuleSet; count: number; onOutcome: (file: WalkedFile, outcome: FileOutcome) => void }): Promise<void> {
  const batches = toBatches(files);
  const workers = Array.from({ length: Math.max(1, Math.min(options.count, batches.length)) }, () => startWorker({ rules: options.rules }));
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = batches.length;
      if (pending === 0) resolve();
      const send = (worker: Worker): void => {
        const batch = batches[next];
        if (batch === undefined) return;
        next++;
        worker.postMessage(batch);
      };
      for (const worker of workers) {
        worker.on('message', (message: { id: number; outcomes: FileOutcome[] }) => {
          const batch = batches[message.id] as WorkerBatch;
          message.outcomes.forEach((outcome, i) => options.onOutcome(batch.files[i] as WalkedFile, outcome));
          pending--;
          if (pending === 0) resolve();
          else send(worker);
        });
        worker.on('error', (err) => reject(new KeywardError('internal', 'a scan worker failed', {}, { cause: err })));
        worker.on('exit', (code) => {
          if (pending > 0) reject(new KeywardError('internal', `a scan worker stopped (exit code ${code})`));
        });
        for (let i = 0; i < IN_FLIGHT; i++) send(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function toBatches(files: readonly WalkedFile[]): WorkerBatch[] {
  const batches: WorkerBatch[] = [];
  let current: WalkedFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (bytes + file.size > BATCH_BYTES || current.length >= BATCH_FILES)) {
      batches.push({ id: batches.length, files: current });
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push({ id: batches.length, files: current });
  return batches;
}

function startWorker(setup: WorkerSetup): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./scan-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(url, { workerData: setup });
  // Run from the TypeScript sources (tsx: tests, benchmarks): Node 20 does not carry tsx's loader
  // into worker threads, so the worker registers it before importing itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, { eval: true, workerData: setup });
}
