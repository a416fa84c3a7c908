/**
 * Thinning of long series before drawing: a curve recorded at every one of 10^6 steps would otherwise put
 * every point into the SVG (and the PNG renderer). At most about MAX_PLOT_POINTS points of a series are kept:
 * the first and the last, and the first point in each of equal-width bins of x (of log10 x on a log axis), so
 * kept points are spread evenly along the axis as drawn. Gaps (points that cannot be drawn) are kept as gaps.
 * The band columns (lower, upper) are thinned with the same indices, so they stay aligned with x and y.
 */
import type { NumericArray, Series } from './types.js';

export const MAX_PLOT_POINTS = 2000;

function evenIndices(n: number, max: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < max; j++) {
    const i = Math.round((j * (n - 1)) / (max - 1));
    if (out[out.length - 1] !== i) out.push(i);
  }
  return out;
}

/**
 * Indices of the points to draw, ascending, or null when all `x.length` points are kept (n ≤ max).
 * `valid(i)` says whether point i can be drawn (default: x is finite, and positive on a log axis).
 */
export function thinIndices(
  x: NumericArray, logX: boolean, max: number = MAX_PLOT_POINTS, valid?: (i: number) => boolean,
): number[] | null {
  const n = x.length;
  if (max < 3) throw new RangeError(`thinIndices: max must be ≥ 3, got ${max}`);
  if (n <= max) return null;
  const f = logX ? Math.log10 : (v: number): number => v;
  const xOk = (v: number): boolean => Number.isFinite(v) && (!logX || v > 0);
  const ok = (i: number): boolean => xOk(x[i] ?? NaN) && (valid === undefined || valid(i));

  // The drawable x must be sorted for binning along the axis; otherwise keep evenly spaced indices.
  let lo = Infinity;
  let hi = -Infinity;
  let prev = -Infinity;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    const u = f(x[i]!);
    if (u < prev) sorted = false;
    prev = u;
    if (u < lo) lo = u;
    if (u > hi) hi = u;
  }
  if (!sorted || !(hi > lo)) return evenIndices(n, max);

  const bins = max - 2;
  const scale = bins / (hi - lo);
  const keep: number[] = [];
  let lastBin = -1;
  let prevOk = false;
  for (let i = 0; i < n; i++) {
    const good = ok(i);
    if (i === 0 || i === n - 1) keep.push(i);
    else if (!good) {
      // One marker per gap keeps the line broken there; the point before the gap ends its segment.
      if (prevOk) {
        if (keep[keep.length - 1] !== i - 1) keep.push(i - 1);
        keep.push(i);
      }
    } else {
      const bin = Math.min(bins - 1, Math.floor((f(x[i]!) - lo) * scale));
      if (bin !== lastBin || !prevOk) keep.push(i);
    }
    if (good) lastBin = Math.min(bins - 1, Math.floor((f(x[i]!) - lo) * scale));
    prevOk = good;
  }
  // Pathological gap patterns (e.g. every other point missing) would keep too much: fall back.
  return keep.length > 2 * max ? evenIndices(n, max) : keep;
}

function pick(a: NumericArray, idx: readonly number[]): Float64Array {
  return Float64Array.from(idx, (i) => a[i] ?? NaN);
}

/** `s` with at most about `max` points (the same object when it is short enough); band kept aligned. */
export function thinSeries(s: Series, logX: boolean, logY: boolean, max: number = MAX_PLOT_POINTS): Series {
  const yOk = (v: number): boolean => Number.isFinite(v) && (!logY || v > 0);
  const idx = thinIndices(s.x, logX, max, (i) => yOk(s.y[i] ?? NaN));
  if (idx === null) return s;
  const out: Series = { ...s, x: pick(s.x, idx), y: pick(s.y, idx) };
  if (s.lower !== undefined) out.lower = pick(s.lower, idx);
  if (s.upper !== undefined) out.upper = pick(s.upper, idx);
  return out;
}
