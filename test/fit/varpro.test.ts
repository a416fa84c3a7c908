import { describe, expect, it } from 'vitest';
import { fitJointCurves } from '../../lib/fit/fitCurves.js';
import type { Curve } from '../../lib/fit/readCurves.js';
import { evaluateJoint, fitJoint } from '../../lib/fit/varpro.js';
import { Rng } from '../../lib/rng.js';
import { logSteps } from './synthetic.js';

const NS = [64, 128, 256, 512, 1024];
const truth = { E: 0.01, a: 2, x: 0.6, b: 5, y: 1.2 };
const law = (t: number, n: number): number => truth.E + truth.a * t ** -truth.x + truth.b * n ** -truth.y;

function grid(f: (t: number, n: number) => number, steps = logSteps(5, 41)): { t: number[]; n: number[]; L: number[] } {
  const t: number[] = [];
  const n: number[] = [];
  const L: number[] = [];
  for (const N of NS) for (const s of steps) { t.push(s); n.push(N); L.push(f(s, N)); }
  return { t, n, L };
}

describe('joint fit L(t, N) by variable projection', () => {
  it('recovers (E, a, b, x, y) exactly on a noise-free grid, converged, all starts agreeing', () => {
    const f = fitJoint(grid(law));
    expect(f.params.x).toBeCloseTo(truth.x, 6);
    expect(f.params.y).toBeCloseTo(truth.y, 6);
    expect(f.params.E).toBeCloseTo(truth.E, 7);
    expect(f.params.a).toBeCloseTo(truth.a, 5);
    expect(f.params.b).toBeCloseTo(truth.b, 4);
    expect(f.convergence.converged).toBe(true);
    expect(f.convergence.agreeingStarts).toBe(f.convergence.starts);
    expect(f.convergence.starts).toBe(5);
    expect(f.warnings).toEqual([]);
    expect(evaluateJoint(f, 100, 256)).toBeCloseTo(law(100, 256), 8);
  });

  it('recovers (x, y) with seed noise, and the seed-bootstrap intervals contain the truth', () => {
    const rng = new Rng(42, 0);
    const steps = logSteps(5, 31);
    const S = 12;
    const curves: Curve[] = NS.map((N) => {
      const t = Float64Array.from(steps);
      const seeds = Array.from({ length: S }, () => {
        const level = 1 + 0.03 * rng.normal();
        return Float64Array.from(steps, (s) => law(s, N) * level * (1 + 0.05 * rng.normal()));
      });
      const loss = Float64Array.from(steps, (_, i) => seeds.reduce((a, c) => a + c[i]!, 0) / S);
      return { key: { N: String(N) }, label: `N=${N}`, t, loss, stderr: null, seeds, seedNames: seeds.map((_, s) => `seed_${s}`), rowOf: [], skippedNonPositiveT: 0 };
    });
    const r = fitJointCurves(curves, (c) => Number(c.key.N), {
      window: 'auto', bootstrap: 100, level: 0.95, seed: 1, label: 'all', key: {}, joint: {},
    });
    expect(r.nValues).toEqual(NS);
    expect(r.window.tStart).toBe(10);
    expect(Math.abs(r.fit.params.x - truth.x)).toBeLessThan(0.03);
    expect(Math.abs(r.fit.params.y - truth.y)).toBeLessThan(0.05);
    const iv = r.intervals!;
    expect(iv.x.method).toBe('seeds');
    expect(iv.x.lower).toBeLessThanOrEqual(truth.x);
    expect(iv.x.upper).toBeGreaterThanOrEqual(truth.x);
    expect(iv.y.lower).toBeLessThanOrEqual(truth.y);
    expect(iv.y.upper).toBeGreaterThanOrEqual(truth.y);
    expect(iv.x.upper - iv.x.lower).toBeLessThan(0.1);
    expect(iv.x.failed).toBe(0);
    console.log(`joint noisy: x = ${r.fit.params.x.toFixed(4)} [${iv.x.lower.toFixed(4)}, ${iv.x.upper.toFixed(4)}], y = ${r.fit.params.y.toFixed(4)} [${iv.y.lower.toFixed(4)}, ${iv.y.upper.toFixed(4)}]`);
  });

  it('warns when the truth lies outside the search box', () => {
    const f = fitJoint(grid(law), { xRange: [0.1, 0.4] });
    expect(f.params.x).toBeCloseTo(0.4, 6);
    expect(f.warnings.join(' ')).toMatch(/x = 0\.4 is on the upper edge of its search box \[0\.1, 0\.4\]/);
    const g = fitJoint(grid(law), { yRange: [1.5, 3] });
    expect(g.warnings.join(' ')).toMatch(/y = 1\.5 is on the lower edge/);
  });

  it('reports an active non-negativity bound (data that would want E < 0 → E = 0)', () => {
    const f = fitJoint(grid((t, n) => -0.001 + 2 * t ** -0.6 + 5 * n ** -1.2));
    expect(f.params.E).toBe(0);
    expect(f.params.a).toBeGreaterThan(0);
    expect(f.warnings.join(' ')).toMatch(/E = 0: the non-negativity bound is active/);
  });

  it('power-mean form: q = 1 equals the additive fit; q = 2 data are recovered with q fixed or fitted', () => {
    const add = fitJoint(grid(law));
    const pm1 = fitJoint(grid(law), { form: 'power-mean', q: 1 });
    expect(pm1.params.x).toBeCloseTo(add.params.x, 5);
    expect(pm1.params.y).toBeCloseTo(add.params.y, 5);
    expect(pm1.params.b).toBeCloseTo(add.params.b, 3);
    const pmLaw = (t: number, n: number): number => 0.01 + Math.sqrt((2 * t ** -0.6) ** 2 + (5 * n ** -1.2) ** 2);
    const pm2 = fitJoint(grid(pmLaw), { form: 'power-mean', q: 2 });
    expect(pm2.params.x).toBeCloseTo(0.6, 6);
    expect(pm2.params.y).toBeCloseTo(1.2, 6);
    expect(pm2.params.b).toBeCloseTo(5, 4);
    const pmq = fitJoint(grid(pmLaw), { form: 'power-mean', q: 'fit' });
    expect(pmq.params.q!).toBeCloseTo(2, 4);
    expect(pmq.params.x).toBeCloseTo(0.6, 5);
    // The additive law cannot represent these data exactly.
    expect(fitJoint(grid(pmLaw)).rmsRelative).toBeGreaterThan(100 * pm2.rmsRelative);
  });

  it('rejects bad input', () => {
    expect(() => fitJoint({ t: [1, 2], n: [1, 1], L: [1, 1] })).toThrow(/too few/);
    expect(() => fitJoint({ t: [1, 2, 3, 4, 5, 6, 7], n: [1, 1, 1, 2, 2, 2, 2], L: [1, 1, 1, 1, -1, 1, 1] })).toThrow(/positive/);
    expect(() => fitJoint(grid(law), { xRange: [1, 0.5] })).toThrow(/lo < hi/);
  });
});
