/**
 * (α, β) of a kernel and a target from the kernel's eigendecomposition (SPEC 1, SPEC 5 Fig. 5; docs/mlp.md).
 *
 * Input: eigenvalues λ_i (operator scale: the Gram matrix's eigenvalues divided by the number of points n), sorted
 * descending, and the target's power in each eigenvector p_i = (y·v_i)²/n (Σ p_i = mean y²).
 * Modes:
 *  - 'rank': mode k = i + 1 (1-based rank), λ_k and P_k as they are (any kernel);
 *  - 'circle': the rotation-invariant kernel on S¹ has one eigenvalue for the constant (rank 0) and two per
 *    frequency k ≥ 1 (cos and sin): mode k pairs ranks 2k−1 and 2k, λ̄_k = √(λ_{2k−1}λ_{2k}), P_k = p_{2k−1} + p_{2k}.
 * α: weighted least squares of ln λ_k on ln k over the window [k1, k2] (λ_k ~ k^-α), through lib/fit/powerLaw.
 * β: the source condition of SPEC 1, T_k = Σ_{j>k} P_j ~ λ_k^β: least squares of ln T_k on ln λ_k over the window.
 *    A second estimate from the per-mode power, P_k ~ k^-(αβ+1), is reported as a cross-check.
 * Intervals: the regression standard error of each slope (points in a spectrum are not independent noise, so
 * these are indicative); the two half-window slopes show whether the law drifts inside the window.
 */
import { fitPowerLaw, type PowerLawFit } from '../fit/powerLaw.js';

export type SpectrumMode = 'rank' | 'circle';

export interface ModeSpectrum {
  mode: SpectrumMode;
  /** Mode index k (1-based). */
  k: Float64Array;
  lambda: Float64Array;
  /** Target power per mode (empty without a target). */
  power: Float64Array;
  /** Tail sums T_k = Σ_{j>k} P_j. */
  tail: Float64Array;
  /** Eigenvalue and target power of the constant mode (circle mode), else null. */
  constant: { lambda: number; power: number } | null;
}

export interface SlopeFit {
  value: number;
  se: number;
  /** 95% interval value ± 1.96 se. */
  lower: number;
  upper: number;
  window: [number, number];
  points: number;
  rmsResidual: number;
  halves: { early: number; late: number };
}

export interface SpectrumEstimate {
  alpha: SlopeFit;
  /** β from the tail sums (SPEC 1 source condition); null without a target. */
  beta: SlopeFit | null;
  /** β from the per-mode power exponent, (exponent − 1)/α̂; null without a target. */
  betaFromModes: { value: number; modeExponent: number } | null;
  spectrum: ModeSpectrum;
  warnings: string[];
}

/** Sort an ascending eigen output (LAPACK order) into descending order. */
export function sortDescending(values: Float64Array, vectors: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const v = new Float64Array(values.length);
  const V = new Float64Array(vectors.length);
  order.forEach((src, dst) => {
    v[dst] = values[src]!;
    V.set(vectors.subarray(src * n, src * n + n), dst * n);
  });
  return { values: v, vectors: V };
}

/** Target power p_i = (y·v_i)²/n in each eigenvector (rows of `vectors`, unit norm). */
export function targetPower(vectors: Float64Array, y: ArrayLike<number>, n: number, count: number): Float64Array {
  const p = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    const off = i * n;
    for (let j = 0; j < n; j++) s += vectors[off + j]! * y[j]!;
    p[i] = (s * s) / n;
  }
  return p;
}

/** Mode spectrum from descending operator eigenvalues and target powers (power may be empty). */
export function modeSpectrum(lambda: ArrayLike<number>, power: ArrayLike<number>, mode: SpectrumMode): ModeSpectrum {
  const n = lambda.length;
  const hasTarget = power.length > 0;
  const ks: number[] = [];
  const lam: number[] = [];
  const pw: number[] = [];
  let constant: ModeSpectrum['constant'] = null;
  if (mode === 'rank') {
    for (let i = 0; i < n; i++) {
      ks.push(i + 1);
      lam.push(lambda[i]!);
      if (hasTarget) pw.push(power[i]!);
    }
  } else {
    constant = { lambda: lambda[0]!, power: hasTarget ? power[0]! : NaN };
    for (let k = 1; 2 * k < n; k++) {
      ks.push(k);
      lam.push(Math.sqrt(Math.max(lambda[2 * k - 1]!, 0) * Math.max(lambda[2 * k]!, 0)));
      if (hasTarget) pw.push(power[2 * k - 1]! + power[2 * k]!);
    }
  }
  const tail = new Float64Array(hasTarget ? pw.length : 0);
  if (hasTarget) {
    let s = 0;
    for (let i = pw.length - 1; i >= 0; i--) {
      tail[i] = s;
      s += pw[i]!;
    }
  }
  return {
    mode, k: Float64Array.from(ks), lambda: Float64Array.from(lam), power: Float64Array.from(pw), tail, constant,
  };
}

