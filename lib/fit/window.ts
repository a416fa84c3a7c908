/**
 * Choosing the time window for a time-exponent fit (SPEC 8.2 "How fast the exponent is approached", SPEC 9).
 *
 * Rule (automatic window), on one curve (t_i, L_i), t > 0, in recorded order:
 *  1. Eligible range. Early transient: drop the points before the loss has first fallen `transientDrop` (10%)
 *     below its first recorded value (at t > 0). Floor / plateau: when a floor is known (e.g. the truncation
 *     floor of run.json, or a plateau the user supplies), drop every point from the first one with
 *     L ≤ floorFactor·floor (default 10: the floor is ≥ 10% of the loss there) onwards.
 *  2. Candidates: every contiguous index range [i, j] inside the eligible range at least `minDecades` (1) decades
 *     wide in t and with at least `minPoints` (6) points. (Endpoints are taken on a log-spaced subset of at most
 *     `maxEndpoints` indices so long linear grids stay cheap.)
 *  3. Stability of the local slope: split each candidate at its midpoint in ln t, fit the exponent separately on
 *     the two halves (weighted LS of ln L on ln t) and take the drift D = |χ_late − χ_early|. A curved stretch
 *     (early transient, late plateau where the local slope falls toward 0, slow approach to the asymptote) has a
 *     large D. The tolerance is tol = driftRel·|χ| + driftAbs (defaults 0.02 and 0.005), raised to
 *     2·SE(χ_late − χ_early) when per-point noise (standard errors) is supplied, so noise alone does not
 *     disqualify a window.
 *  4. Choice: among candidates with D ≤ tol, the widest in decades; ties (within 0.01 decade) go to the later
 *     window, then to the one with more points. If none is stable, the candidate with the smallest D/tol is
 *     taken and a warning says by how much its local exponent drifts.
 *  5. If the eligible range is shorter than a candidate, the whole eligible range is used (≥ 3 points) with a
 *     warning; fewer points is an error.
 * A user-fixed window [t1, t2] takes exactly the points with t1 ≤ t ≤ t2.
 */
import { logSpacingWeights, RangeFitter } from './powerLaw.js';

export interface WindowOptions {
  minDecades?: number;
  minPoints?: number;
  /** Known floor or plateau of the loss (same units as L); null/undefined = none. */
  floor?: number | null;
  floorFactor?: number;
  transientDrop?: number;
  driftRel?: number;
  driftAbs?: number;
  /** Per-point standard error of L (not of ln L), aligned with t. */
  stderr?: ArrayLike<number> | null;
  maxEndpoints?: number;
}

export interface WindowChoice {
  /** Inclusive index range into the curve's arrays. */
  i0: number;
  i1: number;
  tStart: number;
  tEnd: number;
  points: number;
  decades: number;
  /** How the window was obtained. */
  rule: 'auto' | 'fixed' | 'auto-fallback';
  /** |χ_late − χ_early| over the two halves of the window (NaN if a half has < 3 points). */
  drift: number;
  /** The exponents fitted on the early and late halves of the window (the local trend). */
  halves: { early: number; late: number };
  /** The tolerance the drift was compared with (auto only). */
  tolerance: number | null;
  /** First eligible t after the early-transient cut and last eligible t before the floor cut (auto only). */
  eligible: { tStart: number; tEnd: number } | null;
  warnings: string[];
}

export const WINDOW_DEFAULTS = {
  minDecades: 1,
  minPoints: 6,
  floorFactor: 10,
  transientDrop: 0.1,
  driftRel: 0.02,
  driftAbs: 0.005,
  maxEndpoints: 120,
} as const;

function halfDrift(fitter: RangeFitter, i: number, j: number): { drift: number; noise: number; early: number; late: number } {
  const x = fitter.x;
  const mid = (x[i]! + x[j]!) / 2;
  // Last index of the early half / first of the late half; the point nearest the midpoint belongs to both.
  // x is increasing: binary search for the first index with x ≥ mid, then take the nearer neighbour.
  let lo = i;
  let hi = j;
  while (lo < hi) {
    const c = (lo + hi) >> 1;
    if (x[c]! < mid) lo = c + 1;
    else hi = c;
  }
  const m = lo > i && Math.abs(x[lo - 1]! - mid) <= Math.abs(x[lo]! - mid) ? lo - 1 : lo;
  if (m - i + 1 < 3 || j - m + 1 < 3) return { drift: NaN, noise: NaN, early: NaN, late: NaN };
  const a = fitter.fit(i, m);
  const b = fitter.fit(m, j);
  return { drift: Math.abs(b.exponent - a.exponent), noise: Math.hypot(a.noiseSe, b.noiseSe), early: a.exponent, late: b.exponent };
}

function driftOf(fitter: RangeFitter, i: number, j: number): { drift: number; halves: { early: number; late: number } } {
  const h = halfDrift(fitter, i, j);
  return { drift: h.drift, halves: { early: h.early, late: h.late } };
}

/** Window for a user-given range t1 ≤ t ≤ t2. */
export function fixedWindow(t: ArrayLike<number>, L: ArrayLike<number>, t1: number, t2: number): WindowChoice {
  let i0 = -1;
  let i1 = -1;
  for (let i = 0; i < t.length; i++) {
    if (t[i]! >= t1 && t[i]! <= t2) {
      if (i0 < 0) i0 = i;
      i1 = i;
    }
  }
  const points = i0 < 0 ? 0 : i1 - i0 + 1;
  if (points < 3) throw new RangeError(`window ${t1}:${t2} holds ${points} point${points === 1 ? '' : 's'} (need at least 3)`);
  const fitter = new RangeFitter(t, L, logSpacingWeights(t));
  const warnings: string[] = [];
  const decades = Math.log10(t[i1]! / t[i0]!);
  if (decades < 1) warnings.push(`window spans only ${decades.toFixed(2)} decades`);
  return {
    i0, i1, tStart: t[i0]!, tEnd: t[i1]!, points, decades, rule: 'fixed',
    ...driftOf(fitter, i0, i1), tolerance: null, eligible: null, warnings,
  };
}

