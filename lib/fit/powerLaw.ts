/**
 * Power-law fit L ≈ A t^-χ by weighted least squares of ln L on ln t (SPEC 9: a fitted exponent always comes
 * with the window it was fitted on). Weights default to each point's share of the ln t axis, so a linear
 * (every-step) grid does not over-weight late times and a log grid is weighted uniformly.
 */

export interface PowerLawFit {
  /** χ in L ≈ A t^-χ (positive for a decaying loss). */
  exponent: number;
  /** A. */
  prefactor: number;
  /** ln A. */
  logPrefactor: number;
  /** Weighted RMS of ln L − fitted ln L (relative residual). */
  rmsResidual: number;
  /** Standard error of χ from the residuals (ordinary regression formula; assumes independent errors). */
  exponentSe: number;
  /** Number of points used. */
  points: number;
}

/** Each point's share of the ln t axis (half the gap to each neighbour; end points get their one half-gap). */
export function logSpacingWeights(t: ArrayLike<number>): Float64Array {
  const n = t.length;
  const w = new Float64Array(n);
  if (n === 1) {
    w[0] = 1;
    return w;
  }
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? Math.log(t[i]!) - Math.log(t[i - 1]!) : 0;
    const right = i < n - 1 ? Math.log(t[i + 1]!) - Math.log(t[i]!) : 0;
    w[i] = (left + right) / 2;
  }
  // End points of a two-point set, or duplicate t values, could get weight 0: fall back to uniform.
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]!;
  if (!(s > 0)) w.fill(1);
  else for (let i = 0; i < n; i++) if (!(w[i]! > 0)) w[i] = s / n / 10;
  return w;
}

/** Weighted simple regression y = c + s x from the six weighted sums. */
export function regressionFromSums(
  S0: number, Sx: number, Sy: number, Sxx: number, Sxy: number, Syy: number, points: number,
): { slope: number; intercept: number; rss: number; slopeSe: number } {
  const mx = Sx / S0;
  const my = Sy / S0;
  const vxx = Sxx - S0 * mx * mx;
  const vxy = Sxy - S0 * mx * my;
  const vyy = Syy - S0 * my * my;
  const slope = vxx > 0 ? vxy / vxx : NaN;
  const intercept = my - slope * mx;
  const rss = Math.max(vyy - slope * vxy, 0);
  // Effective-sample-size form: weights are relative, so scale by points / S0.
  const sigma2 = points > 2 ? (rss / S0) * (points / (points - 2)) : NaN;
  const slopeSe = Math.sqrt(sigma2 / (vxx / S0) / points);
  return { slope, intercept, rss, slopeSe };
}

/** Fit L ≈ A t^-χ on all given points (t > 0, L > 0). */
export function fitPowerLaw(t: ArrayLike<number>, L: ArrayLike<number>, weights?: ArrayLike<number>): PowerLawFit {
  const n = t.length;
  if (L.length !== n) throw new RangeError('fitPowerLaw: t and L differ in length');
  if (n < 2) throw new RangeError(`fitPowerLaw: need at least 2 points, got ${n}`);
  const w = weights ?? logSpacingWeights(t);
  let S0 = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0, Syy = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    const li = L[i]!;
    if (!(ti > 0) || !(li > 0)) throw new RangeError(`fitPowerLaw: t and L must be positive (t = ${ti}, L = ${li})`);
    const x = Math.log(ti);
    const y = Math.log(li);
    const wi = w[i]!;
    S0 += wi; Sx += wi * x; Sy += wi * y; Sxx += wi * x * x; Sxy += wi * x * y; Syy += wi * y * y;
  }
  const r = regressionFromSums(S0, Sx, Sy, Sxx, Sxy, Syy, n);
  // Residuals directly (the sums lose the last digits of a near-perfect fit to cancellation).
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.log(L[i]!) - r.intercept - r.slope * Math.log(t[i]!);
    rss += w[i]! * e * e;
  }
  const sigma2 = n > 2 ? (rss / S0) * (n / (n - 2)) : NaN;
  const vxx = Sxx - (Sx * Sx) / S0;
  return {
    exponent: -r.slope,
    prefactor: Math.exp(r.intercept),
    logPrefactor: r.intercept,
    rmsResidual: Math.sqrt(rss / S0),
    exponentSe: Math.sqrt((sigma2 * S0) / vxx / n),
    points: n,
  };
}

/**
 * O(1) fits on any contiguous index range after O(n) set-up (prefix sums of the weighted moments); used by the
 * window scan. Optional per-point noise σ_i of ln L gives the slope's standard error under that noise.
 */
export class RangeFitter {
  private readonly p: Float64Array[];
  private readonly q: Float64Array[] | null;
  readonly x: Float64Array;

  constructor(t: ArrayLike<number>, L: ArrayLike<number>, weights: ArrayLike<number>, sigmaLog?: ArrayLike<number>) {
    const n = t.length;
    this.x = new Float64Array(n);
    this.p = Array.from({ length: 6 }, () => new Float64Array(n + 1));
    this.q = sigmaLog ? Array.from({ length: 3 }, () => new Float64Array(n + 1)) : null;
    for (let i = 0; i < n; i++) {
      const x = Math.log(t[i]!);
      const y = Math.log(L[i]!);
      this.x[i] = x;
      const w = weights[i]!;
      const v = [w, w * x, w * y, w * x * x, w * x * y, w * y * y];
      for (let k = 0; k < 6; k++) this.p[k]![i + 1] = this.p[k]![i]! + v[k]!;
      if (this.q && sigmaLog) {
        const s = sigmaLog[i]!;
        const u = s > 0 && Number.isFinite(s) ? 1 / (s * s) : 0;
        const vv = [u, u * x, u * x * x];
        for (let k = 0; k < 3; k++) this.q[k]![i + 1] = this.q[k]![i]! + vv[k]!;
      }
    }
  }

  /** Fit on indices i..j inclusive. */
  fit(i: number, j: number): { exponent: number; logPrefactor: number; rms: number; noiseSe: number } {
    const s = (k: number): number => this.p[k]![j + 1]! - this.p[k]![i]!;
    const r = regressionFromSums(s(0), s(1), s(2), s(3), s(4), s(5), j - i + 1);
    let noiseSe = NaN;
    if (this.q) {
      // Var(slope) for weighted LS with weights w but noise σ: Σ w²σ²(x - x̄)² / (Σ w (x - x̄)²)². With the
      // log-spacing weights nearly uniform within a window, use the σ-weighted formula 1 / Σ (x - x̄)²/σ².
      const q = (k: number): number => this.q![k]![j + 1]! - this.q![k]![i]!;
      const U = q(0);
      const mx = q(1) / U;
      const vxx = q(2) - U * mx * mx;
      noiseSe = vxx > 0 ? Math.sqrt(1 / vxx) : NaN;
    }
    return { exponent: -r.slope, logPrefactor: r.intercept, rms: Math.sqrt(r.rss / s(0)), noiseSe };
  }
}
