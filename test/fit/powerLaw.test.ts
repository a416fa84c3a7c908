import { describe, expect, it } from 'vitest';
import { fitPowerLaw, logSpacingWeights, RangeFitter } from '../../lib/fit/powerLaw.js';
import { logSteps } from './synthetic.js';

describe('power-law fit (weighted LS of ln L on ln t)', () => {
  it('recovers exponent and prefactor exactly on a noise-free power law', () => {
    const t = logSteps(5, 50);
    const L = t.map((v) => 3 * v ** -0.37);
    const f = fitPowerLaw(t, L);
    expect(f.exponent).toBeCloseTo(0.37, 12);
    expect(f.prefactor).toBeCloseTo(3, 10);
    expect(f.rmsResidual).toBeLessThan(1e-12);
    expect(f.points).toBe(t.length);
  });

  it('log-spacing weights make a linear grid count each decade equally', () => {
    // Curve with slope 1 on [1, 10] and slope 0.5 on [10, 1000]: a uniform-in-ln-t fit gives a value between;
    // unweighted LS on every step would be dominated by the last decade.
    const t = Array.from({ length: 1000 }, (_, i) => i + 1);
    const L = t.map((v) => (v <= 10 ? v ** -1 : 0.1 * (v / 10) ** -0.5));
    const w = logSpacingWeights(t);
    const weighted = fitPowerLaw(t, L, w).exponent;
    const unweighted = fitPowerLaw(t, L, new Float64Array(t.length).fill(1)).exponent;
    expect(unweighted).toBeLessThan(0.53);
    expect(weighted).toBeGreaterThan(0.6);
    // Matches the fit on a log grid over the same range.
    const tl = logSteps(3, 200).map(Number);
    const Ll = tl.map((v) => (v <= 10 ? v ** -1 : 0.1 * (v / 10) ** -0.5));
    expect(Math.abs(weighted - fitPowerLaw(tl, Ll).exponent)).toBeLessThan(0.02);
  });

  it('RangeFitter gives the same fits as fitPowerLaw on every sub-range', () => {
    const t = logSteps(4, 30);
    const L = t.map((v, i) => v ** -0.6 * (1 + 0.05 * Math.sin(i)));
    const w = logSpacingWeights(t);
    const rf = new RangeFitter(t, L, w);
    for (const [i, j] of [[0, t.length - 1], [3, 17], [10, t.length - 2]] as const) {
      const a = rf.fit(i, j);
      const b = fitPowerLaw(t.slice(i, j + 1), L.slice(i, j + 1), w.slice(i, j + 1));
      expect(a.exponent).toBeCloseTo(b.exponent, 10);
      expect(a.rms).toBeCloseTo(b.rmsResidual, 7);
    }
  });

  it('rejects non-positive values', () => {
    expect(() => fitPowerLaw([1, 2, 3], [1, -1, 0.5])).toThrow(/positive/);
  });
});
