// (α, β) estimation on kernels with known spectra, and on the ReLU MLP's own NTK on the circle (issue 7).
import { describe, expect, it } from 'vitest';
import { nativeMlp } from '../../lib/mlp/bindings.js';
import { estimateSpectrum, modeSpectrum, sortDescending, targetPower } from '../../lib/mlp/spectrum.js';
import { spectrumOfKernel } from '../../lib/mlp/spectrumInput.js';
import { modelBeta, targetOnGrid, seedSpectrum } from '../../lib/mlp/sobolev.js';
import { SOBOLEV_DEFAULTS } from '../../lib/mlp/config.js';

/** Circulant kernel K(θi, θj) = c0 + Σ_k 2 k^-α cos k(θi − θj): operator eigenvalues k^-α, twice each. */
function circulant(n: number, alpha: number, c0 = 1): Float64Array {
  const K = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    let s = c0;
    for (let k = 1; k < n / 2; k++) s += 2 * Math.pow(k, -alpha) * Math.cos((2 * Math.PI * k * d) / n);
    row[d] = s;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = row[(j - i + n) % n]!;
  return K;
}

describe('spectrum estimation', () => {
  it('circle mode finds the constant mode wherever it sorts (no constant term: eigenvalue 0, degenerate with Nyquist)', async () => {
    const n = 256;
    const y = targetOnGrid(127, 1, n);
    for (const c0 of [0, 1e-3, 1]) {
      const run = await spectrumOfKernel(circulant(n, 2, c0), n, y, 'circle', [8, 32]);
      expect(run.estimate.alpha.value, `c0 = ${c0}`).toBeCloseTo(2, 8);
    }
    // Not rotation invariant (a diagonal kernel with distinct entries): circle mode is refused with one line.
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) D[i * n + i] = 1 / (i + 1);
    await expect(spectrumOfKernel(D, n, y, 'circle')).rejects.toThrow(/^--mode circle needs a rotation-invariant kernel .*use --mode rank$/);
  });

  it('recovers α exactly from a circulant kernel with λ_k = k^-α (circle mode) and β ≈ (2q−1)/α', async () => {
    const n = 512;
    for (const [alpha, q] of [[2, 1], [1.5, 1.75]] as const) {
      const y = targetOnGrid(255, q, n);
      const run = await spectrumOfKernel(circulant(n, alpha), n, y, 'circle', [8, 32]);
      expect(run.estimate.alpha.value).toBeCloseTo(alpha, 8);
      // T_k = Σ_{k<j≤K} j^-2q is a power law in k only for 1 ≪ k ≪ K: within 4% on [8, 32] with K = 255.
      const expected = (2 * q - 1) / alpha;
      expect(Math.abs(run.estimate.beta!.value / expected - 1)).toBeLessThan(0.04);
      expect(run.estimate.betaFromModes!.modeExponent).toBeCloseTo(2 * q, 6);
    }
  });

  it('rank mode on a diagonal kernel: α exact, β from the source condition exact for a pure power-law tail', async () => {
    const n = 300;
    const alpha = 1.7;
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) K[i * n + i] = n * Math.pow(i + 1, -alpha);
    // Target power P_k chosen so that T_k = Σ_{j>k} P_j = λ_k^β exactly: P_k = λ_{k−1}^β − λ_k^β.
    const beta = 0.6;
    const T = (k: number): number => Math.pow(k, -alpha * beta);
    const y = new Float64Array(n);
    for (let k = 2; k < n; k++) y[k - 1] = Math.sqrt(n * (T(k - 1) - T(k)));
    y[n - 1] = Math.sqrt(n * T(n - 1)); // the last mode carries the rest of the tail
    const run = await spectrumOfKernel(K, n, y, 'rank', [5, 100]);
    expect(run.estimate.alpha.value).toBeCloseTo(alpha, 10);
    expect(run.estimate.beta!.value).toBeCloseTo(beta, 8);
  });

  it('the initial NTK of a ReLU MLP on the circle has α ≈ 2 (known value, k^-d with d = 2) and β = (2q−1)/α within the interval', async () => {
    const c = { ...SOBOLEV_DEFAULTS, width: 512, depth: 2, ntkPoints: 512, K: 255, specWindow: [4, 32] as [number, number], q: [1, 1.75] };
    const sp = await seedSpectrum(c, 0);
    for (const a of [sp.estimates[0]!.alpha, sp.symmetric[0]!.alpha]) {
      expect(a.value).toBeGreaterThan(1.9);
      expect(a.value).toBeLessThan(2.2);
    }
    const a = sp.symmetric[0]!.alpha.value;
    for (let qi = 0; qi < c.q.length; qi++) {
      const b = sp.symmetric[qi]!.beta!;
      // (2q − 1)/α within 6%; the same-window power-law model (same estimator biases) within 3% or 2 SE.
      expect(Math.abs(b.value / ((2 * c.q[qi]! - 1) / a) - 1)).toBeLessThan(0.06);
      const model = modelBeta(a, c.q[qi]!, c.K, c.ntkPoints, c.specWindow);
      expect(Math.abs(b.value - model)).toBeLessThan(Math.max(1.96 * b.se, 0.03 * model));
    }
    // The eigenvectors are Fourier modes: the k = 1 pair carries the target's k = 1 power (k^-2q / Σ j^-2q).
    const m = modeSpectrum(sp.lambda, sp.power[0]!, 'circle');
    let z = 0;
    for (let k = 1; k <= c.K; k++) z += Math.pow(k, -2);
    expect(m.power[0]).toBeCloseTo(1 / z, 2);
  });

  it('sortDescending and targetPower: Parseval (Σ p_i = mean y²)', async () => {
    const n = 64;
    const K = circulant(n, 2);
    const e = await nativeMlp.symmetricEigen({ matrix: K, n }).promise;
    const { values, vectors } = sortDescending(e.values, e.vectors, n);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    const y = targetOnGrid(20, 1, n);
    const p = targetPower(vectors, y, n, n);
    const my2 = y.reduce((s, v) => s + v * v, 0) / n;
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(my2, 12);
    expect(() => estimateSpectrum(modeSpectrum(values, p, 'circle'), [3, 2])).toThrow(/1 ≤ k1 < k2/);
  });
});
