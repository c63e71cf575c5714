import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { compileRuleSet } from './compile-rules.ts';
import { scanFileBytes } from './file-scan.ts';
import type { FileOutcome, WorkerBatch, WorkerSetup } from './worker-pool.ts';

/**
 * A scan worker: compiles the rule set once, then reads and scans the batches of files it is
 * sent. Only redacted findings go back to the main thread; secrets never leave this thread.
 */
const setup = workerData as WorkerSetup;
const set = compileRuleSet(setup.rules.rules, setup.rules.allowlists);

parentPort?.on('message', (batch: WorkerBatch) => {
  const outcomes = batch.files.map((file): FileOutcome => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file.absolute);
    } catch {
      return { verdict: 'unreadable', bytes: 0, findings: [] };
    }
    const result = scanFileBytes(bytes, file.path, set);
    return { verdict: result.verdict, bytes: bytes.length, findings: result.findings };
  });
  parentPort?.postMessage({ id: batch.id, outcomes });
});
