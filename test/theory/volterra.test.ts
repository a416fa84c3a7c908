/**
 * Lazy finite-B solver at N = ∞ (SPEC 3.4; lib/theory/volterra.ts): the exact second-moment recursion and the
 * SPEC's Volterra form, against their pure-TS twin, the convolution form, the closed form and the simulator.
 */
import { describe, expect, it } from 'vitest';
import { runSweep, type ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';
import { lazyInfiniteLoss, makeTask } from '../../lib/task.js';
import { makeModeBins } from '../../lib/theory/modes.js';
import { referenceVolterraConvolution } from '../../lib/reference/theory/volterra.js';
import { solveLazyVolterra, type LazyVolterraParams } from '../../lib/theory/volterra.js';

function maxRel(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! / b[i]! - 1));
  return m;
}

const every = (T: number): Float64Array => Float64Array.from({ length: T + 1 }, (_, i) => i);

describe('lazy finite-B recursion: exactness checks', () => {
  it('native = pure-TS twin to 1e-10 (both forms, binned modes, t up to 1e5)', async () => {
    for (const form of ['exact', 'volterra'] as const) {
      const p: LazyVolterraParams = { alpha: 2, beta: 0.4, eta: 0.5, batch: 4, M: 1e9, tMax: 100_000, form, exactModes: 100, binsPerDecade: 10 };
      const nat = await solveLazyVolterra(p);
      const ref = await solveLazyVolterra(p, { backend: 'reference' });
      expect(nat.steps).toEqual(ref.steps);
      expect(maxRel(nat.loss, ref.loss)).toBeLessThan(1e-10);
    }
  });

  it("form 'volterra' is SPEC 3.4's convolution equation, evaluated as a recursion", async () => {
    const T = 200;
    const c = await solveLazyVolterra({ alpha: 2, beta: 0.4, eta: 0.5, batch: 4, M: 1e6, tMax: T, form: 'volterra', exactModes: 50, binsPerDecade: 8, recordSteps: every(T) });
    const bins = makeModeBins(2, 0.4, 1e6, { exactModes: 50, binsPerDecade: 8 });
    const conv = referenceVolterraConvolution({ eta: 0.5, batch: 4, lambda: bins.lambda, wstar: bins.wstar, mult: bins.mult }, T);
    expect(maxRel(c.loss, conv)).toBeLessThan(1e-12);
  });

  it('B = ∞ gives the closed form Σ λ w*² (1-ηλ)^{2t}', async () => {
    const M = 500;
    const c = await solveLazyVolterra({ alpha: 2, beta: 0.4, eta: 0.5, batch: Infinity, M, tMax: 10_000, exactModes: M });
    const task = makeTask(2, 0.4, M);
    expect(maxRel(c.loss, c.steps.map((t) => lazyInfiniteLoss(task, 0.5, t)))).toBeLessThan(1e-12);
  });

  it('the exact form lies above the SPEC 3.4 form (it keeps the η²λ²⟨v²⟩/B term)', async () => {
    const p: LazyVolterraParams = { alpha: 2, beta: 0.4, eta: 0.5, batch: 2, M: 1e9, tMax: 1000 };
    const ex = await solveLazyVolterra(p);
    const vo = await solveLazyVolterra({ ...p, form: 'volterra' });
    for (let i = 1; i < ex.loss.length; i++) expect(ex.loss[i]!).toBeGreaterThan(vo.loss[i]!);
  });
});

describe('lazy finite-B recursion vs the simulator (γ = 0, online SGD, Gaussian features)', () => {
  const M = 128, T = 300, eta = 0.5;
  const cfg = (over: Partial<ResolvedSimulateConfig>): ResolvedSimulateConfig => ({
    alpha: 2, beta: 0.4, M, N: [M], gamma: [0], eta, batch: 8, data: Infinity, model: 'projected', sampler: 'exact',
    init: 'identity', steps: T, record: 'log', recordPoints: 25, seeds: 64, seed: 7, perSeed: false, ...over,
  });

  async function zScores(c: ResolvedSimulateConfig, form: 'exact' | 'volterra'): Promise<number[]> {
    const sim = await runSweep(c, { threads: 2 });
    const run = sim.runs[0]!;
    const th = await solveLazyVolterra({ alpha: 2, beta: 0.4, eta, batch: c.batch, M, tMax: T, form, exactModes: M, recordSteps: run.steps });
    const z: number[] = [];
    for (let i = 1; i < run.steps.length; i++) z.push((run.loss.mean[i]! - th.loss[i]!) / run.loss.stderr[i]!);
    return z;
  }

  it('exact recursion within 2 standard errors at every recorded step: B = 8, 64 seeds, identity A(0) (N = M = 128)', async () => {
    // With A(0) = √N·I and γ = 0 the model is linear regression trained by SGD: N = ∞ theory is exact at any N.
    const z = await zScores(cfg({}), 'exact');
    console.log(`exact recursion vs 64 seeds, B = 8: max |z| = ${Math.max(...z.map(Math.abs)).toFixed(2)}`);
    for (const x of z) expect(Math.abs(x)).toBeLessThan(2);
  });

  it('exact recursion within 2 standard errors: B = 8, 32 seeds, unprojected Gaussian A(0), N = 2048 ≫ M = 128', async () => {
    const z = await zScores(cfg({ model: 'unprojected', init: 'gaussian', N: [2048], seeds: 32 }), 'exact');
    console.log(`exact recursion vs 32 Gaussian-init seeds (N = 2048), B = 8: max |z| = ${Math.max(...z.map(Math.abs)).toFixed(2)}`);
    for (const x of z) expect(Math.abs(x)).toBeLessThan(2);
  });

  it('1024 seeds at B = 2 resolve the term SPEC 3.4 drops: exact within 3 SE, Volterra form > 5 SE off', async () => {
    const c = cfg({ batch: 2, seeds: 1024 });
    const ze = await zScores(c, 'exact');
    const zv = await zScores(c, 'volterra');
    const me = Math.max(...ze.map(Math.abs)), mv = Math.max(...zv.map(Math.abs));
    console.log(`B = 2, 1024 seeds: exact max |z| = ${me.toFixed(2)}, SPEC 3.4 Volterra max |z| = ${mv.toFixed(2)}`);
    expect(me).toBeLessThan(3);
    expect(mv).toBeGreaterThan(5);
  });
});

describe('input validation', () => {
  const ok: LazyVolterraParams = { alpha: 2, beta: 0.4, eta: 0.5, batch: 8, M: 1000, tMax: 100 };
  it.each([
    [{ alpha: 0.9 }, /alpha must be > 1/],
    [{ beta: -1 }, /beta must be > 0/],
    [{ eta: 0 }, /eta must be > 0/],
    [{ eta: 2 }, /eta·λ_1 must be < 2/],
    [{ batch: 0.5 }, /batch must be an integer >= 1/],
    [{ batch: Number.NaN }, /batch must be a finite number/],
    [{ tMax: 1.5 }, /tMax must be a positive integer/],
    [{ tMax: 1e12, M: 1e9 }, /too costly/],
  ] as const)('rejects %o', async (over, msg) => {
    await expect(solveLazyVolterra({ ...ok, ...(over as Partial<LazyVolterraParams>) })).rejects.toThrow(msg);
  });
});
