/**
 * method 'fast' of the rich gradient-flow ODE (lib/theory/ode.ts; native/theory/ode.cc RunFlowFast; SPEC 3.2
 * "treated to first order", SPEC 3.3, 8.2): Galerkin deflation of the untouched tail. Checked against the
 * reference method 'eig' (every bin in every step) on the bench workload (bench/simulate.ts ODE_PARAMS) and on
 * β ∈ {0.4, 1.2} × γ ∈ {0, 0.5, 2}, and against its pure-TS twin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNative, nativeFunction } from '../../lib/native.js';
import { logSlope, solveRichOde, type RichOdeParams } from '../../lib/theory/ode.js';
import type { TheoryCurve } from '../../lib/theory/types.js';
import { maxRelDiff as maxRel } from '../simulate/helpers.js';

beforeAll(() => {
  loadNative().setNumThreads(1);
});


/** The bench workload of bench/simulate.ts (case 'ode'): ~500 bins, 322 grid points to t = 1e6. */
const BENCH: RichOdeParams = {
  alpha: 2, beta: 0.4, eta: 0.25, gamma: 0.5, M: 1e12, form: 'flow', exactModes: 100, binsPerDecade: 40, tMax: 1e6,
};

interface Cmp { lossRel: number; slope45: number; slope56: number; fast: TheoryCurve; eig: TheoryCurve }

async function compare(p: RichOdeParams): Promise<Cmp> {
  const eig = await solveRichOde({ ...p, method: 'eig' });
  const fast = await solveRichOde({ ...p, method: 'fast' });
  expect(fast.steps).toEqual(eig.steps);
  return {
    lossRel: maxRel(fast.loss, eig.loss),
    slope45: Math.abs(logSlope(fast, 1e4, 1e5) - logSlope(eig, 1e4, 1e5)),
    slope56: Math.abs(logSlope(fast, 1e5, 1e6) - logSlope(eig, 1e5, 1e6)),
    fast, eig,
  };
}

describe("method 'fast' vs the reference 'eig' (bench workload: α = 2, η = 0.25, M = 1e12, 500 bins, t ≤ 1e6)", () => {
  for (const beta of [0.4, 1.2]) {
    for (const gamma of [0, 0.5, 2]) {
      it(`β = ${beta}, γ = ${gamma}: loss within 1e-4 at every grid point, slopes over [1e4,1e5] and [1e5,1e6] within 3e-4`, async () => {
        const r = await compare({ ...BENCH, beta, gamma });
        console.log(`fast vs eig β = ${beta}, γ = ${gamma}: max rel loss ${r.lossRel.toExponential(2)}, `
          + `Δslope [1e4,1e5] ${r.slope45.toExponential(2)}, [1e5,1e6] ${r.slope56.toExponential(2)}; `
          + `matrix dim ${r.fast.diagnostics.maxMatrixDim} vs ${r.eig.diagnostics.maxMatrixDim}; `
          + `${Number(r.fast.diagnostics.seconds).toFixed(2)} s vs ${Number(r.eig.diagnostics.seconds).toFixed(2)} s (1 thread)`);
        expect(r.lossRel).toBeLessThan(1e-4);
        expect(r.slope45).toBeLessThan(3e-4);
        expect(r.slope56).toBeLessThan(3e-4);
        if (gamma === 0) {
          expect(r.lossRel).toBe(0); // both are the closed form
        } else {
          expect(r.fast.diagnostics.method).toBe('fast');
          expect(r.eig.diagnostics.method).toBe('eig');
          expect(Number(r.fast.diagnostics.maxMatrixDim)).toBeLessThan(0.55 * Number(r.eig.diagnostics.maxMatrixDim));
          // the rich curve is far from the lazy one: the comparison is not vacuous
          const lazy = await solveRichOde({ ...BENCH, beta, gamma: 0 });
          expect(r.eig.loss.at(-1)! / lazy.loss.at(-1)!).toBeLessThan(0.9);
        }
      }, 600_000);
    }
  }

  it('the error is second order in deflationTol: a coarse tol (1e-2) fails the 1e-4 bound, 3e-4 is ~10× below 1e-3', async () => {
    const eig = await solveRichOde({ ...BENCH, method: 'eig' });
    const errs: number[] = [];
    for (const deflationTol of [1e-2, 1e-3, 3e-4]) {
      const f = await solveRichOde({ ...BENCH, deflationTol });
      errs.push(maxRel(f.loss, eig.loss));
    }
    console.log(`fast vs eig, bench workload, deflationTol 1e-2 / 1e-3 / 3e-4: ${errs.map((e) => e.toExponential(2)).join(' / ')}`);
    expect(errs[0]!).toBeGreaterThan(1e-4);
    expect(errs[1]!).toBeLessThan(1e-4);
    expect(errs[1]! / errs[2]!).toBeGreaterThan(5); // ∝ tol² would be 11×
  }, 600_000);
});

