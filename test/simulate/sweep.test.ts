import { describe, it, expect } from 'vitest';
import { runSweep, DivergenceError, CancelledError, type ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';
import { loadNative } from '../../lib/native.js';
import { recordStepsFor } from '../../lib/simulate/sweep.js';
import { makeTask } from '../../lib/task.js';

const base: ResolvedSimulateConfig = {
  alpha: 2, beta: 0.5, M: 64, N: [16], gamma: [0, 1], eta: 0.5, batch: 8, data: Infinity,
  model: 'projected', sampler: 'exact', init: 'gaussian', steps: 100, record: 'log', recordPoints: 20,
  seeds: 5, seed: 3, perSeed: true,
};

/** Least-squares slope of log y against log x. */
function logLogSlope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((v, i) => { num += (v - mx) * (ly[i]! - my); den += (v - mx) ** 2; });
  return num / den;
}

describe('runSweep: ensembles over seeds, γ and N', () => {
  it('aggregates per-seed curves into mean, sample std and stderr, equal to each seed run alone', async () => {
    const res = await runSweep(base, { threads: 2 });
    expect(res.runs.map((r) => r.gamma)).toEqual([0, 1]);
    const run = res.runs[1]!;
    expect(run.perSeedLoss.length).toBe(5);
    const task = makeTask(2, 0.5, 64);
    const steps = recordStepsFor(base);
    const single = await loadNative().simulateSeed({
      model: 'projected', N: 16, M: 64, gamma: 1, eta: 0.5, batch: 8, data: Infinity, sampler: 'exact',
      init: 'gaussian', steps: 100, recordSteps: steps, lambda: task.lambda, wstar: task.wstar, seed: 3, stream: 2,
      wantFinal: false,
    }).promise;
    expect(Array.from(run.perSeedLoss[2]!)).toEqual(Array.from(single.loss));
    const j = steps.length - 1;
    const vals = run.perSeedLoss.map((c) => c[j]!);
    const mean = vals.reduce((a, b) => a + b, 0) / 5;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(run.loss.mean[j]).toBeCloseTo(mean, 14);
    expect(run.loss.std[j]).toBeCloseTo(sd, 14);
    expect(run.loss.stderr[j]).toBeCloseTo(sd / Math.sqrt(5), 14);
    expect(res.truncationFloor).toBeGreaterThan(0);
    expect(res.flops).toBeGreaterThan(0);
  });

  it('gives the same result with 1 or 2 threads and on the reference backend', async () => {
    const cfg = { ...base, seeds: 3 };
    const a = await runSweep(cfg, { threads: 1 });
    const b = await runSweep(cfg, { threads: 2 });
    const c = await runSweep(cfg, { backend: 'reference' });
    for (let r = 0; r < 2; r++) {
      expect(Array.from(b.runs[r]!.loss.mean)).toEqual(Array.from(a.runs[r]!.loss.mean));
      const ref = c.runs[r]!.loss.mean;
      a.runs[r]!.loss.mean.forEach((m, i) => expect(Math.abs(m - ref[i]!) / ref[i]!).toBeLessThan(1e-10));
    }
  });

  it('reports progress up to the total and can be cancelled with an AbortSignal', async () => {
    const seen: number[] = [];
    await runSweep({ ...base, seeds: 2 }, { onProgress: (d, t) => { seen.push(d / t); } });
    expect(seen.at(-1)).toBe(1);
    const ctl = new AbortController();
    const big = { ...base, M: 4096, N: [256], steps: 1_000_000, seeds: 1, gamma: [0.5] };
    const started = performance.now();
    const p = runSweep(big, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 200);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('stops a diverging run with an error that suggests a smaller η', async () => {
    const p = runSweep({ ...base, eta: 5, batch: Infinity });
    await expect(p).rejects.toBeInstanceOf(DivergenceError);
    await expect(p).rejects.toThrow(/smaller learning rate, e\.g\. --eta 1 \(now 5\)/);
  });
});

// Must-show 5: γ = 0 on a hard task (α = 2, β = 0.5) reproduces the lazy exponent χ = β.
// Window [10, 1000]: after the first modes' transient (ηλ₁ t ≫ 1 from t ≈ 10), with the learning front
// k*(1000) ≈ (η t)^{1/α} ≈ 22 far below M = 4096 (truncation floor 2.4e-4, 100× below L(1000)) and far before the
// model bottleneck (k* ~ N = 256 only at t ~ N^α/η ≈ 1.3e5). The N = B = ∞ closed form has slope 0.498 there.
describe('lazy exponent on a hard task', () => {
  it('fitted log-log slope over [10, 1000] is within 0.05 of β = 0.5', async () => {
    const cfg: ResolvedSimulateConfig = {
      ...base, M: 4096, N: [256], gamma: [0], batch: Infinity, steps: 1000, recordPoints: 40, seeds: 4, perSeed: false,
    };
    const res = await runSweep(cfg, { threads: 2 });
    const run = res.runs[0]!;
    const x: number[] = [];
    const y: number[] = [];
    run.steps.forEach((t, i) => { if (t >= 10 && t <= 1000) { x.push(t); y.push(run.loss.mean[i]!); } });
    const slope = -logLogSlope(x, y);
    expect(Math.abs(slope - 0.5)).toBeLessThan(0.05);
    expect(run.loss.mean.at(-1)!).toBeGreaterThan(100 * res.truncationFloor);
  });
});
