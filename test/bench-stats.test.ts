/**
 * The benchmark's statistics: the figures BENCHMARKS.md states and the overhead verdict rest on them,
 * so they are checked here rather than trusted to a bench run that nobody can re-derive by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, medianInterval, percentile } from '../bench/scenarios/stats.ts';

/** 1, 2, ..., n in a scrambled order, so that the functions have to sort. */
const ranks = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1);

/** A seeded generator (mulberry32), so the coverage check below sees the same samples on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('bench statistics', () => {
  it('percentile takes the nearest rank, and is NaN for no values', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 100);
    assert.equal(percentile(sorted, 0), 10);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('median sorts its input and leaves the caller’s array alone', () => {
    const values = [5, 1, 4, 2, 3];
    assert.equal(median(values), 3);
    assert.deepEqual(values, [5, 1, 4, 2, 3]);
  });

  it('medianInterval gives the textbook order statistics for the median’s 95% interval', () => {
    // Binomial(n, ½) ranks, as tabulated for the sign test: n = 10 → 2nd and 9th, 50 → 18th and 33rd, 100 → 40th and 61st.
    assert.deepEqual(medianInterval(ranks(6)), [1, 6]);
    assert.deepEqual(medianInterval(ranks(10)), [2, 9]);
    assert.deepEqual(medianInterval(ranks(50)), [18, 33]);
    assert.deepEqual(medianInterval(ranks(100)), [40, 61]);
  });

  it('medianInterval gives no interval for fewer than 6 values', () => {
    assert.equal(medianInterval([]), undefined);
    assert.equal(medianInterval(ranks(5)), undefined);
  });

  it('medianInterval covers the true median at least 95% of the time, for a skewed distribution', () => {
    // Exponential with rate 1: its median is ln 2, far from its mean of 1.
    const random = seededRandom(4);
    const trials = 10_000;
    let covered = 0;
    for (let trial = 0; trial < trials; trial++) {
      const sample = Array.from({ length: 30 }, () => -Math.log(1 - random()));
      const [low, high] = medianInterval(sample)!;
      if (low <= Math.LN2 && Math.LN2 <= high) covered++;
    }
    // For n = 30 the interval is the 10th to the 21st value, which covers the median 95.7% of the time;
    // one rank narrower would cover 90.1%, one wider 98.4%. 10,000 trials pin the share to within 0.5 points.
    assert.ok(covered / trials >= 0.95, `covered ${covered} of ${trials}: the interval is too narrow`);
    assert.ok(covered / trials <= 0.975, `covered ${covered} of ${trials}: the interval is wider than it needs to be`);
  });
});
