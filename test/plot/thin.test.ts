import { describe, expect, it } from 'vitest';
import { lossPlotSpec, MAX_PLOT_POINTS, renderSvg, thinIndices, thinSeries } from '../../lib/plot/index.js';

/** Points of the polyline(s) of series `i` in an SVG. */
function linePoints(svg: string, i: number): number {
  const m = new RegExp(`class="line" data-series="${i}" d="([^"]*)"`).exec(svg);
  return m ? (m[1]!.match(/[ML]/g) ?? []).length : 0;
}

describe('thinning long series', () => {
  it('keeps short series as they are', () => {
    expect(thinIndices(Float64Array.from({ length: MAX_PLOT_POINTS }, (_, i) => i), true)).toBeNull();
    const s = { label: 'a', x: [1, 2, 3], y: [1, 2, 3] };
    expect(thinSeries(s, true, true)).toBe(s);
  });

  it('10^6 steps: at most MAX_PLOT_POINTS points, first and last kept, spread evenly in log x', () => {
    const n = 1_000_001;
    const x = Float64Array.from({ length: n }, (_, i) => i); // step 0 cannot be drawn on a log axis
    const idx = thinIndices(x, true)!;
    expect(idx.length).toBeLessThanOrEqual(MAX_PLOT_POINTS);
    expect(idx.length).toBeGreaterThan(MAX_PLOT_POINTS / 2);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(n - 1);
    expect(idx).toContain(1);
    // Even in log10 x: every decade gets about the same number of points (once the steps are dense enough).
    const inDecade = (k: number): number => idx.filter((i) => i >= 10 ** k && i < 10 ** (k + 1)).length;
    expect(Math.abs(inDecade(4) - inDecade(5))).toBeLessThanOrEqual(2);
    expect(inDecade(5)).toBeGreaterThan(300);
    // Strictly increasing (aligned picks).
    for (let k = 1; k < idx.length; k++) expect(idx[k]! > idx[k - 1]!).toBe(true);
  });

  it('linear x: evenly in x', () => {
    const x = Float64Array.from({ length: 100_000 }, (_, i) => i);
    const idx = thinIndices(x, false, 101)!;
    expect(idx.length).toBeLessThanOrEqual(101);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(99_999);
    const gaps = idx.slice(1).map((v, k) => v - idx[k]!);
    expect(Math.max(...gaps) - Math.min(...gaps.slice(0, -1))).toBeLessThanOrEqual(2);
  });

  it('band columns stay aligned with x and y', () => {
    const n = 50_000;
    const x = Float64Array.from({ length: n }, (_, i) => i + 1);
    const y = x.map((t) => 1 / t);
    const s = thinSeries({ label: 'a', x, y, lower: y.map((v) => 0.9 * v), upper: y.map((v) => 1.1 * v) }, true, true, 500);
    expect(s.x.length).toBeLessThanOrEqual(500);
    expect(s.y.length).toBe(s.x.length);
    expect(s.lower!.length).toBe(s.x.length);
    expect(s.upper!.length).toBe(s.x.length);
    for (let i = 0; i < s.x.length; i++) {
      expect(s.y[i]).toBe(1 / s.x[i]!);
      expect(s.lower![i]).toBe(0.9 * (1 / s.x[i]!));
      expect(s.upper![i]).toBe(1.1 * (1 / s.x[i]!));
    }
  });

  it('keeps gaps (undrawable points) as gaps', () => {
    const n = 20_000;
    const x = Float64Array.from({ length: n }, (_, i) => i + 1);
    const y = x.map((t) => (t > 5000 && t < 6000 ? NaN : 1 / t));
    const s = thinSeries({ label: 'a', x, y }, false, true, 200);
    const nanAt = Array.from(s.y).findIndex((v) => Number.isNaN(v));
    expect(nanAt).toBeGreaterThan(0);
    expect(s.x[nanAt - 1]).toBe(5000); // the segment before the gap ends at its last point
    expect(s.x.length).toBeLessThanOrEqual(210);
  });

  it('unsorted x falls back to evenly spaced indices', () => {
    const x = Float64Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000 + 1);
    const idx = thinIndices(x, true, 100)!;
    expect(idx.length).toBeLessThanOrEqual(100);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(9999);
  });

  it('a loss plot of 10^6 recorded steps stays small and quick', () => {
    const n = 1_000_001;
    const steps = Float64Array.from({ length: n }, (_, i) => i);
    const curve = (label: string, b: number) => {
      const mean = steps.map((t) => Math.max(t, 1) ** -b);
      return { label, steps, mean, stderr: mean.map((m) => 0.01 * m) };
    };
    const t0 = performance.now();
    const svg = renderSvg(lossPlotSpec({ title: 't', curves: [curve('a', 0.5), curve('b', 0.7)] }));
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(svg.length).toBeLessThan(500_000);
    expect(linePoints(svg, 0)).toBeGreaterThan(100);
    expect(linePoints(svg, 0)).toBeLessThanOrEqual(MAX_PLOT_POINTS);
    expect(svg).toContain('class="band"');
  });
});
