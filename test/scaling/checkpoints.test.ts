import { describe, it, expect } from 'vitest';
import { computeOptimal, hardComputeGain } from '../../lib/scaling/computeOptimal.js';
import { fourTermLoss, modelSizeExponent, timeExponent } from '../../lib/scaling/exponents.js';
import { fromPaquette, toPaquette } from '../../lib/scaling/paquette.js';
import { classifyTask, superEasyBoundary } from '../../lib/scaling/regimes.js';
import { regimeReport } from '../../lib/scaling/report.js';

// SPEC section 6, numeric checkpoints 1–3, and the closed forms of SPEC 4.
describe('SPEC 6.1: time exponents χ(β)', () => {
  it.each([
    [0.5, 0.5, 2 / 3],
    [0.2, 0.2, 1 / 3],
    [0.1, 0.1, 0.1818],
    [0.075, 0.075, 0.1395],
  ])('β = %f: lazy %f, rich %f', (beta, lazy, rich) => {
    expect(timeExponent(beta, 'lazy')).toBeCloseTo(lazy, 12);
    expect(timeExponent(beta, 'rich')).toBeCloseTo(rich, 4);
  });
  it('β ≥ 1: lazy = rich', () => {
    for (const beta of [1, 1.2, 1.8, 3]) expect(timeExponent(beta, 'rich')).toBe(timeExponent(beta, 'lazy'));
  });
  it('rich χ tends to 2β as β → 0 and stays ≤ 1 for β ≤ 1', () => {
    expect(timeExponent(1e-6, 'rich') / 1e-6).toBeCloseTo(2, 5);
    for (let b = 0.01; b <= 1; b += 0.01) expect(timeExponent(b, 'rich')).toBeLessThanOrEqual(1 + 1e-12);
  });
});

describe('SPEC 6.2: regime boundaries', () => {
  it('α = 2: super-easy for β > 1.5; α = 1.5: for β > 4/3', () => {
    expect(superEasyBoundary(2)).toBe(1.5);
    expect(superEasyBoundary(1.5)).toBeCloseTo(4 / 3, 14);
    expect(classifyTask(2, 1.49)).toBe('easy');
    expect(classifyTask(2, 1.51)).toBe('super-easy');
    expect(classifyTask(1.5, 1.33)).toBe('easy');
    expect(classifyTask(1.5, 1.34)).toBe('super-easy');
    expect(classifyTask(2, 0.99)).toBe('hard');
    expect(classifyTask(2, 1.01)).toBe('easy');
  });
});

describe('SPEC 6.3: compute-optimal exponents at α = 2', () => {
  it('β = 0.5: lazy L* ∝ C^-1/3, N* ∝ C^1/3; rich C^-2/5, N* ∝ C^2/5, t* ∝ C^3/5', () => {
    const lazy = computeOptimal(2, 0.5, 'lazy');
    const rich = computeOptimal(2, 0.5, 'rich');
    expect(lazy.lossExponent).toBeCloseTo(1 / 3, 14);
    expect(lazy.modelExponent).toBeCloseTo(1 / 3, 14);
    expect(rich.lossExponent).toBeCloseTo(2 / 5, 14);
    expect(rich.modelExponent).toBeCloseTo(2 / 5, 14);
    expect(rich.timeExponent).toBeCloseTo(3 / 5, 14);
  });
  it('β = 1.2: C^-12/17 in both regimes', () => {
    expect(computeOptimal(2, 1.2, 'lazy').lossExponent).toBeCloseTo(12 / 17, 14);
    expect(computeOptimal(2, 1.2, 'rich').lossExponent).toBeCloseTo(12 / 17, 14);
  });
  it('super-easy: C^-3/4, N* ∝ C^1/2', () => {
    const s = computeOptimal(2, 1.8, 'rich');
    expect(s.lossExponent).toBeCloseTo(3 / 4, 14);
    expect(s.modelExponent).toBe(0.5);
  });
  it('the hard rich row equals the SPEC 4.5 closed forms for any (α, β)', () => {
    for (const alpha of [1.2, 1.5, 2, 3]) for (const beta of [0.1, 0.4, 0.9]) {
      const r = computeOptimal(alpha, beta, 'rich');
      const d = 2 + alpha * (1 + beta);
      expect(r.modelExponent).toBeCloseTo(2 / d, 12);
      expect(r.timeExponent).toBeCloseTo((alpha * (1 + beta)) / d, 12);
      expect(r.lossExponent).toBeCloseTo((2 * alpha * beta) / d, 12);
      const chi = timeExponent(beta, 'rich');
      expect(r.lossExponent).toBeCloseTo((alpha * beta * chi) / (alpha * beta + chi), 12);
      expect(r.lossExponent / computeOptimal(alpha, beta, 'lazy').lossExponent).toBeCloseTo(hardComputeGain(alpha, beta), 12);
    }
  });
  it('the allocation balances the stated terms: L* equals both terms at the optimum', () => {
    // Hard lazy: t^-β = N^-αβ at N = C^a, t = C^(1-a); easy: t^-β = (1/N) t^-(1-1/α).
    const C = 1e12;
    const hard = computeOptimal(2, 0.5, 'lazy');
    const N = C ** hard.modelExponent;
    const t = C ** hard.timeExponent;
    expect(Math.log(t ** -0.5) / Math.log(C)).toBeCloseTo(-hard.lossExponent, 10);
    expect(Math.log(N ** -modelSizeExponent(2, 0.5)) / Math.log(C)).toBeCloseTo(-hard.lossExponent, 10);
    const easy = computeOptimal(2, 1.2, 'lazy');
    const Ne = C ** easy.modelExponent;
    const te = C ** easy.timeExponent;
    expect(Math.log(te ** -1.2) / Math.log(C)).toBeCloseTo(-easy.lossExponent, 10);
    expect(Math.log(te ** -(1 - 1 / 2) / Ne) / Math.log(C)).toBeCloseTo(-easy.lossExponent, 10);
  });
});

