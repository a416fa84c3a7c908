import { everyStep } from '../../lib/grid.js';
import { makeTask } from '../../lib/task.js';
import type { SeedKernelArgs } from '../../lib/simulate/types.js';

/** Kernel arguments for a small run with every step recorded; override any field. */
export function smallArgs(over: Partial<SeedKernelArgs> & { alpha?: number; beta?: number } = {}): SeedKernelArgs {
  const { alpha = 2, beta = 0.5, ...rest } = over;
  const M = rest.M ?? 32;
  const steps = rest.steps ?? 50;
  const task = makeTask(alpha, beta, M);
  return {
    model: 'projected', N: 8, M, gamma: 0.5, eta: 0.5, batch: Infinity, data: Infinity,
    sampler: 'explicit', init: 'gaussian', steps, recordSteps: everyStep(steps),
    lambda: task.lambda, wstar: task.wstar, seed: 42, stream: 0, wantFinal: true,
    ...rest,
  };
}

/** max_i |a_i - b_i| / max(|b_i|, tiny). */
export function maxRelDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}
