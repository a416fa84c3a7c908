/**
 * Fitting whole files: the time exponent of every curve (window + weighted log-log fit + bootstrap interval),
 * and joint fits L(t, N) across the curves of each group (variable projection + bootstrap). Used by
 * `richscale fit`; everything returned is plain data (JSON-ready apart from NaN → null in the CLI).
 */
import { bootstrapParametric, bootstrapSeeds, meanOfSeeds, type Interval } from './bootstrap.js';
import { fitPowerLaw, logSpacingWeights, type PowerLawFit } from './powerLaw.js';
import type { Curve } from './readCurves.js';
import { fitJoint, type JointFit, type JointFitOptions } from './varpro.js';
import { fixedWindow, selectWindow, type WindowChoice, type WindowOptions } from './window.js';

export interface UncertaintyOptions {
  /** Bootstrap replicates (0 = no interval). */
  bootstrap: number;
  level: number;
  seed: number;
}

const bootOpts = (o: UncertaintyOptions): { replicates: number; level: number; seed: number } => ({
  replicates: o.bootstrap,
  level: o.level,
  seed: o.seed,
});

export type WindowSpec = 'auto' | [number, number];

export interface ExponentResult {
  label: string;
  key: Record<string, string>;
  window: WindowChoice;
  fit: PowerLawFit;
  /** Interval for the exponent, or null (no seeds, no standard errors, or --bootstrap 0). */
  interval: Interval | null;
  /** How the interval was obtained, in words. */
  uncertainty: string;
  seedsUsed: number;
  warnings: string[];
}

/** Seed columns usable on the index range: all values finite and > 0 there. Returns kept indices. */
function usableSeeds(curve: Curve, i0: number, i1: number): { kept: number[]; dropped: string[] } {
  const kept: number[] = [];
  const dropped: string[] = [];
  curve.seeds.forEach((col, s) => {
    let ok = true;
    for (let i = i0; i <= i1; i++) if (!(col[i]! > 0) || !Number.isFinite(col[i]!)) ok = false;
    if (ok) kept.push(s);
    else dropped.push(curve.seedNames[s]!);
  });
  return { kept, dropped };
}

/** Standard error per point: the stderr column, or sd/√S from the seed columns, or null. */
function pointStderr(curve: Curve): Float64Array | null {
  if (curve.stderr) return curve.stderr;
  const S = curve.seeds.length;
  if (S < 2) return null;
  const n = curve.t.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (const c of curve.seeds) m += c[i]!;
    m /= S;
    let v = 0;
    for (const c of curve.seeds) v += (c[i]! - m) ** 2;
    out[i] = Math.sqrt(v / (S - 1) / S);
  }
  return Number.isFinite(out.reduce((a, b) => a + b, 0)) ? out : null;
}

export function fitExponent(
  curve: Curve,
  opts: UncertaintyOptions & { window: WindowSpec; windowOptions?: WindowOptions },
): ExponentResult {
  const warnings: string[] = [];
  const stderr = pointStderr(curve);
  const window =
    opts.window === 'auto'
      ? selectWindow(curve.t, curve.loss, { ...opts.windowOptions, stderr })
      : fixedWindow(curve.t, curve.loss, opts.window[0], opts.window[1]);
  warnings.push(...window.warnings);
  const { i0, i1 } = window;
  const tw = curve.t.subarray(i0, i1 + 1);
  const weights = logSpacingWeights(tw);
  const fit = fitPowerLaw(tw, curve.loss.subarray(i0, i1 + 1), weights);
  const estimate = (mean: Float64Array): number[] => [fitPowerLaw(tw, mean, weights).exponent];

  let interval: Interval | null = null;
  let uncertainty = 'none';
  let seedsUsed = 0;
  if (opts.bootstrap > 0) {
    const { kept, dropped } = usableSeeds(curve, i0, i1);
    if (dropped.length) warnings.push(`seed columns with non-finite or non-positive values in the window were left out: ${dropped.join(', ')}`);
    if (kept.length >= 2) {
      seedsUsed = kept.length;
      const cols = kept.map((s) => curve.seeds[s]!.subarray(i0, i1 + 1));
      const all = meanOfSeeds(cols, cols.map((_, s) => s), tw.length);
      let maxRel = 0;
      for (let i = 0; i < tw.length; i++) maxRel = Math.max(maxRel, Math.abs(all[i]! / curve.loss[i0 + i]! - 1));
      if (maxRel > 1e-6) warnings.push(`the loss column differs from the mean of the seed columns by up to ${(maxRel * 100).toPrecision(2)}%: the interval is for the seed mean`);
      interval = bootstrapSeeds(cols, estimate, 1, bootOpts(opts))[0]!;
      uncertainty = `bootstrap over ${kept.length} seeds (${opts.bootstrap} resamples, percentile)`;
      if (kept.length < 10) warnings.push(`only ${kept.length} seeds: percentile bootstrap intervals tend to be too narrow with fewer than 10`);
    } else if (curve.stderr) {
      interval = bootstrapParametric(curve.loss.subarray(i0, i1 + 1), curve.stderr.subarray(i0, i1 + 1), estimate, 1, bootOpts(opts))[0]!;
      uncertainty = `parametric bootstrap from mean ± stderr (${opts.bootstrap} draws, independent log-normal errors per step; likely too narrow when errors are correlated in time)`;
    } else {
      warnings.push('no seed columns and no standard-error column: no confidence interval');
    }
    if (interval && interval.failed > 0) warnings.push(`${interval.failed} bootstrap replicates failed`);
  }
  return { label: curve.label, key: curve.key, window, fit, interval, uncertainty, seedsUsed, warnings };
}

