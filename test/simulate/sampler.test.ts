import { describe, it, expect } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { loadNative } from '../../lib/native.js';
import { exactBatchGradient, explicitBatchGradient } from '../../lib/reference/batchGradient.js';
import { smallArgs } from './helpers.js';

// Must-show 4: the exact O(M) batch sampler of SPEC 8.2 matches explicit sampling in the mean and covariance of
// the batch gradient, and one-step losses agree in distribution.
const M = 6;
const B = 4;
const lambda = Float64Array.from({ length: M }, (_, k) => (k + 1) ** -1.5);
const sqrtLambda = lambda.map(Math.sqrt);
const v = Float64Array.from({ length: M }, (_, k) => 1.3 * Math.cos(k + 1));
const Lv = v.reduce((a, x, k) => a + lambda[k]! * x * x, 0);
/** Cov(ĝ) = (1/B)[Λ (vᵀΛv) + Λv vᵀΛ] for Gaussian ψ (SPEC 3.1). */
const theoryCov = (i: number, j: number): number =>
  ((i === j ? lambda[i]! * Lv : 0) + lambda[i]! * v[i]! * lambda[j]! * v[j]!) / B;

function moments(kind: 'explicit' | 'exact', seed: number, n: number): { mean: Float64Array; cov: Float64Array } {
  const rng = new Rng(seed, 0);
  const g = new Float64Array(M);
  const scratch = new Float64Array(B * M);
  const mean = new Float64Array(M);
  const second = new Float64Array(M * M);
  for (let t = 0; t < n; t++) {
    if (kind === 'explicit') explicitBatchGradient(rng, v, sqrtLambda, B, scratch, g);
    else exactBatchGradient(rng, v, sqrtLambda, B, scratch, g);
    for (let i = 0; i < M; i++) {
      mean[i]! += g[i]!;
      for (let j = 0; j < M; j++) second[i * M + j]! += g[i]! * g[j]!;
    }
  }
  for (let i = 0; i < M; i++) mean[i] = mean[i]! / n;
  const cov = second.map((s, ij) => s / n - mean[Math.floor(ij / M)]! * mean[ij % M]!);
  return { mean, cov };
}

const relFrobenius = (a: Float64Array, b: (i: number, j: number) => number): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) {
    num += (a[i * M + j]! - b(i, j)) ** 2;
    den += b(i, j) ** 2;
  }
  return Math.sqrt(num / den);
};

describe('exact O(M) batch sampler vs explicit sampling', () => {
  const n = 40_000;
  const explicit = moments('explicit', 11, n);
  const exact = moments('exact', 12, n);

  it('both have mean Λv: every coordinate within 4.5 standard errors', () => {
    for (const m of [explicit, exact]) {
      for (let i = 0; i < M; i++) {
        const z = Math.abs(m.mean[i]! - lambda[i]! * v[i]!) / Math.sqrt(theoryCov(i, i) / n);
        expect(z).toBeLessThan(4.5);
      }
    }
  });

  it('both have covariance (1/B)[Λ vᵀΛv + Λvvᵀ Λ] within 4% (Frobenius; sampling error here is ≈1%)', () => {
    expect(relFrobenius(explicit.cov, theoryCov)).toBeLessThan(0.04);
    expect(relFrobenius(exact.cov, theoryCov)).toBeLessThan(0.04);
    expect(relFrobenius(exact.cov, (i, j) => explicit.cov[i * M + j]!)).toBeLessThan(0.05);
  });

  it('one-step losses L(1) of the simulator agree in distribution (two-sample KS, α = 0.001)', async () => {
    const native = loadNative();
    const seeds = 600;
    const oneStep = async (sampler: 'explicit' | 'exact'): Promise<number[]> => {
      const out: number[] = [];
      for (let s = 0; s < seeds; s++) {
        const r = await native.simulateSeed(smallArgs({
          N: 16, M: 48, steps: 1, batch: 2, sampler, gamma: 0.5, stream: s, seed: sampler === 'exact' ? 1 : 2,
        })).promise;
        out.push(r.loss[1]!);
      }
      return out.sort((a, b) => a - b);
    };
    const a = await oneStep('explicit');
    const b = await oneStep('exact');
    // KS statistic D = sup |F_a - F_b|.
    let i = 0;
    let j = 0;
    let D = 0;
    while (i < a.length && j < b.length) {
      if (a[i]! <= b[j]!) i++;
      else j++;
      D = Math.max(D, Math.abs(i / a.length - j / b.length));
    }
    const critical = 1.949 * Math.sqrt((2 * seeds) / (seeds * seeds));
    expect(D).toBeLessThan(critical);
    // The test has power: L(1) of B = 2 differs clearly from the B = ∞ step.
    const inf = await native.simulateSeed(smallArgs({ N: 16, M: 48, steps: 1, gamma: 0.5, seed: 1 })).promise;
    expect(a.some((x) => Math.abs(x - inf.loss[1]!) > 1e-3 * inf.loss[1]!)).toBe(true);
  });
});
