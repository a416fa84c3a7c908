import { describe, expect, it } from 'vitest';
import { seedStats } from '../../lib/simulate/stats.js';

describe('seedStats', () => {
  it('mean, unbiased std and stderr', () => {
    const s = seedStats([Float64Array.of(1, 2), Float64Array.of(3, 2), Float64Array.of(5, 2)]);
    expect(Array.from(s.mean)).toEqual([3, 2]);
    expect(s.std[0]).toBeCloseTo(2, 14);
    expect(s.stderr[0]).toBeCloseTo(2 / Math.sqrt(3), 14);
  });
  it('identical values (every seed at step 0) give std = stderr = 0 exactly and the value as mean', () => {
    for (const x of [1.629430501408887, 0.1, 1 / 3, 7.3e-5, 123456.789]) {
      for (const S of [2, 3, 7, 8, 32]) {
        const s = seedStats(Array.from({ length: S }, () => Float64Array.of(x)));
        expect(s.mean[0]).toBe(x);
        expect(s.std[0]).toBe(0);
        expect(s.stderr[0]).toBe(0);
      }
    }
  });
  it('a single seed has no spread: std and stderr are NaN (written empty / null)', () => {
    const s = seedStats([Float64Array.of(0.5, 0.25)]);
    expect(Array.from(s.mean)).toEqual([0.5, 0.25]);
    expect(Number.isNaN(s.std[0])).toBe(true);
    expect(Number.isNaN(s.stderr[1])).toBe(true);
  });
  it('is accurate for nearly equal values far from zero', () => {
    const s = seedStats([Float64Array.of(1e8 + 1), Float64Array.of(1e8 + 2), Float64Array.of(1e8 + 3)]);
    expect(s.mean[0]).toBe(1e8 + 2);
    expect(s.std[0]).toBe(1);
  });
});
