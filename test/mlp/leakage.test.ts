// Why the finite-width lazy network falls short of β on the easy target (docs/mlp.md section 5), from initial NTKs
// alone: (1) the raw eigenvectors put target power beyond rank 2k in excess of the Fourier tail T_k, and that excess
// shrinks with width (about like 1/N); (2) the lazy NTK theory from the raw eigenvectors is slowed by it, less so
// at larger width; (3) the rotation-averaged (Fourier) lazy theory, free of leakage, is width-independent and reaches
// the power-law model's exponent only on the later window [1e3, 1e5], not on [1e2, 1e4] (pre-asymptotic low modes).
import { describe, expect, it } from 'vitest';
import { logGrid } from '../../lib/grid.js';
import { fitPowerLaw, logSpacingWeights } from '../../lib/fit/powerLaw.js';
import { nativeMlp } from '../../lib/mlp/bindings.js';
import { circulantSpectrum, estimateSpectrum, lazyKernelLoss, sortDescending, targetPower } from '../../lib/mlp/spectrum.js';
import { lazySymmetricLoss, targetOnGrid } from '../../lib/mlp/sobolev.js';

const n = 512;
const K = 256;
const q = 1.75;
const eta0 = 0.25;
const record = logGrid(1e5, 41).filter((t) => t > 0);

function slope(loss: Float64Array, t1: number, t2: number): number {
  const idx = Array.from(record.keys()).filter((i) => record[i]! >= t1 && record[i]! <= t2);
  const t = Float64Array.from(idx, (i) => record[i]!);
  return fitPowerLaw(t, Float64Array.from(idx, (i) => loss[i]!), logSpacingWeights(t)).exponent;
}

const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;

async function widthStats(N: number) {
  const excess: number[] = [];
  const raw: number[] = [];
  const sym: [number, number][] = [];
  const model: [number, number][] = [];
  for (let s = 0; s < 3; s++) {
    const shape = { width: N, depth: 2 };
    const params = nativeMlp.init({ ...shape, seed: 3, stream: s });
    const Km = await nativeMlp.ntk({ ...shape, params, n }).promise;
    const e = await nativeMlp.symmetricEigen({ matrix: Km, n }).promise;
    const { values, vectors } = sortDescending(e.values, e.vectors, n);
    const y = targetOnGrid(K, q, n);
    const p = targetPower(vectors, y, n, n);
    const c = circulantSpectrum(Km, n, y);
    const k = 32;
    let beyond = 0;
    for (let i = 2 * k + 1; i < n; i++) beyond += p[i]!;
    excess.push(beyond - c.tail[k - 1]!);
    raw.push(slope(lazyKernelLoss(values.map((v) => v / n), p, eta0, record), 1e3, 1e5));
    const Ls = lazySymmetricLoss(c, eta0, record);
    sym.push([slope(Ls, 100, 1e4), slope(Ls, 1e3, 1e5)]);
    // Power-law model λ_k = A k^-α̂ (fitted on k ∈ [4, 64]) with the same Fourier target power.
    const a = estimateSpectrum(c, [4, 64]).alpha.value;
    const A = c.lambda[3]! * Math.pow(4, a);
    const Lm = lazyKernelLoss(Array.from(c.k, (kk) => A * Math.pow(kk, -a)), c.power, eta0, record);
    model.push([slope(Lm, 100, 1e4), slope(Lm, 1e3, 1e5)]);
  }
  return { excess: mean(excess), raw: mean(raw), sym, model };
}

describe('finite-width NTK leakage (easy target q = 1.75, depth 2, n = 512, 3 seeds)', () => {
  it('the excess tail power shrinks with width, the raw lazy exponent rises; the Fourier lazy theory is width-independent and pre-asymptotic on [1e2, 1e4]', async () => {
    const w = [await widthStats(64), await widthStats(256), await widthStats(1024)];
    // Measured (seed 3): excess beyond rank 64 = 1.7e-3, 3.6e-4, 7.4e-5; each 4× in width divides it by ≈ 4.6–4.9.
    expect(w[0]!.excess / w[1]!.excess).toBeGreaterThan(2.5);
    expect(w[1]!.excess / w[2]!.excess).toBeGreaterThan(2.5);
    // Raw-eigenvector lazy theory on [1e3, 1e5]: measured 0.47, 0.75, 0.97 — rising with N, below the Fourier theory.
    expect(w[1]!.raw).toBeGreaterThan(w[0]!.raw + 0.1);
    expect(w[2]!.raw).toBeGreaterThan(w[1]!.raw + 0.1);
    for (const x of w) {
      for (let s = 0; s < 3; s++) {
        const [early, late] = x.sym[s]!;
        const [mEarly, mLate] = x.model[s]!;
        expect(late).toBeGreaterThan(x.raw);
        // Fourier lazy theory: ≈ the power-law model on [1e3, 1e5] (measured within 0.03) ...
        expect(Math.abs(late - mLate)).toBeLessThan(0.05);
        // ... but well below it on [1e2, 1e4] (measured 1.03–1.07 vs 1.20–1.24): the low modes k = 1, 2 are learned
        // faster than the power law says, which flattens the early window.
        expect(early).toBeLessThan(mEarly - 0.1);
      }
    }
    // Width-independent (measured spread ≤ 0.06 over N = 64..1024).
    const lates = w.flatMap((x) => x.sym.map((v) => v[1]));
    expect(Math.max(...lates) - Math.min(...lates)).toBeLessThan(0.1);
  }, 60_000);

  it('lazySymmetricLoss equals the raw-eigenvector lazy loss for an exactly circulant kernel', async () => {
    const m = 64;
    const Km = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        let v = 0.3;
        for (let k = 1; k < m / 2; k++) v += 2 * Math.pow(k, -2) * 0.1 * Math.cos((2 * Math.PI * k * (a - b)) / m);
        Km[a * m + b] = v;
      }
    }
    const y = targetOnGrid(20, 1.25, m);
    const e = await nativeMlp.symmetricEigen({ matrix: Km, n: m }).promise;
    const { values, vectors } = sortDescending(e.values, e.vectors, m);
    const steps = logGrid(1e4, 20);
    const raw = lazyKernelLoss(values.map((v) => v / m), targetPower(vectors, y, m, m), eta0, steps);
    const sym = lazySymmetricLoss(circulantSpectrum(Km, m, y), eta0, steps);
    for (let i = 0; i < steps.length; i++) expect(Math.abs(sym[i]! / raw[i]! - 1)).toBeLessThan(1e-8);
  });
});
