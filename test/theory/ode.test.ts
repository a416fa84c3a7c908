/**
 * The N = B = ∞ solvers of SPEC 3.3 (lib/theory/ode.ts): gradient flow and unit-step map, on log-binned modes.
 * Ground truths: the γ = 0 closed forms, the pure-TS twin, and the simulator (SPEC 9).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNative, nativeFunction } from '../../lib/native.js';
import { runSweep, type ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';
import { lazyInfiniteLoss, makeTask, truncationFloor } from '../../lib/task.js';
import { binnedInitialLoss, makeModeBins, powerSum, type ModeBins } from '../../lib/theory/modes.js';
import { logInterp, logSlope, solveRichOde, type RichOdeParams } from '../../lib/theory/ode.js';

beforeAll(() => {
  // Small matrices (n ≈ 200–400): one BLAS thread is faster than two, and leaves a core to the other fork.
  loadNative().setNumThreads(1);
});

function maxRel(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! / b[i]! - 1));
  return m;
}

function binnedClosedForm(b: ModeBins, eta: number, t: number, form: 'flow' | 'map'): number {
  let s = 0;
  for (let j = b.n - 1; j >= 0; j--) {
    const l = b.lambda[j]!;
    const decay = form === 'flow' ? Math.exp(-2 * eta * l * t) : Math.pow(1 - eta * l, 2 * t);
    s += b.mult[j]! * l * b.wstar[j]! ** 2 * decay;
  }
  return s;
}

describe('mode bins', () => {
  it('keep modes 1..K0 exactly and the target power of every bin exact', () => {
    const M = 300_000;
    const b = makeModeBins(2, 0.4, M, { exactModes: 50, binsPerDecade: 8 });
    expect(b.mult.slice(0, 50).every((m) => m === 1)).toBe(true);
    expect(b.lambda[49]).toBe(Math.pow(50, -2));
    let total = 0;
    for (let j = 0; j < b.n; j++) {
      total += b.mult[j]!;
      const k = Math.pow(b.lambda[j]!, -1 / 2); // the representative mode index
      expect(k).toBeGreaterThanOrEqual(b.kLow[j]! - 1e-9);
      expect(k).toBeLessThanOrEqual(b.kHigh[j]! + 1e-9);
    }
    expect(total).toBe(M);
    let direct = 0;
    for (let k = M; k >= 1; k--) direct += Math.pow(k, -1.8);
    expect(Math.abs(binnedInitialLoss(b) / direct - 1)).toBeLessThan(1e-12);
    // Euler–Maclaurin tail vs the direct sum, and the truncation floor of lib/task.ts.
    expect(Math.abs(powerSum(1000, 100_000, 1.8) / (powerSum(1000, 19_999, 1.8) + powerSum(20_000, 100_000, 1.8)) - 1)).toBeLessThan(1e-13);
    expect(b.truncationFloor).toBe(truncationFloor(2, 0.4, M));
  });

  it('reach M = 1e20 with a few hundred bins', () => {
    const b = makeModeBins(2, 0.4, 1e20, { exactModes: 100, binsPerDecade: 16 });
    expect(b.n).toBeLessThan(100 + 18 * 16 + 2);
    expect(b.kHigh[b.n - 1]).toBe(1e20);
    // Σ_{k ≤ M} k^{-p} + floor = ζ(p) (p = 1.8: ζ(1.8) = 1.8822296…)
    expect(Math.abs(binnedInitialLoss(b) + b.truncationFloor - 1.88222960) < 1e-6).toBe(true);
  });
});

describe('γ = 0 equals the closed forms (SPEC 3.3)', () => {
  it('flow: Σ m λ w*² e^{-2ηλt} to rounding, t up to 1e6, M = 1e9', async () => {
    const bins = makeModeBins(2, 0.4, 1e9, { exactModes: 100, binsPerDecade: 16 });
    const c = await solveRichOde({ alpha: 2, beta: 0.4, gamma: 0, eta: 0.5, M: 1e9, form: 'flow', tMax: 1e6 });
    const ref = c.steps.map((t) => binnedClosedForm(bins, 0.5, t, 'flow'));
    expect(maxRel(c.loss, ref)).toBeLessThan(1e-12);
    expect(c.truncationFloor).toBe(truncationFloor(2, 0.4, 1e9));
  });

  it('map: Σ λ w*² (1-ηλ)^{2t} with exact modes (lib/task.ts) and with bins', async () => {
    const M = 300;
    const c = await solveRichOde({ alpha: 2, beta: 0.4, gamma: 0, eta: 0.5, M, form: 'map', tMax: 10_000, exactModes: M });
    const task = makeTask(2, 0.4, M);
    expect(maxRel(c.loss, c.steps.map((t) => lazyInfiniteLoss(task, 0.5, t)))).toBeLessThan(1e-12);
    const bins = makeModeBins(2, 0.4, 1e9, { exactModes: 100, binsPerDecade: 16 });
    const cb = await solveRichOde({ alpha: 2, beta: 0.4, gamma: 0, eta: 0.5, M: 1e9, form: 'map', tMax: 10_000 });
    expect(maxRel(cb.loss, cb.steps.map((t) => binnedClosedForm(bins, 0.5, t, 'map')))).toBeLessThan(1e-12);
  });
});

describe('native kernel = pure-TS twin', () => {
  for (const [form, method] of [['flow', 'eig'], ['flow', 'fast'], ['map', undefined]] as const) {
    it(`${form}${method ? ` (method '${method}')` : ''}, γ = 0.5, binned modes, to 1e-10`, async () => {
      // η = 0.1 keeps the map stable (η λ_1 (1+γc) < 2); an unstable map is chaotic and amplifies rounding.
      const p: RichOdeParams = {
        alpha: 2, beta: 0.4, gamma: 0.5, eta: 0.1, M: 1e6, form, tMax: 1000, exactModes: 12, binsPerDecade: 4, pointsPerDecade: 10, method,
      };
      const nat = await solveRichOde(p);
      const ref = await solveRichOde(p, { backend: 'reference' });
      expect(nat.steps).toEqual(ref.steps);
      expect(maxRel(nat.loss, ref.loss)).toBeLessThan(1e-10);
      expect(nat.loss[nat.loss.length - 1]!).toBeLessThan(0.5 * nat.loss[0]!);
    });
  }
});

describe('unit-step map vs the simulator (SPEC 2.1 at B = ∞)', () => {
  const M = 64, T = 100, eta = 0.25, gamma = 0.5;
  const base = (over: Partial<ResolvedSimulateConfig>): ResolvedSimulateConfig => ({
    alpha: 2, beta: 0.4, M, N: [M], gamma: [gamma], eta, batch: Infinity, data: Infinity, model: 'projected',
    sampler: 'exact', init: 'identity', steps: T, record: 'all', recordPoints: 2, seeds: 1, seed: 3, perSeed: false, ...over,
  });

  it('is exact (to rounding) when A(0)ᵀA(0)/N = I: identity init, projected and unprojected', async () => {
    const th = await solveRichOde({ alpha: 2, beta: 0.4, gamma, eta, M, form: 'map', tMax: T, exactModes: M, recordSteps: Float64Array.from({ length: T + 1 }, (_, i) => i) });
    for (const model of ['projected', 'unprojected'] as const) {
      const sim = await runSweep(base({ model }), { threads: 1 });
      const run = sim.runs[0]!;
      expect(maxRel(run.loss.mean, th.loss)).toBeLessThan(1e-12);
    }
    // the rich map is far from the lazy closed form: the test is not vacuous
    expect(th.loss[T]! / lazyInfiniteLoss(makeTask(2, 0.4, M), eta, T)).toBeLessThan(0.9);
  });

  it('matches Gaussian A(0) at N = 4096 ≫ M = 64 (unprojected, 8 seeds) to a few ‰', async () => {
    const th = await solveRichOde({ alpha: 2, beta: 0.4, gamma, eta, M, form: 'map', tMax: T, exactModes: M, recordSteps: Float64Array.from({ length: T + 1 }, (_, i) => i) });
    const sim = await runSweep(base({ model: 'unprojected', init: 'gaussian', N: [4096], seeds: 8, record: 'all' }), { threads: 2 });
    const run = sim.runs[0]!;
    const dev = maxRel(run.loss.mean, th.loss);
    console.log(`map vs Gaussian-init simulation (N = 4096, M = 64, 8 seeds): max rel deviation ${dev.toExponential(2)}`);
    // measured 3.6e-3; finite-N corrections are O(M/N) ≈ 1.6% at most
    expect(dev).toBeLessThan(1e-2);
  });
});

describe('gradient flow vs the unit-step map as η → 0 (independent discretisations, γ = 0.5)', () => {
  it('differ by O(η): the gap halves when η halves (measured 2.6e-3 at η = 0.02, 1.3e-3 at η = 0.01)', async () => {
    const gaps: number[] = [];
    for (const eta of [0.02, 0.01]) {
      const p = { alpha: 2, beta: 0.4, gamma: 0.5, eta, M: 1e6, tMax: Math.round(200 / eta), exactModes: 100, binsPerDecade: 16 };
      const map = await solveRichOde({ ...p, form: 'map' });
      const flow = await solveRichOde({ ...p, form: 'flow' });
      let m = 0;
      for (let i = 1; i < map.steps.length; i++) {
        const t = map.steps[i]!;
        if (t * eta < 1) continue;
        m = Math.max(m, Math.abs(Math.exp(logInterp(flow.steps, flow.loss, t)) / map.loss[i]! - 1));
      }
      gaps.push(m);
    }
    expect(gaps[0]!).toBeLessThan(5e-3);
    expect(gaps[0]! / gaps[1]!).toBeGreaterThan(1.7);
    expect(gaps[0]! / gaps[1]!).toBeLessThan(2.3);
  });
});

describe('SPEC must-show: gradient-flow exponents (α = 2, M = 1e9 via bins)', () => {
  it('β = 0.4, γ = 0.5: slope over [1e5, 1e6] within 0.01 of 2β/(1+β) and above the [1e4, 1e5] slope; converged', async () => {
    const c = await solveRichOde({ alpha: 2, beta: 0.4, gamma: 0.5, eta: 0.5, M: 1e9, form: 'flow', tMax: 1e6, convergenceCheck: true });
    const late = logSlope(c, 1e5, 1e6), before = logSlope(c, 1e4, 1e5);
    console.log(`rich β = 0.4: slopes [1e4,1e5] ${before.toFixed(4)}, [1e5,1e6] ${late.toFixed(4)} (target ${(0.8 / 1.4).toFixed(4)}); `
      + `convergence: loss ${Number(c.diagnostics.convergenceMaxRelLossChange).toExponential(2)}, `
      + `slopes ${Number(c.diagnostics.convergenceMaxLateSlopeChange).toExponential(2)}; ${Number(c.diagnostics.seconds).toFixed(2)} s`);
    expect(Math.abs(late - 0.8 / 1.4)).toBeLessThan(0.01);
    expect(late).toBeGreaterThan(before);
    expect(late).toBeGreaterThan(0.4 + 0.1); // clearly faster than lazy
    expect(Number(c.diagnostics.convergenceMaxRelLossChange)).toBeLessThan(5e-3);
    expect(Number(c.diagnostics.convergenceMaxLateSlopeChange)).toBeLessThan(1e-3);
  });

  it('β = 0.4, γ = 0: slope within 0.005 of β in every decade from 1e2 to 1e6', async () => {
    const c = await solveRichOde({ alpha: 2, beta: 0.4, gamma: 0, eta: 0.5, M: 1e9, form: 'flow', tMax: 1e6, convergenceCheck: true });
    for (let t = 1e2; t < 1e6; t *= 10) expect(Math.abs(logSlope(c, t, 10 * t) - 0.4)).toBeLessThan(0.005);
    expect(Number(c.diagnostics.convergenceMaxLateSlopeChange)).toBeLessThan(1e-3);
  });

  it('easy task β = 1.2: slope over [1e5, 1e6] within 0.01 of β at γ = 0 and γ = 0.5', async () => {
    for (const gamma of [0, 0.5]) {
      const c = await solveRichOde({ alpha: 2, beta: 1.2, gamma, eta: 0.5, M: 1e9, form: 'flow', tMax: 1e6 });
      expect(Math.abs(logSlope(c, 1e5, 1e6) - 1.2)).toBeLessThan(0.01);
    }
  });
});

describe('input validation and cancellation', () => {
  const ok: RichOdeParams = { alpha: 2, beta: 0.4, gamma: 0.5, eta: 0.5, M: 1e6, form: 'flow', tMax: 1e3 };
  it.each([
    [{ alpha: 1 }, /alpha must be > 1/],
    [{ beta: 0 }, /beta must be > 0/],
    [{ eta: 0 }, /eta must be > 0/],
    [{ gamma: -1 }, /gamma must be >= 0/],
    [{ tMax: Number.NaN }, /tMax must be a finite number/],
    [{ M: 2.5 }, /M must be a positive integer/],
    [{ form: 'map', eta: 2 }, /eta·λ_1 must be < 2/],
    [{ form: 'map', tMax: 1e9 }, /costs .* operations/],
    [{ form: 'map', tMax: 10.5 }, /integer number of steps/],
  ] as const)('rejects %o', async (over, msg) => {
    await expect(solveRichOde({ ...ok, ...(over as Partial<RichOdeParams>) })).rejects.toThrow(msg);
  });

  it('the native boundary validates its arguments (one-line TypeError / RangeError)', () => {
    const odeRich = nativeFunction<(a: unknown) => unknown>('odeRich');
    const good = { form: 'flow', gamma: 0.5, eta: 0.5, lambda: Float64Array.of(1, 0.25), wstar: Float64Array.of(1, 1), mult: Float64Array.of(1, 1), times: Float64Array.of(0, 1, 2) };
    expect(() => odeRich({ ...good, eta: -1 })).toThrow(/odeRich: eta must be a finite number > 0/);
    expect(() => odeRich({ ...good, wstar: Float64Array.of(1) })).toThrow(/wstar must be a Float64Array of length 2/);
    expect(() => odeRich({ ...good, times: Float64Array.of(0, 2, 1) })).toThrow(/times must be increasing/);
    expect(() => odeRich({ ...good, form: 'map', times: Float64Array.of(0, 1.5) })).toThrow(/must be integers/);
    expect(() => odeRich({ ...good, lambda: [1, 0.25] })).toThrow(TypeError);
    const volterraLazy = nativeFunction<(a: unknown) => unknown>('volterraLazy');
    expect(() => volterraLazy({ mode: 'exact', eta: 0.5, batch: 0, lambda: Float64Array.of(1), wstar: Float64Array.of(1), mult: Float64Array.of(1), recordSteps: Float64Array.of(0, 5) }))
      .toThrow(/volterraLazy: batch must be a finite number >= 1/);
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    const p = solveRichOde({ ...ok, M: 1e12, tMax: 1e6, pointsPerDecade: 200 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'ABORT_ERR' });
  });
});
