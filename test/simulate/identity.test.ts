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

  it('native kernel', async () => {
    const r = await loadNative().simulateSeed(args).promise;
    expect(maxRelDiff(r.finalResidual, expectedResidual)).toBeLessThan(1e-11);
    expect(maxRelDiff(r.loss, expectedLoss)).toBeLessThan(1e-11);
  });

  it('pure-TS reference', () => {
    const r = simulateSeedReference(args);
    expect(maxRelDiff(r.finalResidual, expectedResidual)).toBeLessThan(1e-11);
    expect(maxRelDiff(r.loss, expectedLoss)).toBeLessThan(1e-11);
  });
});
