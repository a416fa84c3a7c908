import { describe, expect, it } from 'vitest';
import { fitPowerLaw } from '../../lib/fit/powerLaw.js';
import { fixedWindow, selectWindow } from '../../lib/fit/window.js';
import { Rng } from '../../lib/rng.js';
import { logSteps, meanCurve, noisySeeds } from './synthetic.js';

const fitOn = (t: number[], L: ArrayLike<number>, i0: number, i1: number): number =>
  fitPowerLaw(t.slice(i0, i1 + 1), Array.from(L).slice(i0, i1 + 1)).exponent;

describe('automatic window selection', () => {
  const t = logSteps(6, 121);

  it('takes (nearly) the whole range of a clean power law', () => {
    const L = t.map((v) => v ** -0.5);
    const w = selectWindow(t, L);
    expect(w.rule).toBe('auto');
    expect(w.decades).toBeGreaterThan(5.5);
    expect(w.warnings).toEqual([]);
    expect(fitOn(t, L, w.i0, w.i1)).toBeCloseTo(0.5, 10);
  });

  it('ends before a late plateau dominates: L = t^-0.5 + p', () => {
    const p = 3e-3; // the plateau equals the power-law term at t = p^-2 ≈ 1.1e5
    const L = t.map((v) => v ** -0.5 + p);
    const w = selectWindow(t, L);
    // Upper end where the plateau is still a small part of the loss (≤ 10%), far before it dominates.
    expect(p / (w.tEnd ** -0.5 + p)).toBeLessThan(0.1);
    expect(w.tEnd).toBeLessThan(1.2e4);
    expect(w.decades).toBeGreaterThanOrEqual(1);
    expect(Math.abs(fitOn(t, L, w.i0, w.i1) - 0.5)).toBeLessThan(0.03);
    // The full range would be badly biased.
    expect(fitOn(t, L, 0, t.length - 1)).toBeLessThan(0.45);
  });

  it('starts after an early transient and ends before the plateau', () => {
    const p = 1e-3;
    const L = t.map((v) => v ** -0.5 * (1 + 3 * Math.exp(-v / 3)) + p);
    const w = selectWindow(t, L);
    // The transient term is ≤ 5% of the loss at the window start (3 e^{-t/3} ≤ 0.05 ⇒ t ≥ 12.3) …
    expect(3 * Math.exp(-w.tStart / 3)).toBeLessThan(0.05);
    // … and the plateau ≤ 10% at its end.
    expect(p / (w.tEnd ** -0.5 + p)).toBeLessThan(0.1);
    expect(Math.abs(fitOn(t, L, w.i0, w.i1) - 0.5)).toBeLessThan(0.03);
  });

  it('stays 10× above a supplied floor', () => {
    const floor = 1e-3;
    const L = t.map((v) => v ** -0.5 + floor);
    const w = selectWindow(t, L, { floor });
    expect(L[w.i1]!).toBeGreaterThan(10 * floor);
    expect(w.eligible!.tEnd).toBeLessThan((9 * floor) ** -2); // L = 10·floor there
  });

  it('tolerates seed noise when standard errors are given', () => {
    const rng = new Rng(3, 0);
    const tt = logSteps(4, 41);
    const seeds = noisySeeds(rng, tt, 0.6, 8, 0.2);
    const mean = meanCurve(seeds);
    const se = Float64Array.from(mean, (_, i) => {
      const v = seeds.reduce((s, c) => s + (c[i]! - mean[i]!) ** 2, 0) / 7;
      return Math.sqrt(v / 8);
    });
    const w = selectWindow(tt, mean, { stderr: se });
    expect(w.rule).toBe('auto');
    expect(w.decades).toBeGreaterThan(2.5);
    expect(Math.abs(fitOn(tt, mean, w.i0, w.i1) - 0.6)).toBeLessThan(0.03);
  });

  it('falls back to the whole curve on a short range, and warns', () => {
    const tt = [1, 2, 3, 4, 5];
    const w = selectWindow(tt, tt.map((v) => v ** -0.5));
    expect(w.rule).toBe('auto-fallback');
    expect(w.warnings.join(' ')).toMatch(/decades/);
    expect(() => selectWindow([1, 2], [1, 0.5])).toThrow(/at least 3/);
  });

  it('a fixed window takes exactly t1 ≤ t ≤ t2', () => {
    const L = t.map((v) => v ** -0.5);
    const w = fixedWindow(t, L, 10, 1000);
    expect(w.rule).toBe('fixed');
    expect(w.tStart).toBe(10);
    expect(w.tEnd).toBe(1000);
    expect(() => fixedWindow(t, L, 2e6, 3e6)).toThrow(/holds 0 points/);
  });
});