function slope(x: Float64Array, y: Float64Array, window: [number, number], what: string): SlopeFit {
  const n = x.length;
  if (n < 3) throw new RangeError(`${what}: only ${n} point${n === 1 ? '' : 's'} in the window ${window[0]}..${window[1]} (need at least 3)`);
  const f: PowerLawFit = fitPowerLaw(x, y);
  const mid = Math.floor(n / 2);
  const half = (a: number, b: number): number => (b - a >= 2 ? fitPowerLaw(x.subarray(a, b), y.subarray(a, b)).exponent : NaN);
  return {
    value: f.exponent, se: f.exponentSe, lower: f.exponent - 1.96 * f.exponentSe, upper: f.exponent + 1.96 * f.exponentSe,
    window, points: n, rmsResidual: f.rmsResidual, halves: { early: half(0, mid + 1), late: half(mid, n) },
  };
}

/** Default window: k from 4 to an eighth of the available modes (at least 3 points). */
export function defaultWindow(spec: ModeSpectrum): [number, number] {
  const m = spec.k.length;
  const k2 = Math.max(Math.floor(m / 4), Math.min(m, 8));
  return [Math.min(4, Math.max(1, k2 - 2)), k2];
}

/** α (and β with a target) over the window [k1, k2] of mode indices (docs/mlp.md). */
export function estimateSpectrum(spec: ModeSpectrum, window?: [number, number]): SpectrumEstimate {
  const warnings: string[] = [];
  const [k1, k2] = window ?? defaultWindow(spec);
  if (!(k1 >= 1) || !(k2 > k1)) throw new RangeError(`spectrum window ${k1}..${k2} must satisfy 1 ≤ k1 < k2`);
  const idx: number[] = [];
  for (let i = 0; i < spec.k.length; i++) if (spec.k[i]! >= k1 && spec.k[i]! <= k2) idx.push(i);
  const kk = Float64Array.from(idx, (i) => spec.k[i]!);
  const lam = Float64Array.from(idx, (i) => spec.lambda[i]!);
  const bad = lam.findIndex((v) => !(v > 0));
  if (bad >= 0) {
    throw new RangeError(`eigenvalue of mode k = ${kk[bad]} is ${lam[bad]} (not > 0) inside the window ${k1}..${k2}: pick a window of positive eigenvalues (spectrum --window, sobolev --spec-window)`);
  }
  const alpha = slope(kk, lam, [k1, k2], 'alpha fit');
  if (!(alpha.value > 1)) warnings.push(`α = ${alpha.value.toPrecision(3)} ≤ 1: the trace condition of SPEC 1 (α > 1) fails`);
  let beta: SlopeFit | null = null;
  let betaFromModes: SpectrumEstimate['betaFromModes'] = null;
  if (spec.power.length > 0) {
    const T = Float64Array.from(idx, (i) => spec.tail[i]!);
    const P = Float64Array.from(idx, (i) => spec.power[i]!);
    const okT = T.every((v) => v > 0);
    if (!okT) throw new RangeError(`the target's tail power is 0 inside the window ${k1}..${k2}: the target lives in fewer modes; pick a smaller window (spectrum --window, sobolev --spec-window)`);
    // T ~ λ^β ⇔ T ~ (1/λ)^-β: fitPowerLaw on t = 1/λ (increasing) gives β as its exponent.
    beta = slope(Float64Array.from(lam, (v) => 1 / v), T, [k1, k2], 'beta fit');
    if (!(beta.value > 0)) {
      warnings.push(`β = ${beta.value.toPrecision(3)} ≤ 0: the target's tail power does not fall with the eigenvalue in this window ` +
        '(no power-law source condition, SPEC 1); pick another window');
    }
    if (P.every((v) => v > 0)) {
      const modeExponent = fitPowerLaw(kk, P).exponent;
      betaFromModes = { value: (modeExponent - 1) / alpha.value, modeExponent };
    } else warnings.push('some modes in the window carry no target power: the per-mode β cross-check is skipped');
  }
  for (const [name, f] of [['α', alpha], ['β', beta]] as const) {
    if (f && Number.isFinite(f.halves.early) && Math.abs(f.halves.late - f.halves.early) > 0.1 * Math.abs(f.value) + 0.05) {
      warnings.push(`${name} drifts inside the window: ${f.halves.early.toPrecision(3)} on the first half, ${f.halves.late.toPrecision(3)} on the second`);
    }
  }
  return { alpha, beta, betaFromModes, spectrum: spec, warnings };
}

