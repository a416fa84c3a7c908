/**
 * Bootstrap confidence intervals (percentile method) for fitted exponents.
 *
 * - Over seeds (preferred): resample the S seed columns with replacement, average them into a mean curve and
 *   refit on the same window; the interval is conditional on the window. Seeds are independent runs, so this
 *   keeps each seed's correlation across time steps. With few seeds (< 10) percentile intervals are known to
 *   be somewhat too narrow (by about √((S−1)/S) in width, plus the skew of small samples).
 * - Parametric (no per-seed columns, a standard-error column): each replicate draws every point independently
 *   as L_i·exp(z_i·se_i/L_i), z ~ N(0, 1) (log-normal, so draws stay positive, with the same relative
 *   standard error). This assumes independent errors across steps; seed-averaged curves are correlated in
 *   time, so these intervals are usually too narrow. The output says which method was used.
 * Random numbers come from lib/rng.ts (xoshiro128**), stream 0 of the given seed, so results are reproducible.
 */
import { Rng } from '../rng.js';

export interface Interval {
  level: number;
  lower: number;
  upper: number;
  /** Standard deviation of the replicates. */
  se: number;
  /** Replicates that gave a finite estimate / replicates drawn. */
  replicates: number;
  failed: number;
  method: 'seeds' | 'parametric';
}

/** Percentile of sorted values with linear interpolation (type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Percentile interval from replicate estimates (non-finite replicates are counted as failed). */
export function percentileInterval(values: number[], level: number, method: Interval['method']): Interval {
  const ok = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mean = ok.reduce((s, v) => s + v, 0) / Math.max(ok.length, 1);
  const se = Math.sqrt(ok.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(ok.length - 1, 1));
  return {
    level,
    lower: quantileSorted(ok, (1 - level) / 2),
    upper: quantileSorted(ok, (1 + level) / 2),
    se,
    replicates: ok.length,
    failed: values.length - ok.length,
    method,
  };
}

/** Index draws for one seed-resampling replicate. */
export function resampleIndices(rng: Rng, S: number): number[] {
  const out = new Array<number>(S);
  for (let s = 0; s < S; s++) out[s] = Math.min(Math.floor(rng.uniform() * S), S - 1);
  return out;
}

/** Mean over the chosen seed columns (seeds[s][i]) at every point. */
export function meanOfSeeds(seeds: ArrayLike<number>[], pick: number[], length: number): Float64Array {
  const m = new Float64Array(length);
  for (const s of pick) {
    const col = seeds[s]!;
    for (let i = 0; i < length; i++) m[i]! += col[i]!;
  }
  for (let i = 0; i < length; i++) m[i]! /= pick.length;
  return m;
}

export interface BootstrapOptions {
  replicates: number;
  level: number;
  seed: number;
}

/** Intervals for k estimated quantities from replicate vectors (a failed replicate is all NaN). */
function intervals(values: number[][], k: number, level: number, method: Interval['method']): Interval[] {
  return Array.from({ length: k }, (_, q) => percentileInterval(values.map((v) => v[q] ?? NaN), level, method));
}

function safe(estimate: () => number[], k: number): number[] {
  try {
    const v = estimate();
    return v.length === k ? v : new Array<number>(k).fill(NaN);
  } catch {
    return new Array<number>(k).fill(NaN);
  }
}

/**
 * Seed bootstrap: `estimate(meanCurve)` refits one resampled mean curve (aligned with the seed columns) and
 * returns k quantities; one interval per quantity.
 */
export function bootstrapSeeds(
  seeds: ArrayLike<number>[],
  estimate: (mean: Float64Array) => number[],
  k: number,
  opts: BootstrapOptions,
): Interval[] {
  const S = seeds.length;
  if (S < 2) throw new RangeError(`bootstrap over seeds needs at least 2 seed columns, got ${S}`);
  const n = seeds[0]!.length;
  const rng = new Rng(opts.seed, 0);
  const values: number[][] = [];
  for (let r = 0; r < opts.replicates; r++) {
    const pick = resampleIndices(rng, S);
    values.push(safe(() => estimate(meanOfSeeds(seeds, pick, n)), k));
  }
  return intervals(values, k, opts.level, 'seeds');
}

/** Parametric bootstrap from a mean curve and its standard errors (log-normal draws, independent points). */
export function bootstrapParametric(
  mean: ArrayLike<number>,
  stderr: ArrayLike<number>,
  estimate: (draw: Float64Array) => number[],
  k: number,
  opts: BootstrapOptions,
): Interval[] {
  const n = mean.length;
  const rng = new Rng(opts.seed, 0);
  const values: number[][] = [];
  const draw = new Float64Array(n);
  for (let r = 0; r < opts.replicates; r++) {
    for (let i = 0; i < n; i++) {
      const m = mean[i]!;
      const rel = stderr[i]! / m;
      draw[i] = m * Math.exp(rel * rng.normal());
    }
    values.push(safe(() => estimate(draw), k));
  }
  return intervals(values, k, opts.level, 'parametric');
}
