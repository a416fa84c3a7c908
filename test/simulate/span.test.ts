import { describe, it, expect } from 'vitest';
import { loadNative } from '../../lib/native.js';
import { simulateSeedReference } from '../../lib/reference/simulate.js';
import type { SeedKernelArgs } from '../../lib/simulate/types.js';
import { maxRelDiff, smallArgs } from './helpers.js';
import { runSweep, type ResolvedSimulateConfig } from '../../lib/simulate/sweep.js';

// Sampler 'span' (native/simulate/span_model.h, lib/reference/span.ts): the projected step computed in the span of
// A(0)'s N features, O(N²) a step.
describe("sampler 'span'", () => {
  const native = loadNative();

  it.each([0, 0.5])('B = ∞, γ = %s: equals the M-space kernel (pure-TS reference and native) to 1e-10', async (gamma) => {
    const args = smallArgs({ N: 12, M: 40, steps: 120, gamma });
    const modes = simulateSeedReference(args);
    const modesNative = await native.simulateSeed(args).promise;
    const span = await native.simulateSeed({ ...args, sampler: 'span' }).promise;
    const spanTs = simulateSeedReference({ ...args, sampler: 'span' });
    expect(span.stepsDone).toBe(120);
    expect(maxRelDiff(span.loss, modes.loss)).toBeLessThanOrEqual(1e-10);
    expect(maxRelDiff(span.loss, modesNative.loss)).toBeLessThanOrEqual(1e-10);
    expect(maxRelDiff(spanTs.loss, modes.loss)).toBeLessThanOrEqual(1e-10);
    expect(maxRelDiff(span.finalResidual, modes.finalResidual)).toBeLessThanOrEqual(1e-9);
    expect(modes.loss[120]!).toBeLessThan(0.5 * modes.loss[0]!);
  });

  it.each([0, 0.5, 2])('B = 8, γ = %s: native equals its pure-TS twin on the same seed to 1e-10', async (gamma) => {
    const args = smallArgs({ N: 12, M: 40, steps: 100, gamma, batch: 8, eta: 0.3, sampler: 'span' });
    const ref = simulateSeedReference(args);
    const nat = await native.simulateSeed(args).promise;
    expect(ref.diverged).toBe(false);
    expect(nat.stepsDone).toBe(100);
    expect(maxRelDiff(nat.loss, ref.loss)).toBeLessThanOrEqual(1e-10);
    expect(maxRelDiff(nat.finalResidual, ref.finalResidual)).toBeLessThanOrEqual(1e-9);
    expect(ref.loss[100]!).toBeLessThan(0.9 * ref.loss[0]!);
    // It is random: another stream gives another curve.
    const other = await native.simulateSeed({ ...args, stream: 1 }).promise;
    expect(maxRelDiff(other.loss, nat.loss)).toBeGreaterThan(1e-6);
  });

  it('chunked runs through the span kernel resume to the identical curve', async () => {
    const args = smallArgs({ N: 16, M: 64, steps: 60, gamma: 1, batch: 4, sampler: 'span' });
    const whole = await native.simulateSeed(args).promise;
    const first = await native.simulateSeed({ ...args, stopAt: 25, wantState: true }).promise;
    const rest = await native.simulateSeed({ ...args, startState: first.state! }).promise;
    expect(Array.from(first.loss).concat(Array.from(rest.loss))).toEqual(Array.from(whole.loss));
    expect(Array.from(rest.finalResidual)).toEqual(Array.from(whole.finalResidual));
  });

  // Same distribution as the M-space exact sampler. The SGD excess D(t) = L_B(t) - L_∞(t) of each seed (the B = ∞
  // run on the same stream has the same A(0)) removes the A(0)-to-A(0) scatter; its seed-mean must agree between
  // the two samplers within 4 standard errors at every checked step. (A 15% error in the noise amplitude of the
  // span sampler gives |z| ≈ 7 at t = 30 with these sizes; the correct one |z| ≲ 1.)
  it('has the distribution of the exact M-space sampler (2 × 3000 seeds, B = 3, γ = 1)', async () => {
    const seeds = 3000, steps = 30, at = [1, 2, 5, 30];
    const base = smallArgs({ N: 10, M: 30, steps, gamma: 1, batch: 3, eta: 0.2, wantFinal: false });
    const excess = async (sampler: SeedKernelArgs['sampler']): Promise<number[][]> => {
      const out: number[][] = at.map(() => []);
      for (let s = 0; s < seeds; s++) {
        const r = await native.simulateSeed({ ...base, sampler, stream: s }).promise;
        const pop = await native.simulateSeed({ ...base, batch: Infinity, stream: s }).promise;
        expect(r.diverged).toBe(false);
        at.forEach((t, i) => out[i]!.push(r.loss[t]! - pop.loss[t]!));
      }
      return out;
    };
    const [span, exact] = [await excess('span'), await excess('exact')];
    const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
    const vari = (x: number[]): number => { const m = mean(x); return x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1); };
    for (let i = 0; i < at.length; i++) {
      const a = span[i]!, b = exact[i]!;
      expect(Math.abs(mean(a) - mean(b)) / Math.sqrt((vari(a) + vari(b)) / seeds)).toBeLessThan(4);
      // The excess is real (the check is not between two zero curves).
      expect(mean(a) / Math.sqrt(vari(a) / seeds)).toBeGreaterThan(5);
    }
  });

  it('refuses what it cannot do, naming the reason (native and pure TS)', () => {
    const args = smallArgs({ N: 12, M: 40, sampler: 'span', batch: 4 });
    const bad: Array<[Partial<SeedKernelArgs>, RegExp]> = [
      [{ model: 'unprojected' }, /projected/],
      [{ data: 20 }, /data/],
      [{ precision: 'float32' }, /float64/],
      [{ M: 12, lambda: args.lambda.slice(0, 12), wstar: args.wstar.slice(0, 12) }, /M > N/],
      [{ init: 'identity', N: 40 }, /gaussian|identity/],
    ];
    for (const [over, re] of bad) {
      expect(() => native.simulateSeed({ ...args, ...over })).toThrow(re);
      if (over.precision === undefined && over.init === undefined) expect(() => simulateSeedReference({ ...args, ...over })).toThrow(re);
    }
    expect(() => native.simulateBatch({ ...args, gammas: Float64Array.of(0, 1) })).toThrow(/span/);
  });

  it('sweeps pick it automatically at B = ∞ (same curves as the pure-TS M-space reference), never at finite B', async () => {
    const cfg: ResolvedSimulateConfig = {
      alpha: 2, beta: 0.5, M: 96, N: [16, 32], gamma: [0, 1], eta: 0.25, batch: Infinity, data: Infinity,
      model: 'projected', sampler: 'exact', init: 'gaussian', steps: 200, record: 'log', recordPoints: 30,
      seeds: 2, seed: 5, perSeed: true,
    };
    const nat = await runSweep(cfg, { threads: 1 });
    const ref = await runSweep(cfg, { threads: 1, backend: 'reference' });
    expect(nat.runs.map((r) => r.kernel)).toEqual(['span', 'span', 'span', 'span']);
    expect(ref.runs.map((r) => r.kernel)).toEqual(['modes', 'modes', 'modes', 'modes']);
    nat.runs.forEach((r, i) => r.perSeedLoss.forEach((l, s) => expect(maxRelDiff(l, ref.runs[i]!.perSeedLoss[s]!)).toBeLessThanOrEqual(1e-10)));
    const finite = await runSweep({ ...cfg, batch: 8, N: [16], gamma: [1] }, { threads: 1 });
    expect(finite.runs[0]!.kernel).toBe('modes');
    const short = await runSweep({ ...cfg, steps: 20, N: [16], gamma: [1] }, { threads: 1 });
    expect(short.runs[0]!.kernel).toBe('modes');
  });
});
