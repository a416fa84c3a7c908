import { describe, it, expect } from 'vitest';
import { loadNative } from '../../lib/native.js';
import { simulateSeedReference } from '../../lib/reference/simulate.js';
import { maxRelDiff, smallArgs } from './helpers.js';

// Must-show 3 (SPEC 9): A(0) = √N·I, N = M, γ = 0, B = ∞ is plain linear regression: v_k(t) = w*_k (1-ηλ_k)^t.
describe('identity features reproduce linear regression exactly', () => {
  const M = 64;
  const steps = 200;
  const eta = 0.7;
  const args = smallArgs({ N: M, M, gamma: 0, init: 'identity', steps, eta, alpha: 1.5, beta: 0.7 });
  const expectedResidual = args.wstar.map((w, k) => w * (1 - eta * args.lambda[k]!) ** steps);
  const expectedLoss = Float64Array.from({ length: steps + 1 }, (_, t) =>
    args.lambda.reduce((a, l, k) => a + l * (args.wstar[k]! * (1 - eta * l) ** t) ** 2, 0));

  // v_1(t) ≈ 1e-105 is below the rounding of w*_1 - β_1, so residuals are compared relative to w*.
  const residualError = (v: Float64Array): number =>
    Math.max(...Array.from(v, (x, k) => Math.abs(x - expectedResidual[k]!) / args.wstar[k]!));

  it('native kernel', async () => {
    const r = await loadNative().simulateSeed(args).promise;
    expect(residualError(r.finalResidual)).toBeLessThan(1e-12);
    expect(maxRelDiff(r.loss, expectedLoss)).toBeLessThan(1e-11);
  });

  it('pure-TS reference', () => {
    const r = simulateSeedReference(args);
    expect(residualError(r.finalResidual)).toBeLessThan(1e-12);
    expect(maxRelDiff(r.loss, expectedLoss)).toBeLessThan(1e-11);
  });
});
