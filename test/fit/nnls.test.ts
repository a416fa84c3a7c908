import { describe, expect, it } from 'vitest';
import { leastSquares, nnls, nnlsBySupports } from '../../lib/fit/nnls.js';
import { Rng } from '../../lib/rng.js';

/** Brute force: minimise over a fine grid refined around the best point (n ≤ 3, small coefficients). */
function bruteForce(cols: Float64Array[], b: Float64Array): number {
  const sse = (c: number[]): number => {
    let s = 0;
    for (let i = 0; i < b.length; i++) {
      let r = b[i]!;
      for (let j = 0; j < cols.length; j++) r -= cols[j]![i]! * c[j]!;
      s += r * r;
    }
    return s;
  };
  let best = new Array<number>(cols.length).fill(0);
  let bestF = sse(best);
  let lo = new Array<number>(cols.length).fill(0);
  let hi = new Array<number>(cols.length).fill(4);
  for (let round = 0; round < 12; round++) {
    const g = 10;
    const idx = new Array<number>(cols.length).fill(0);
    for (;;) {
      const c = idx.map((k, j) => lo[j]! + ((hi[j]! - lo[j]!) * k) / g);
      const f = sse(c);
      if (f < bestF) { bestF = f; best = c; }
      let j = 0;
      while (j < cols.length && ++idx[j]! > g) idx[j++] = 0;
      if (j === cols.length) break;
    }
    const w = hi.map((h, j) => (h - lo[j]!) / g);
    lo = best.map((v, j) => Math.max(0, v - 2 * w[j]!));
    hi = best.map((v, j) => v + 2 * w[j]!);
  }
  return bestF;
}

describe('NNLS (Lawson–Hanson and support enumeration)', () => {
  it('agrees with a brute-force search on random small problems, with active bounds', () => {
    const rng = new Rng(11, 0);
    let activeSeen = 0;
    for (let trial = 0; trial < 40; trial++) {
      const m = 8;
      const n = 1 + (trial % 3);
      const cols = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => rng.normal()));
      const b = Float64Array.from({ length: m }, () => rng.normal() + 0.5);
      const lh = nnls(cols, b);
      const sup = nnlsBySupports(cols, b);
      const bf = bruteForce(cols, b);
      for (const c of [...lh.coef, ...sup.coef]) expect(c).toBeGreaterThanOrEqual(0);
      expect(lh.sse).toBeLessThanOrEqual(bf + 1e-9);
      expect(Math.abs(lh.sse - bf)).toBeLessThan(1e-6 * (1 + bf));
      expect(Math.abs(sup.sse - lh.sse)).toBeLessThan(1e-10 * (1 + lh.sse));
      for (let j = 0; j < n; j++) expect(sup.coef[j]!).toBeCloseTo(lh.coef[j]!, 8);
      if (lh.coef.some((c) => c === 0)) activeSeen++;
    }
    expect(activeSeen).toBeGreaterThan(5); // the bound was active in a good share of the problems
  });

  it('is the unconstrained solution when that is non-negative, and satisfies the KKT conditions', () => {
    const t = Float64Array.from({ length: 30 }, (_, i) => i + 1);
    const cols = [new Float64Array(30).fill(1), Float64Array.from(t, (v) => v ** -0.5), Float64Array.from(t, (v) => v ** -1.5)];
    const b = Float64Array.from(t, (v) => 0.1 + 2 * v ** -0.5 + 3 * v ** -1.5);
    const r = nnls(cols, b);
    expect(r.coef[0]).toBeCloseTo(0.1, 9);
    expect(r.coef[1]).toBeCloseTo(2, 9);
    expect(r.coef[2]).toBeCloseTo(3, 9);
    expect(leastSquares(cols, b)[1]).toBeCloseTo(2, 9);
    // Target with a negative unconstrained coefficient: that one is held at 0 and its gradient points outward.
    const b2 = Float64Array.from(t, (v) => 1 - 0.5 * v ** -0.5);
    const r2 = nnls(cols, b2);
    expect(r2.coef[1]).toBe(0);
    const res = Float64Array.from(b2, (v, i) => v - cols.reduce((s, c, j) => s + c[i]! * r2.coef[j]!, 0));
    for (let j = 0; j < 3; j++) {
      const g = cols[j]!.reduce((s, c, i) => s + c * res[i]!, 0); // −∂/∂c_j of ½|r|²
      if (r2.coef[j]! > 0) expect(Math.abs(g)).toBeLessThan(1e-9);
      else expect(g).toBeLessThanOrEqual(1e-9);
    }
  });
});