describe('SPEC 4.6: Paquette phases reproduce the lazy rows of 4.5', () => {
  it('maps both ways and the phase exponents equal the lazy compute-optimal ones', () => {
    for (const alpha of [1.5, 2, 3]) for (const beta of [0.3, 0.8, 1.2, 1.45, 1.9, 2.5]) {
      const p = toPaquette(alpha, beta);
      const back = fromPaquette(p.alphaP, p.betaP);
      expect(back.alpha).toBeCloseTo(alpha, 12);
      expect(back.beta).toBeCloseTo(beta, 12);
      const lazy = computeOptimal(alpha, beta, 'lazy');
      expect(p.phase).toBe({ hard: 'I', easy: 'II', 'super-easy': 'III' }[lazy.regime]);
      expect(p.modelExponent).toBeCloseTo(lazy.modelExponent, 12);
      expect(p.lossExponent).toBeCloseTo(lazy.lossExponent, 12);
    }
  });
});

describe('SPEC 4.3: the four-term loss', () => {
  it('rich reparameterises time in the transients by χ/β and leaves the bottleneck unchanged', () => {
    const base = { alpha: 2, beta: 0.5, t: 1e4, N: 256, eta: 0.5, batch: 16 };
    const lazy = fourTermLoss({ ...base, dynamics: 'lazy' });
    const rich = fourTermLoss({ ...base, dynamics: 'rich' });
    expect(rich.modelBottleneck).toBe(lazy.modelBottleneck);
    expect(rich.gradientFlow).toBeCloseTo(1e4 ** (-2 / 3), 14);
    expect(rich.finiteNTransient).toBeCloseTo(1e4 ** (-(1 - 0.5) * (4 / 3)) / 256, 14);
    expect(rich.sgdTransient).toBeCloseTo((0.5 / 16) * 1e4 ** (-(2 - 0.5) * (4 / 3)), 14);
    expect(fourTermLoss({ ...base, batch: Infinity, dynamics: 'lazy' }).sgdTransient).toBe(0);
  });
});

describe('regime report', () => {
  it('refuses α ≤ 1, β ≤ 0 and negative γ with a message naming the key', () => {
    expect(() => regimeReport(1, 0.5)).toThrow(/alpha = 1/);
    expect(() => regimeReport(2, 0)).toThrow(/beta = 0/);
    expect(() => regimeReport(2, 0.5, -1)).toThrow(/gamma = -1/);
    expect(() => regimeReport(2, NaN)).toThrow(/beta = NaN/);
  });
  it('says which column applies for a given γ', () => {
    expect(regimeReport(2, 0.5, 0).applies).toBe('lazy');
    expect(regimeReport(2, 0.5, 1).applies).toBe('rich');
    expect(regimeReport(2, 0.5, 1).crossoverStep).toBe(1);
    expect(regimeReport(2, 1.2, 1).crossoverStep).toBeNull();
  });
});