describe("method 'fast': native kernel = pure-TS twin", () => {
  const cases: Array<[string, RichOdeParams]> = [
    ['γ = 0.5, binned modes, tail never empties', {
      alpha: 2, beta: 0.4, gamma: 0.5, eta: 0.1, M: 1e6, form: 'flow', tMax: 1000, exactModes: 12, binsPerDecade: 4, pointsPerDecade: 10,
    }],
    ['γ = 2, β = 1.2, coarse tol (many activations)', {
      alpha: 2, beta: 1.2, gamma: 2, eta: 0.25, M: 1e8, form: 'flow', tMax: 1e4, exactModes: 8, binsPerDecade: 5, pointsPerDecade: 8, deflationTol: 0.05,
    }],
    ['γ = 1, M = 40 exact modes: the tail empties (all modes active)', {
      alpha: 1.5, beta: 0.6, gamma: 1, eta: 0.5, M: 40, form: 'flow', tMax: 300, exactModes: 40, pointsPerDecade: 6,
    }],
  ];
  for (const [name, p] of cases) {
    it(`${name}: to 1e-10`, async () => {
      const nat = await solveRichOde(p);
      const ref = await solveRichOde(p, { backend: 'reference' });
      expect(nat.steps).toEqual(ref.steps);
      expect(maxRel(nat.loss, ref.loss)).toBeLessThan(1e-10);
      expect(nat.diagnostics.maxMatrixDim).toBe(ref.diagnostics.maxMatrixDim);
      expect(nat.loss.at(-1)!).toBeLessThan(0.5 * nat.loss[0]!);
      const eig = await solveRichOde({ ...p, method: 'eig' });
      expect(maxRel(nat.loss, eig.loss)).toBeLessThan(p.deflationTol ? 5e-2 : 1e-4);
    });
  }

  it('runs its small BLAS calls on one thread and restores the requested thread count (also one set meanwhile)', async () => {
    const native = loadNative();
    const p: RichOdeParams = { ...BENCH, tMax: 1e4 };
    try {
      native.setNumThreads(2);
      const twoThreads = await solveRichOde(p);
      expect(native.getNumThreads()).toBe(2);
      native.setNumThreads(1);
      const oneThread = await solveRichOde(p);
      expect(Array.from(twoThreads.loss)).toEqual(Array.from(oneThread.loss)); // d < 256 throughout: same calls
      native.setNumThreads(2);
      const job = solveRichOde({ ...BENCH, tMax: 1e6 });
      native.setNumThreads(1); // requested while the solve holds OpenBLAS at one thread
      await job;
      expect(native.getNumThreads()).toBe(1);
    } finally {
      native.setNumThreads(1);
    }
  });

  it('rejects a bad method or deflationTol; the native boundary too', async () => {
    const ok = { ...BENCH, tMax: 10 };
    await expect(solveRichOde({ ...ok, method: 'qr' as 'eig' })).rejects.toThrow(/method must be 'fast' or 'eig'/);
    await expect(solveRichOde({ ...ok, deflationTol: 0 })).rejects.toThrow(/deflationTol must be > 0/);
    const odeRich = nativeFunction<(a: unknown) => unknown>('odeRich');
    const good = { form: 'flow', gamma: 0.5, eta: 0.5, lambda: Float64Array.of(1, 0.25), wstar: Float64Array.of(1, 1), mult: Float64Array.of(1, 1), times: Float64Array.of(0, 1, 2) };
    expect(() => odeRich({ ...good, method: 'qr' })).toThrow(/odeRich: method must be 'fast' \| 'eig'/);
    expect(() => odeRich({ ...good, deflationTol: -1 })).toThrow(/odeRich: deflationTol must be a finite number > 0/);
  });
});