/** Mean and 95% t-interval over per-seed estimates. */
export function seedInterval(values: number[]): { mean: number; se: number; lower: number; upper: number; seeds: number } {
  const S = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / S;
  const sd = S > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1)) : NaN;
  const se = sd / Math.sqrt(S);
  const t = tQuantile975(S - 1);
  return { mean, se, lower: mean - t * se, upper: mean + t * se, seeds: S };
}

/** 97.5% quantile of Student's t with ν degrees of freedom (table up to 30, normal beyond). */
export function tQuantile975(nu: number): number {
  const table = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
    2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  if (nu < 1) return NaN;
  return nu <= 30 ? table[nu]! : 1.96 + 2.4 / nu;
}

/**
 * Rotation average of a kernel sampled on n equispaced points of the circle: K̄_d = mean_i K[i, (i+d) mod n]. The
 * averaged (circulant) kernel is what the infinite-width NTK is by symmetry; its eigenvectors are exactly the
 * Fourier modes, with eigenvalues μ_k = Σ_d K̄_d cos(2πkd/n) (operator scale μ_k/n, twice for 1 ≤ k < n/2).
 * The target power of frequency k is (a_k² + b_k²)/2 from its discrete Fourier coefficients.
 */
export function circulantSpectrum(K: ArrayLike<number>, n: number, y: ArrayLike<number> | null): ModeSpectrum {
  const avg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let d = 0; d < n; d++) avg[d]! += K[i * n + ((i + d) % n)]!;
  for (let d = 0; d < n; d++) avg[d]! /= n;
  const cosT = new Float64Array(n);
  const sinT = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cosT[j] = Math.cos((2 * Math.PI * j) / n);
    sinT[j] = Math.sin((2 * Math.PI * j) / n);
  }
  const mu = (k: number): number => {
    let s = 0;
    for (let d = 0; d < n; d++) s += avg[d]! * cosT[(k * d) % n]!;
    return s / n;
  };
  const kmax = Math.floor((n - 1) / 2);
  const ks = Float64Array.from({ length: kmax }, (_, i) => i + 1);
  const lambda = Float64Array.from(ks, mu);
  let power = new Float64Array(0);
  let constant = { lambda: mu(0), power: NaN };
  if (y) {
    power = new Float64Array(kmax);
    let mean = 0;
    for (let j = 0; j < n; j++) mean += y[j]!;
    mean /= n;
    constant = { lambda: mu(0), power: mean * mean };
    for (let k = 1; k <= kmax; k++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < n; j++) {
        a += y[j]! * cosT[(k * j) % n]!;
        b += y[j]! * sinT[(k * j) % n]!;
      }
      a *= 2 / n;
      b *= 2 / n;
      power[k - 1] = (a * a + b * b) / 2;
    }
  }
  const tail = new Float64Array(power.length);
  let s = 0;
  for (let i = power.length - 1; i >= 0; i--) {
    tail[i] = s;
    s += power[i]!;
  }
  return { mode: 'circle', k: ks, lambda, power, tail, constant };
}

/** Lazy (linearised, population-gradient) loss from a kernel's eigen-decomposition: Σ_i p_i (1 − η0 λ_i)^{2t}. */
export function lazyKernelLoss(lambda: ArrayLike<number>, power: ArrayLike<number>, eta0: number, steps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(steps.length);
  for (let s = 0; s < steps.length; s++) {
    let L = 0;
    for (let i = 0; i < power.length; i++) L += power[i]! * Math.pow(1 - eta0 * lambda[i]!, 2 * steps[s]!);
    out[s] = L;
  }
  return out;
}