export interface JointResult {
  label: string;
  key: Record<string, string>;
  /** Distinct N values used. */
  nValues: number[];
  window: { tStart: number; tEnd: number; rule: string };
  fit: JointFit;
  /** Intervals for x, y, E, a, b (null without bootstrap). */
  intervals: Record<'x' | 'y' | 'E' | 'a' | 'b', Interval> | null;
  uncertainty: string;
  seedsUsed: number;
  warnings: string[];
}

/**
 * Joint fit over curves that differ in N (one group). Window: a fixed [t1, t2], or 'auto' = every point with
 * t ≥ 10·t_min when the curves span at least two decades (the first decade is the early transient), else all.
 */
export function fitJointCurves(
  curves: Curve[],
  nOf: (c: Curve) => number,
  opts: UncertaintyOptions & { window: WindowSpec; joint: JointFitOptions; label: string; key: Record<string, string> },
): JointResult {
  const warnings: string[] = [];
  const nValues = [...new Set(curves.map(nOf))].sort((a, b) => a - b);
  for (const n of nValues) if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`N = ${n} is not a positive number`);
  if (nValues.length < 2) throw new RangeError(`a joint fit needs curves at 2 or more N values, found ${nValues.length}`);
  if (nValues.length < 3) warnings.push(`only ${nValues.length} N values: E, b and y are barely identifiable`);
  let t1: number, t2: number, rule: string;
  if (opts.window === 'auto') {
    const tmin = Math.min(...curves.map((c) => c.t[0] ?? Infinity));
    const tmax = Math.max(...curves.map((c) => c.t[c.t.length - 1] ?? -Infinity));
    t1 = tmax / tmin >= 100 ? 10 * tmin : tmin;
    t2 = tmax;
    rule = tmax / tmin >= 100 ? 'auto: t ≥ 10·t_min (first decade dropped)' : 'auto: all points (< 2 decades recorded)';
  } else {
    [t1, t2] = opts.window;
    rule = 'fixed';
  }
  const idx: Array<{ c: number; i: number }> = [];
  curves.forEach((c, ci) => c.t.forEach((tv, i) => { if (tv >= t1 && tv <= t2) idx.push({ c: ci, i }); }));
  const t = Float64Array.from(idx, ({ c, i }) => curves[c]!.t[i]!);
  const n = Float64Array.from(idx, ({ c }) => nOf(curves[c]!));
  const L = Float64Array.from(idx, ({ c, i }) => curves[c]!.loss[i]!);
  const fit = fitJoint({ t, n, L }, opts.joint);
  warnings.push(...fit.warnings);

  const theta = fit.searched.map((s) => s.value);
  const estimate = (Lr: Float64Array): number[] => {
    const f = fitJoint({ t, n, L: Lr }, { ...opts.joint, warmStart: theta, maxIter: 600 });
    return [f.params.x, f.params.y, f.params.E, f.params.a, f.params.b];
  };
  let intervals: JointResult['intervals'] = null;
  let uncertainty = 'none';
  let seedsUsed = 0;
  if (opts.bootstrap > 0) {
    const S = Math.min(...curves.map((c) => c.seeds.length));
    const sameSeeds = curves.every((c) => c.seeds.length === S);
    const finite = sameSeeds && S >= 2 && idx.every(({ c, i }) => curves[c]!.seeds.every((col) => col[i]! > 0 && Number.isFinite(col[i]!)));
    let iv: Interval[] | null = null;
    if (finite) {
      // Seed s of every curve is resampled together (richscale curves of one sweep share seed streams).
      const cols = Array.from({ length: S }, (_, s) => Float64Array.from(idx, ({ c, i }) => curves[c]!.seeds[s]![i]!));
      iv = bootstrapSeeds(cols, estimate, 5, bootOpts(opts));
      seedsUsed = S;
      uncertainty = `bootstrap over ${S} seeds, resampled jointly across N (${opts.bootstrap} resamples, percentile; refits warm-started at the optimum)`;
      if (S < 10) warnings.push(`only ${S} seeds: percentile bootstrap intervals tend to be too narrow with fewer than 10`);
    } else if (curves.every((c) => c.stderr)) {
      const se = Float64Array.from(idx, ({ c, i }) => curves[c]!.stderr![i]!);
      iv = bootstrapParametric(L, se, estimate, 5, bootOpts(opts));
      uncertainty = `parametric bootstrap from mean ± stderr (${opts.bootstrap} draws, independent log-normal errors; likely too narrow when errors are correlated in time)`;
    } else {
      warnings.push('no usable seed columns and no standard-error column: no confidence intervals');
    }
    if (iv) {
      intervals = { x: iv[0]!, y: iv[1]!, E: iv[2]!, a: iv[3]!, b: iv[4]! };
      if (iv[0]!.failed > 0) warnings.push(`${iv[0]!.failed} bootstrap replicates failed`);
    }
  }
  return { label: opts.label, key: opts.key, nValues, window: { tStart: t1, tEnd: t2, rule }, fit, intervals, uncertainty, seedsUsed, warnings };
}
