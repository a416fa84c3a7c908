import { describe, it, expect } from 'vitest';
import { loadNative } from '../../lib/native.js';
import { simulateSeedReference } from '../../lib/reference/simulate.js';
import type { SeedKernelArgs } from '../../lib/simulate/types.js';
import { maxRelDiff, smallArgs } from './helpers.js';

// The native fast paths (docs/performance.md) against the reference paths: the fused single pass over A(0) with
// several slabs, float32 against float64, and batched γ-lanes against separate seeds.
const native = loadNative();

describe('fused pass over A(0), several slabs (blockModes = 8 of M = 40) vs the pure-TS reference', () => {
  const cases: Array<[string, Partial<SeedKernelArgs>]> = [];
  for (const gamma of [0, 0.5]) {
    cases.push([`projected γ=${gamma} B=∞`, { gamma }]);
    cases.push([`projected γ=${gamma} B=8 exact`, { gamma, batch: 8, sampler: 'exact' }]);
    cases.push([`projected γ=${gamma} B=8 explicit`, { gamma, batch: 8, sampler: 'explicit' }]);
    cases.push([`unprojected γ=${gamma} B=∞`, { model: 'unprojected', gamma }]);
    cases.push([`unprojected γ=${gamma} B=8 exact`, { model: 'unprojected', gamma, batch: 8, sampler: 'exact' }]);
  }
  it.each(cases)('%s agrees to 1e-10', async (_name, over) => {
    for (const blockModes of [8, 13]) {
      const args = smallArgs({ ...over, N: 12, M: 40, steps: 80, blockModes });
      const ref = simulateSeedReference(args);
      const nat = await native.simulateSeed(args).promise;
      expect(nat.stepsDone).toBe(80);
      expect(maxRelDiff(nat.loss, ref.loss)).toBeLessThanOrEqual(1e-10);
      expect(maxRelDiff(nat.finalResidual, ref.finalResidual)).toBeLessThanOrEqual(1e-9);
      expect(ref.loss[80]!).toBeLessThan(0.9 * ref.loss[0]!);
    }
  });

  it('chunked runs through the fused pass resume exactly (the RNG is not advanced by a step that is not taken)', async () => {
    const args = smallArgs({ N: 12, M: 40, steps: 60, batch: 8, sampler: 'exact', blockModes: 8 });
    const full = await native.simulateSeed(args).promise;
    const first = await native.simulateSeed({ ...args, stopAt: 25, wantState: true }).promise;
    const rest = await native.simulateSeed({ ...args, startState: first.state!, wantState: true }).promise;
    expect(Array.from([...first.loss, ...rest.loss])).toEqual(Array.from(full.loss));
  });
});

// Float32 tolerance: the loss of a float32 run stays within FLOAT32_LOSS_TOL (relative) of the float64 run with
// the same seed over the whole run (measured: ~1e-6 on these sizes; docs/performance.md has the bench figures).
const FLOAT32_LOSS_TOL = 1e-4;

describe('precision: float32 vs float64 (same seed)', () => {
  const cases: Array<[string, Partial<SeedKernelArgs>]> = [
    ['projected γ=1 B=∞', { gamma: 1 }],
    ['projected γ=1 B=16 exact', { gamma: 1, batch: 16, sampler: 'exact' }],
    ['projected γ=1 B=16 explicit', { gamma: 1, batch: 16, sampler: 'explicit' }],
    ['projected γ=0 P=100 B=16', { gamma: 0, batch: 16, data: 100 }],
    ['unprojected γ=1 B=∞', { model: 'unprojected', gamma: 1 }],
    ['unprojected γ=1 B=16 exact', { model: 'unprojected', gamma: 1, batch: 16, sampler: 'exact' }],
  ];
  it.each(cases)(`%s: relative loss difference ≤ ${FLOAT32_LOSS_TOL}`, async (_name, over) => {
    const args = smallArgs({ ...over, N: 64, M: 256, steps: 300, eta: 0.2 });
    const f64 = await native.simulateSeed(args).promise;
    const f32 = await native.simulateSeed({ ...args, precision: 'float32' }).promise;
    expect(f32.stepsDone).toBe(300);
    expect(maxRelDiff(f32.loss, f64.loss)).toBeLessThanOrEqual(FLOAT32_LOSS_TOL);
    // ... and the float64 run is the reference's to 1e-10, so float32 is within the same tolerance of the reference.
    expect(f64.loss[300]!).toBeLessThan(0.5 * f64.loss[0]!);
  });

  it('rejects an unknown precision', () => {
    expect(() => native.simulateSeed({ ...smallArgs(), precision: 'float16' as never })).toThrow(/precision/);
  });
});

describe('simulateBatch: γ-lanes sharing A(0) vs separate seeds', () => {
  const gammas = Float64Array.of(0, 0.25, 1);
  const cases: Array<[string, Partial<SeedKernelArgs>]> = [
    ['B=∞', {}],
    ['B=8 exact', { batch: 8, sampler: 'exact' }],
    ['B=8 explicit', { batch: 8, sampler: 'explicit' }],
    ['B=8 exact, float32', { batch: 8, sampler: 'exact', precision: 'float32' }],
  ];
  it.each(cases)('%s: every lane equals its own seed to 1e-10 (float32: to float32 rounding)', async (_name, over) => {
    for (const blockModes of [undefined, 8]) {
      const args = smallArgs({ ...over, N: 12, M: 40, steps: 80, ...(blockModes ? { blockModes } : {}) });
      const lanes = await native.simulateBatch({ ...args, gammas }).promise;
      expect(lanes.length).toBe(3);
      const tol = over.precision === 'float32' ? 1e-4 : 1e-10;
      for (const [j, g] of Array.from(gammas).entries()) {
        const single = await native.simulateSeed({ ...args, gamma: g }).promise;
        const lane = lanes[j]!;
        expect(lane.stepsDone).toBe(80);
        expect(lane.diverged).toBe(false);
        expect(maxRelDiff(lane.loss, single.loss)).toBeLessThanOrEqual(tol);
        expect(maxRelDiff(lane.finalResidual, single.finalResidual)).toBeLessThanOrEqual(tol * 10);
      }
    }
  });

  it('a diverging lane is reported and stopped; the other lanes are unaffected', async () => {
    const args = smallArgs({ N: 12, M: 40, steps: 200, eta: 1.9 });
    const lanes = await native.simulateBatch({ ...args, gammas: Float64Array.of(0, 50) }).promise;
    const lazy = await native.simulateSeed({ ...args, gamma: 0 }).promise;
    const rich = await native.simulateSeed({ ...args, gamma: 50 }).promise;
    expect(rich.diverged).toBe(true);
    expect(lanes[1]!.diverged).toBe(true);
    expect(lanes[1]!.divergedAt).toBe(rich.divergedAt);
    expect(lanes[0]!.diverged).toBe(lazy.diverged);
    expect(maxRelDiff(lanes[0]!.loss, lazy.loss)).toBeLessThanOrEqual(1e-10);
  });

  it('refuses what it does not support, naming the field', () => {
    const args = smallArgs();
    expect(() => native.simulateBatch({ ...args, gammas: new Float64Array(0) })).toThrow(/gammas/);
    expect(() => native.simulateBatch({ ...args, model: 'unprojected', gammas: Float64Array.of(1) })).toThrow(/projected/);
    expect(() => native.simulateBatch({ ...args, data: 10, gammas: Float64Array.of(1) })).toThrow(/data/);
    expect(() => native.simulateBatch({ ...args, wantState: true, gammas: Float64Array.of(1) })).toThrow(/chunked/);
  });
});
