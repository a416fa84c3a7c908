import { describe, it, expect } from 'vitest';
import { computeGrid, envelope, lossAt } from '../../lib/frontier/envelope.js';
import { fitFrontier } from '../../lib/frontier/fit.js';
import { logGrid } from '../../lib/grid.js';
import { Rng } from '../../lib/rng.js';

// Synthetic L(t, N) = t^-χ + N^-αβ: the exact frontier is N* ∝ C^{χ/(χ+αβ)}, L* ∝ C^{-αβχ/(χ+αβ)} (SPEC 4.5).
function synthetic(chi: number, alpha: number, beta: number, widths: number[], T: number, noise = 0, seeds = 1, seed = 1) {
  const rng = new Rng(seed, 0);
  const steps = logGrid(T, 80);
  return widths.map((N) => ({
    N, steps,
    perSeed: Array.from({ length: seeds }, () => steps.map((t) =>
      (Math.max(t, 1) ** -chi + N ** (-alpha * beta)) * (1 + noise * rng.normal()))),
  }));
}

describe('compute-optimal frontier', () => {
  it('interpolates log-log exactly on a power law', () => {
    const steps = Float64Array.of(1, 10, 100);
    const c = { N: 1, steps, loss: steps.map((t) => t ** -0.5) };
    expect(Math.exp(lossAt(c, 31.6227766))).toBeCloseTo(31.6227766 ** -0.5, 10);
    expect(lossAt(c, 1000)).toBeNaN();
  });

  it.each([
    ['lazy', 0.5, 1 / 3, 1 / 3],
    ['rich', 2 / 3, 2 / 5, 2 / 5],
  ])('%s hard task α = 2, β = 0.5: recovers L* ∝ C^-%f and N* ∝ C^%f', (_n, chi, lossExp, modelExp) => {
    const widths = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];
    const curves = synthetic(chi, 2, 0.5, widths, 1e7);
    const fit = fitFrontier(curves, { bootstrap: 0 });
    expect(fit.interiorPoints).toBeGreaterThan(10);
    expect(fit.lossExponent.value).toBeCloseTo(lossExp, 2);
    expect(fit.modelExponent.value).toBeCloseTo(modelExp, 1);
    expect(Math.abs(fit.modelExponent.value - modelExp)).toBeLessThan(0.03);
  });

  it('gives bootstrap intervals that cover the truth with noisy seeds, and warns when the grid is too narrow', () => {
    const curves = synthetic(0.5, 2, 0.5, [8, 16, 32, 64, 128, 256, 512, 1024], 1e7, 0.05, 8, 3);
    const fit = fitFrontier(curves, { bootstrap: 200 });
    const [lo, hi] = fit.lossExponent.ci!;
    expect(lo).toBeLessThan(1 / 3 + 0.01);
    expect(hi).toBeGreaterThan(1 / 3 - 0.01);
    expect(hi - lo).toBeLessThan(0.1);
    const narrow = fitFrontier(synthetic(0.5, 2, 0.5, [8, 16], 1e5), { bootstrap: 0 });
    expect(narrow.warnings.join(' ')).toMatch(/edge of the width grid|fewer than 3/);
  });

  it('marks points whose optimum is the smallest or largest width as edge points', () => {
    const curves = synthetic(0.5, 2, 0.5, [8, 16, 32], 1e6).map((c) => ({ N: c.N, steps: c.steps, loss: c.perSeed[0]! }));
    const pts = envelope(curves, computeGrid(curves));
    expect(pts.some((p) => p.edge)).toBe(true);
    expect(pts.filter((p) => p.edge).every((p) => p.best === 0 || p.best === 2)).toBe(true);
  });
});
