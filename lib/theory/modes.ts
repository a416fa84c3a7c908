/**
 * Log-binned modes for the theory solvers (SPEC 3.2 "log-binning the modes", SPEC 8.2 "How many modes").
 *
 * Modes k = 1..K0 are kept exactly (multiplicity 1). Modes K0 < k ≤ M are grouped into log-spaced bins
 * (`binsPerDecade` per decade of k); bin j covers the integers (e_j, e_{j+1}] and is represented by ONE mode value
 * k_j with multiplicity m_j = e_{j+1} - e_j. The representative is chosen so that the bin's total target power
 * is exact (SPEC 1, per-mode power λ_k w*_k² = k^{-p}, p = αβ + 1):
 *
 *     m_j · λ(k_j) · w*(k_j)² = Σ_{k ∈ bin j} k^{-p}   ⇔   k_j = ( (1/m_j) Σ_{k ∈ bin} k^{-p} )^{-1/p},
 *
 * and then λ_j = k_j^{-α}, w*_j = sqrt(k_j^{-αβ-1+α}) (on the task's curves, SPEC 8.1). So the initial loss of the
 * binned task equals that of the full task with M modes exactly (to rounding); what binning approximates is the
 * spread of λ inside a bin (a relative spread of 10^{α/binsPerDecade}). The solvers treat all modes of a bin as
 * identical (same residual), which the N = ∞ dynamics preserve exactly when the modes are identical; the error is
 * controlled by refining binsPerDecade (the solvers' convergence check).
 *
 * Modes k > M are dropped; their loss Σ_{k>M} k^{-p} is the truncation floor (lib/task.ts truncationFloor).
 * M may exceed 2^53 (e.g. 1e20): bin edges are then doubles, and multiplicities are exact only to rounding.
 */
import { truncationFloor } from '../task.js';

export interface ModeBins {
  alpha: number;
  beta: number;
  M: number;
  /** Number of representatives n (exact modes + bins). */
  n: number;
  /** Representative eigenvalue λ_j (length n), decreasing. */
  lambda: Float64Array;
  /** Representative target w*_j ≥ 0 (length n). */
  wstar: Float64Array;
  /** Multiplicity m_j (length n): 1 for exact modes. */
  mult: Float64Array;
  /** Lowest mode index of each bin (length n). */
  kLow: Float64Array;
  /** Highest mode index of each bin (length n). */
  kHigh: Float64Array;
  /** Σ_{k>M} λ_k w*_k² (SPEC 8.2). */
  truncationFloor: number;
}

export interface ModeBinOptions {
  /** Modes 1..exactModes kept exactly (default 100; capped at M). */
  exactModes?: number;
  /** Log-spaced bins per decade of k beyond exactModes (default 20). */
  binsPerDecade?: number;
}

/** Largest bin summed term by term; wider bins use the Euler–Maclaurin tail difference. */
const DIRECT_SUM_LIMIT = 20000;

/** Σ_{k ≥ a} k^{-p} for large a (Euler–Maclaurin to the f''' term; relative error O(a^{-6})). */
function tailFrom(a: number, p: number): number {
  const f = Math.pow(a, -p);
  const f1 = -p * f / a;
  const f3 = -p * (p + 1) * (p + 2) * f / (a * a * a);
  // Σ_{k≥a} f(k) = ∫_a^∞ f + f(a)/2 - f'(a)/12 + f'''(a)/720 - ...
  return (a * f) / (p - 1) + f / 2 - f1 / 12 + f3 / 720;
}

/** Σ_{k=a}^{b} k^{-p} (a ≤ b integers, or doubles beyond 2^53). */
export function powerSum(a: number, b: number, p: number): number {
  if (b - a < DIRECT_SUM_LIMIT) {
    let s = 0;
    for (let k = b; k >= a; k--) s += Math.pow(k, -p); // smallest terms first
    return s;
  }
  return tailFrom(a, p) - tailFrom(b + 1, p);
}

export function makeModeBins(alpha: number, beta: number, M: number, opts: ModeBinOptions = {}): ModeBins {
  if (!(alpha > 1) || !Number.isFinite(alpha)) throw new RangeError(`mode bins: alpha must be a finite number > 1, got ${alpha}`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`mode bins: beta must be a finite number > 0, got ${beta}`);
  if (!(M >= 1) || !Number.isFinite(M) || (M < 2 ** 53 && !Number.isInteger(M))) {
    throw new RangeError(`mode bins: M must be a positive integer (at most ~1e300), got ${M}`);
  }
  const K0 = Math.min(opts.exactModes ?? 100, M);
  const bpd = opts.binsPerDecade ?? 20;
  if (!Number.isInteger(K0) || K0 < 1) throw new RangeError(`mode bins: exactModes must be a positive integer, got ${opts.exactModes}`);
  if (!(bpd > 0) || !Number.isFinite(bpd)) throw new RangeError(`mode bins: binsPerDecade must be a finite number > 0, got ${bpd}`);
  const p = alpha * beta + 1;
  const lam: number[] = [], ws: number[] = [], mult: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let k = 1; k <= K0; k++) {
    lam.push(Math.pow(k, -alpha));
    ws.push(Math.sqrt(Math.pow(k, -alpha * beta - 1 + alpha)));
    mult.push(1); lo.push(k); hi.push(k);
  }
  let edge = K0; // bins cover (edge, next]
  for (let i = 1; edge < M; i++) {
    let next = Math.round(K0 * Math.pow(10, i / bpd));
    if (next <= edge) continue;
    if (next > M) next = M;
    const a = edge + 1, b = next;
    const m = b - a + 1;
    const power = powerSum(a, b, p);
    const krep = Math.pow(power / m, -1 / p);
    lam.push(Math.pow(krep, -alpha));
    ws.push(Math.sqrt(Math.pow(krep, -alpha * beta - 1 + alpha)));
    mult.push(m); lo.push(a); hi.push(b);
    edge = next;
  }
  return {
    alpha, beta, M, n: lam.length,
    lambda: Float64Array.from(lam), wstar: Float64Array.from(ws), mult: Float64Array.from(mult),
    kLow: Float64Array.from(lo), kHigh: Float64Array.from(hi),
    truncationFloor: truncationFloor(alpha, beta, M),
  };
}

/** Σ_j m_j λ_j w*_j²: the initial loss of the binned task (= Σ_{k ≤ M} k^{-αβ-1} by construction). */
export function binnedInitialLoss(bins: ModeBins): number {
  let s = 0;
  for (let j = bins.n - 1; j >= 0; j--) s += bins.mult[j]! * bins.lambda[j]! * bins.wstar[j]! ** 2;
  return s;
}
