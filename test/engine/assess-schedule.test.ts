import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { continuousAuditJob } from '../../src/engine/assess-service.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the continuous audit job', () => {
  it('runs only when due, never two ticks at once, and reports failures', async () => {
    let due = false;
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const errors: unknown[] = [];
    const job = continuousAuditJob({
      intervalMs: 20,
      clock: { now: () => new Date() },
      due: async () => due,
      run: async () => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(70);
        concurrent--;
        if (runs === 2) throw new Error('store unreachable');
      },
      onError: (err) => errors.push(err),
    });
    job.start();
    try {
      await sleep(100);
      assert.equal(runs, 0, 'nothing due: no run');
      due = true;
      await sleep(300);
      assert.ok(runs >= 2, `runs: ${runs}`);
      assert.equal(maxConcurrent, 1, 'ticks never overlap');
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /store unreachable/);
    } finally {
      job.stop();
    }
    const after = runs;
    await sleep(100);
    assert.ok(runs - after <= 1, 'stopped: at most the run in flight finishes');
  });
});
