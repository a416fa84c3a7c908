// Native MLP kernels vs the pure-TS twin on the same seed (≤ 1e-10 relative), cancellation, divergence.
import { describe, expect, it } from 'vitest';
import { logGrid } from '../../lib/grid.js';
import { nativeMlp } from '../../lib/mlp/bindings.js';
import { MlpDivergedError, runMlpEnsemble, runMlpSeed, CancelledError } from '../../lib/mlp/train.js';
import { referenceNtk, referenceTrain } from '../../lib/reference/mlp.js';

const base = { width: 8, depth: 2, gamma0: 0.7, eta0: 0.5, batch: 4, steps: 40, K: 16, q: 1, grid: 64, seed: 11, stream: 3 };

describe('mlp native vs pure TS', () => {
  it('training curves agree to 1e-10 relative (depth 2 and 3, lazy-ish and rich γ0)', async () => {
    for (const over of [{}, { depth: 3, gamma0: 0.05, width: 6 }, { gamma0: 2, eta0: 0.1 }]) {
      const a = { ...base, ...over, record: logGrid(40, 10) };
      const nat = await runMlpSeed(a, 'native');
      const ref = referenceTrain(a);
      expect(nat.diverged).toBe(false);
      expect(nat.loss.length).toBe(a.record.length);
      expect(nat.loss[0]).toBeCloseTo(1, 1); // normalised target, f = 0 at t = 0 (grid estimate of unit variance)
      for (let i = 0; i < nat.loss.length; i++) {
        expect(Math.abs(nat.loss[i]! - ref.loss[i]!) / ref.loss[i]!).toBeLessThan(1e-10);
      }
      expect(nat.loss[nat.loss.length - 1]!).toBeLessThan(nat.loss[0]!);
    }
  });

  it('the layer-by-layer native NTK equals N·J Jᵀ from the explicit Jacobian (1e-10 relative)', async () => {
    for (const shape of [{ width: 8, depth: 2 }, { width: 5, depth: 3 }, { width: 6, depth: 1 }]) {
      const params = nativeMlp.init({ ...shape, seed: 4, stream: 1 });
      const n = 12;
      const K = await nativeMlp.ntk({ ...shape, params, n }).promise;
      const R = referenceNtk(shape, params, n);
      const scale = Math.max(...Array.from(R, Math.abs));
      for (let i = 0; i < n * n; i++) expect(Math.abs(K[i]! - R[i]!) / scale).toBeLessThan(1e-10);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
    }
  });

  it('symmetricEigen reconstructs the matrix and returns orthonormal vectors', async () => {
    const n = 9;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = Math.cos(i + 2 * j) + (i === j ? 3 : 0);
    const { values, vectors } = await nativeMlp.symmetricEigen({ matrix: A, n }).promise;
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let rec = 0;
        for (let k = 0; k < n; k++) rec += values[k]! * vectors[k * n + a]! * vectors[k * n + b]!;
        expect(rec).toBeCloseTo(A[a * n + b]!, 12);
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[a * n + k]! * vectors[b * n + k]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });

  it('an ensemble reports mean, std and stderr per recorded step', async () => {
    const record = logGrid(20, 6);
    const e = await runMlpEnsemble({ ...base, steps: 20, record, seeds: 3 }, { concurrency: 2 });
    expect(e.perSeed.length).toBe(3);
    for (let i = 0; i < record.length; i++) {
      const m = (e.perSeed[0]![i]! + e.perSeed[1]![i]! + e.perSeed[2]![i]!) / 3;
      expect(e.stats.mean[i]).toBeCloseTo(m, 14);
      expect(e.stats.stderr[i]!).toBeCloseTo(e.stats.std[i]! / Math.sqrt(3), 14);
    }
    expect(e.perSeed[0]![record.length - 1]).not.toBe(e.perSeed[1]![record.length - 1]);
  });

  it('a too-large learning rate is detected as divergence with advice to lower it', async () => {
    const record = logGrid(200, 20);
    const err = await runMlpEnsemble({ ...base, width: 32, gamma0: 1, eta0: 200, steps: 200, record, seeds: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlpDivergedError);
    expect((err as Error).message).toMatch(/diverged at step \d+ .*use a smaller learning rate, e\.g\. --lr 50/);
  });

  it('an AbortSignal cancels a native run', async () => {
    const ctrl = new AbortController();
    const p = runMlpSeed({ ...base, width: 64, steps: 1e7, record: new Float64Array([0, 1e7]) }, 'native', ctrl.signal);
    setTimeout(() => ctrl.abort(), 100);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});
