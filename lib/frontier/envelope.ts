/**
 * The compute-optimal frontier of a sweep over N (SPEC 4.5, Fig. 4): L*(C) = min_N L(t = C/N, N) with C = N·t,
 * and the N that attains it. Curves are interpolated linearly in log-log between recorded steps, and N*(C) is
 * refined between grid widths by a parabola through log L(log N) at the best width and its two neighbours.
 */

export interface WidthCurve {
  N: number;
  /** Recorded steps (increasing). Steps ≤ 0 are ignored. */
  steps: Float64Array;
  loss: Float64Array;
}

export interface EnvelopePoint {
  C: number;
  loss: number;
  /** Continuous N* from the parabola (the grid N when at the edge of the grid). */
  Nstar: number;
  /** Index of the best grid width. */
  best: number;
  /** True when the best width is the smallest or largest of the grid (the optimum may lie outside). */
  edge: boolean;
}

/** log L at step t by log-log interpolation; NaN outside the recorded range or for non-positive losses. */
export function lossAt(curve: WidthCurve, t: number): number {
  const { steps, loss } = curve;
  let lo = 0;
  while (lo < steps.length && !(steps[lo]! > 0)) lo++;
  if (lo >= steps.length || t < steps[lo]! || t > steps[steps.length - 1]!) return NaN;
  let hi = steps.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! <= t) lo = mid;
    else hi = mid;
  }
  const t0 = steps[lo]!;
  const t1 = steps[hi]!;
  const l0 = loss[lo]!;
  const l1 = loss[hi]!;
  if (!(l0 > 0) || !(l1 > 0)) return NaN;
  if (t1 === t0) return Math.log(l0);
  const u = (Math.log(t) - Math.log(t0)) / (Math.log(t1) - Math.log(t0));
  return Math.log(l0) + u * (Math.log(l1) - Math.log(l0));
}

/** Log-spaced compute grid covering the range where at least two widths have data. */
export function computeGrid(curves: WidthCurve[], pointsPerDecade = 12): Float64Array {
  const lo = Math.min(...curves.map((c) => c.N * Math.max(1, c.steps.find((s) => s > 0) ?? 1)));
  const hi = Math.max(...curves.map((c) => c.N * c.steps[c.steps.length - 1]!));
  const n = Math.max(2, Math.ceil(Math.log10(hi / lo) * pointsPerDecade) + 1);
  return Float64Array.from({ length: n }, (_, i) => lo * Math.pow(hi / lo, i / (n - 1)));
}

export function envelope(curves: WidthCurve[], grid: Float64Array): EnvelopePoint[] {
  const sorted = [...curves].sort((a, b) => a.N - b.N);
  const out: EnvelopePoint[] = [];
  for (const C of grid) {
    const logL = sorted.map((c) => lossAt(c, C / c.N));
    let best = -1;
    logL.forEach((v, i) => { if (Number.isFinite(v) && (best < 0 || v < logL[best]!)) best = i; });
    if (best < 0) continue;
    const available = logL.filter(Number.isFinite).length;
    if (available < 2) continue;
    const edge = best === 0 || best === sorted.length - 1 || !Number.isFinite(logL[best - 1]!) || !Number.isFinite(logL[best + 1]!);
    let logN = Math.log(sorted[best]!.N);
    let value = logL[best]!;
    if (!edge) {
      // Parabola through (log N, log L) at best-1, best, best+1: vertex gives a continuous N* and L*.
      const x = [best - 1, best, best + 1].map((i) => Math.log(sorted[i]!.N));
      const y = [best - 1, best, best + 1].map((i) => logL[i]!);
      const d1 = (y[1]! - y[0]!) / (x[1]! - x[0]!);
      const d2 = (y[2]! - y[1]!) / (x[2]! - x[1]!);
      const a = (d2 - d1) / (x[2]! - x[0]!);
      if (a > 0) {
        const b = d1 - a * (x[0]! + x[1]!);
        const xv = Math.min(x[2]!, Math.max(x[0]!, -b / (2 * a)));
        logN = xv;
        value = Math.min(value, y[1]! + (xv - x[1]!) * (b + a * (xv + x[1]!)));
      }
    }
    out.push({ C, loss: Math.exp(value), Nstar: Math.exp(logN), best, edge });
  }
  return out;
}
