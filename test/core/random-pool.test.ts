import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandomBytes } from '../../src/core/random-pool.ts';

describe('pooledRandomBytes', () => {
  it('never returns the same value twice across several pool refills, and returns copies', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const v = pooledRandomBytes(12);
      assert.equal(v.length, 12);
      const hex = v.toString('hex');
      assert.ok(!seen.has(hex), 'a 96-bit value repeated');
      seen.add(hex);
    }
    const a = pooledRandomBytes(16);
    const copy = Buffer.from(a);
    for (let i = 0; i < 1000; i++) pooledRandomBytes(12); // refills the pool
    assert.deepEqual(a, copy, 'a returned buffer does not change when the pool is refilled');
  });

  it('looks uniformly random: every byte value appears, and no byte is stuck at zero', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i++) for (const b of pooledRandomBytes(12)) counts[b] = (counts[b] ?? 0) + 1;
    // 48,000 bytes: each value is expected ~187 times; below 100 would be a broken source.
    assert.ok(counts.every((c) => c > 100), `min count ${Math.min(...counts)}`);
  });

  it('serves large requests straight from the CSPRNG', () => {
    const big = pooledRandomBytes(1024);
    assert.equal(big.length, 1024);
    assert.ok(big.some((b) => b !== 0));
  });
});
