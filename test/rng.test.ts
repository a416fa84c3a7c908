import { describe, it, expect } from 'vitest';
import { Rng } from '../lib/rng.js';

describe('xoshiro128** RNG (docs/algorithm.md section 1)', () => {
  it('matches the published xoshiro128** outputs for state {1, 2, 3, 4}', () => {
    // First outputs of the reference C implementation (Blackman & Vigna) from state {1,2,3,4}.
    const rng = Rng.fromState({ s: [1, 2, 3, 4], hasSpare: false, spare: 0 });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('is deterministic per (seed, stream) and differs across streams and seeds', () => {
    const draw = (seed: number, stream: number): number[] => {
      const r = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(7, 3)).toEqual(draw(7, 3));
    expect(draw(7, 3)).not.toEqual(draw(7, 4));
    expect(draw(7, 3)).not.toEqual(draw(8, 3));
    expect(draw(2 ** 40 + 1, 0)).not.toEqual(draw(1, 0));
  });

  it('gives uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1, 0);
    const n = 200_000;
    let m = 0;
    let m2 = 0;
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      inRange &&= u >= 0 && u < 1;
      m += u;
      m2 += u * u;
    }
    m /= n;
    const v = m2 / n - m * m;
    expect(inRange).toBe(true);
    // 5 standard errors: sd(u)/√n ≈ 6.5e-4, sd(u²)/√n ≈ 6.7e-4.
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(1e-3); // 5 × sd of the variance estimate (≈ 1.7e-4)
  });

  it('gives standard normals: mean 0, variance 1, kurtosis 3 within sampling error', () => {
    const r = new Rng(123, 5);
    const n = 200_000;
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s1 += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('rejects seeds outside [0, 2^53) and non-integer streams', () => {
    expect(() => new Rng(-1, 0)).toThrow(/seed/);
    expect(() => new Rng(2 ** 53, 0)).toThrow(/seed/);
    expect(() => new Rng(0, 1.5)).toThrow(/stream/);
  });
});