/** Automatic window (rule in the file comment). */
export function selectWindow(t: ArrayLike<number>, L: ArrayLike<number>, options: WindowOptions = {}): WindowChoice {
  const o = { ...WINDOW_DEFAULTS, ...options };
  const n = t.length;
  if (n < 3) throw new RangeError(`curve has ${n} point${n === 1 ? '' : 's'} with t > 0 (need at least 3)`);
  const warnings: string[] = [];

  // 1. Eligible range.
  let lo = 0;
  while (lo < n && L[lo]! > (1 - o.transientDrop) * L[0]!) lo++;
  if (lo >= n) {
    lo = 0;
    warnings.push(`loss never falls ${Math.round(o.transientDrop * 100)}% below its first value: no transient cut`);
  }
  let hi = n - 1;
  const floor = options.floor ?? null;
  if (floor !== null && floor > 0) {
    let k = lo;
    while (k < n && L[k]! > o.floorFactor * floor) k++;
    if (k < n) hi = k - 1;
    if (hi - lo + 1 < 3) {
      warnings.push(`the loss is within ${o.floorFactor}× of the floor ${floor} almost everywhere: floor cut not applied`);
      hi = n - 1;
    }
  }
  const eligible = { tStart: t[lo]!, tEnd: t[hi]! };

  const sigmaLog = o.stderr ? Float64Array.from({ length: n }, (_, i) => o.stderr![i]! / L[i]!) : undefined;
  const fitter = new RangeFitter(t, L, logSpacingWeights(t), sigmaLog);

  // 2. Candidate endpoints: all indices, or a log-spaced subset.
  let ends: number[] = [];
  if (hi - lo + 1 <= o.maxEndpoints) for (let i = lo; i <= hi; i++) ends.push(i);
  else {
    const x0 = Math.log(t[lo]!);
    const x1 = Math.log(t[hi]!);
    const set = new Set<number>([lo, hi]);
    let k = lo;
    for (let q = 0; q < o.maxEndpoints; q++) {
      const target = x0 + ((x1 - x0) * q) / (o.maxEndpoints - 1);
      while (k < hi && Math.log(t[k]!) < target) k++;
      set.add(k);
    }
    ends = [...set].sort((a, b) => a - b);
  }

  interface Cand { i: number; j: number; decades: number; drift: number; tol: number }
  let best: Cand | null = null;
  let bestUnstable: Cand | null = null;
  for (let a = 0; a < ends.length; a++) {
    for (let b = a + 1; b < ends.length; b++) {
      const i = ends[a]!;
      const j = ends[b]!;
      const decades = Math.log10(t[j]! / t[i]!);
      if (j - i + 1 < o.minPoints || decades < o.minDecades - 1e-12) continue;
      const { drift, noise } = halfDrift(fitter, i, j);
      if (!Number.isFinite(drift)) continue;
      const chi = fitter.fit(i, j).exponent;
      let tol = o.driftRel * Math.abs(chi) + o.driftAbs;
      if (Number.isFinite(noise)) tol = Math.max(tol, 2 * noise);
      const c: Cand = { i, j, decades, drift, tol };
      if (drift <= tol) {
        if (
          best === null ||
          decades > best.decades + 0.01 ||
          (Math.abs(decades - best.decades) <= 0.01 && (t[i]! > t[best.i]! || (i === best.i && j - i > best.j - best.i)))
        ) best = c;
      } else if (bestUnstable === null || drift / tol < bestUnstable.drift / bestUnstable.tol) bestUnstable = c;
    }
  }

  const make = (c: Cand, rule: WindowChoice['rule']): WindowChoice => ({
    i0: c.i, i1: c.j, tStart: t[c.i]!, tEnd: t[c.j]!, points: c.j - c.i + 1, decades: c.decades, rule,
    ...driftOf(fitter, c.i, c.j), tolerance: c.tol, eligible, warnings,
  });
  if (best) return make(best, 'auto');
  if (bestUnstable) {
    warnings.push(
      `no window with a stable local exponent: over the best one it drifts by ${bestUnstable.drift.toPrecision(2)} ` +
        `(tolerance ${bestUnstable.tol.toPrecision(2)}); the exponent is still changing (SPEC 8.2)`,
    );
    return make(bestUnstable, 'auto');
  }
  if (hi - lo + 1 < 3) throw new RangeError(`only ${hi - lo + 1} usable point(s) after the transient/floor cuts (need at least 3)`);
  const decades = Math.log10(t[hi]! / t[lo]!);
  warnings.push(
    `eligible range [${t[lo]}, ${t[hi]}] has ${hi - lo + 1} points over ${decades.toFixed(2)} decades ` +
      `(< ${o.minDecades} decade or < ${o.minPoints} points): fitted on all of it`,
  );
  return {
    i0: lo, i1: hi, tStart: t[lo]!, tEnd: t[hi]!, points: hi - lo + 1, decades, rule: 'auto-fallback',
    ...driftOf(fitter, lo, hi), tolerance: null, eligible, warnings,
  };
}
