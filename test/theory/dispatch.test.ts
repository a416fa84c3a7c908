import { describe, it, expect } from 'vitest';
import { getPreset } from '../../lib/config/presets.js';
import { recordStepsFor, runSweep, type ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';
import { checkSolverParams, chooseSolver, resample, solveFor } from '../../lib/theory/dispatch.js';
import { deviations } from '../../lib/theory/outputs.js';
import { lazyInfiniteLoss, makeTask } from '../../lib/task.js';

const base: ResolvedSimulateConfig = { ...getPreset('hard'), M: 256, N: [64], gamma: [0], batch: Infinity, steps: 100, seeds: 8 };

describe('theory solver choice (docs/theory.md)', () => {
  it('auto picks the solver whose assumptions hold', () => {
    expect(chooseSolver(base, 64, 0, 'auto')).toBe('dmft');
    expect(chooseSolver({ ...base, steps: 5000 }, 64, 0.5, 'auto')).toBe('ode-map');
    expect(chooseSolver({ ...base, batch: 16 }, 64, 0, 'auto')).toBe('dmft');
    expect(chooseSolver({ ...base, batch: 16, steps: 5000 }, 64, 0, 'auto')).toBe('volterra');
    expect(chooseSolver({ ...base, batch: 16 }, 64, 0.5, 'auto')).toBe('stochastic');
    expect(chooseSolver({ ...base, model: 'unprojected' }, 64, 0.5, 'auto')).toBe('ode-map');
  });
  it('auto never picks a solver that refuses the run: long B = ∞ runs get an affordable map or the gradient flow', () => {
    for (const [steps, M, gamma] of [[1e6, 2048, 0.5], [1e5, 1e9, 0.5], [1e6, 2048, 0], [3e4, 2048, 0.5]] as const) {
      const c = { ...base, steps, M };
      const s = chooseSolver(c, 64, gamma, 'auto');
      expect(['ode-map', 'ode-flow']).toContain(s);
      expect(() => checkSolverParams(c, 64, gamma, s, recordStepsFor(c))).not.toThrow();
    }
  });
  it('refuses a solver outside its assumptions with one line naming the fix', () => {
    expect(() => chooseSolver({ ...base, batch: 16 }, 64, 0.5, 'dmft')).toThrow(/use --solver stochastic/);
    expect(() => chooseSolver(base, 64, 0.5, 'volterra')).toThrow(/lazy/);
    expect(() => chooseSolver({ ...base, batch: 8 }, 64, 0, 'ode-map')).toThrow(/B = inf/);
    expect(() => chooseSolver({ ...base, data: 100 }, 64, 0, 'auto')).toThrow(/finite data/);
  });
});

describe('theory on the simulator record grid', () => {
  it('resamples exactly at solver steps and log-log in between', () => {
    const curve = { solver: 'x', steps: Float64Array.of(0, 1, 10, 100), loss: Float64Array.of(1, 1, 0.1, 0.01), lossStderr: null,
      truncationFloor: 0, diagnostics: {}, notes: [] };
    const r = resample(curve, Float64Array.of(0, 10, 31.622776601683793));
    expect(Array.from(r.loss.subarray(0, 2))).toEqual([1, 0.1]);
    expect(r.loss[2]).toBeCloseTo(10 ** -1.5, 12);
  });

  it('N = ∞ lazy ODE map on the log grid equals the closed form (γ = 0, all M modes exact)', async () => {
    const c = { ...base, steps: 3000 };
    const steps = recordStepsFor(c);
    const curve = await solveFor(c, 64, 0, 'ode-map', steps);
    const task = makeTask(c.alpha, c.beta, c.M);
    steps.forEach((t, i) => expect(Math.abs(curve.loss[i]! / lazyInfiniteLoss(task, c.eta, t) - 1)).toBeLessThan(1e-11));
  });

  it('compare: the DMFT sits within 2 SE or 2% of a 32-seed simulation after step 5 (N = 256, γ = 0.5)', async () => {
    const c = { ...base, M: 1024, N: [256], gamma: [0.5], seeds: 32 };
    const sim = await runSweep(c, { threads: 2 });
    const th = await solveFor(c, 256, 0.5, 'dmft', recordStepsFor(c));
    const { worst } = deviations([{ N: 256, gamma: 0.5, solver: 'dmft', curve: th, seconds: 0 }], sim.runs);
    const run = sim.runs[0]!;
    run.steps.forEach((t, i) => {
      if (t <= 5) return;
      const m = run.loss.mean[i]!;
      expect(Math.abs(th.loss[i]! - m)).toBeLessThanOrEqual(Math.max(2 * run.loss.stderr[i]!, 0.02 * m));
    });
    expect(Math.abs(worst[0]!.worstRel)).toBeLessThan(0.02);
  });
});
