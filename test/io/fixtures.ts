import type { ResolvedSimulateConfig, SweepResult } from '../../lib/simulate/sweep.js';
import { getPreset } from '../../lib/config/presets.js';

/** A small synthetic SweepResult: 2 runs (γ = 0, 1) × 3 recorded steps × `seeds` seeds. */
export function syntheticResult(opts: { perSeed?: boolean; finiteData?: boolean; seeds?: number } = {}): SweepResult {
  const seeds = opts.seeds ?? 2;
  const config: ResolvedSimulateConfig = {
    ...getPreset('hard'), M: 64, N: [16], gamma: [0, 1], eta: 0.5, batch: Infinity, steps: 10, seeds,
    perSeed: opts.perSeed ?? false, data: opts.finiteData ? 32 : Infinity,
  };
  const steps = Float64Array.from([0, 3, 10]);
  const runs = config.gamma.map((gamma, r) => {
    const perSeedLoss = Array.from({ length: seeds }, (_, s) => Float64Array.from([1, 0.5 / (r + 1) + s * 0.01, 0.1 / 3 + s * 1e-17]));
    const stat = (rows: Float64Array[]) => {
      const n = rows[0]!.length;
      const mean = new Float64Array(n);
      const std = new Float64Array(n);
      const stderr = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        mean[j] = rows.reduce((a, x) => a + x[j]!, 0) / rows.length;
        std[j] = 0.25 * j;
        stderr[j] = std[j]! / Math.sqrt(rows.length);
      }
      return { mean, std, stderr };
    };
    const perSeedTrainLoss = opts.finiteData ? perSeedLoss.map((x) => x.map((v) => v / 2)) : null;
    return {
      N: 16, gamma, steps, loss: stat(perSeedLoss), trainLoss: perSeedTrainLoss ? stat(perSeedTrainLoss) : null,
      perSeedLoss, perSeedTrainLoss, flops: 1000 * (r + 1), seconds: 0.5,
    };
  });
  return {
    config, runs, truncationFloor: 0.0155, initialLoss: 1, flops: 3000, seconds: 1.25,
    backend: 'reference', blas: null, concurrency: 1,
  };
}
