/**
 * Pure-TS twin of native/theory/volterra.cc: lazy (γ = 0) online SGD at N = ∞ with batch B (SPEC 3.4), on binned
 * modes (lib/theory/modes.ts).
 *
 * 'exact': the exact per-mode second-moment recursion for Gaussian features. With v' = v - η ĝ, E[ĝ] = Λv and
 * Cov(ĝ) = (1/B)[Λ (vᵀΛv) + Λ v vᵀ Λ] (SPEC 3.1, SGD noise), the diagonal second moments x_k = E[v_k²] close:
 *     x_k(t+1) = [(1-ηλ_k)² + η²λ_k²/B] x_k(t) + (η²/B) λ_k L(t),   L(t) = Σ_k λ_k x_k(t).
 * 'volterra': SPEC 3.4 as written, L(t) = Σ λ w*²(1-ηλ)^{2t} + (η²/B) Σ_{s<t} K(t-1-s) L(s). It is the same
 * recursion WITHOUT the η²λ_k²/B term (unroll x_k to see it), which is how it is evaluated here in O(n) per step
 * instead of O(t) (the convolution form is checked against it in tests). SPEC 3.4 drops the η²λ_k² x_k/B term
 * (the rank-one part of Cov ĝ); it matters early and for the top modes.
 */
export interface VolterraKernelArgs {
  mode: 'exact' | 'volterra';
  eta: number;
  batch: number;
  lambda: Float64Array;
  wstar: Float64Array;
  mult: Float64Array;
  /** Record steps: sorted distinct integers starting at 0. */
  recordSteps: Float64Array;
}

export interface VolterraKernelResult {
  loss: Float64Array;
  diverged: boolean;
  /** Index into recordSteps at which divergence was detected (-1 if none). */
  divergedAt: number;
}

export function referenceVolterra(args: VolterraKernelArgs): VolterraKernelResult {
  const { eta, batch: B, lambda: lam, mult, recordSteps } = args;
  const n = lam.length;
  const x = new Float64Array(n), decay = new Float64Array(n), drive = new Float64Array(n), ml = new Float64Array(n);
  const extra = args.mode === 'exact' ? 1 : 0;
  for (let j = 0; j < n; j++) {
    const l = lam[j]!;
    x[j] = args.wstar[j]! ** 2;
    decay[j] = (1 - eta * l) ** 2 + extra * (eta * eta * l * l) / B;
    drive[j] = (eta * eta / B) * l;
    ml[j] = mult[j]! * l;
  }
  const lossOf = (): number => { let s = 0; for (let j = n - 1; j >= 0; j--) s += ml[j]! * x[j]!; return s; };
  const L0 = lossOf();
  const T = recordSteps[recordSteps.length - 1]!;
  const out: number[] = [];
  let rec = 0;
  for (let t = 0; ; t++) {
    const L = lossOf();
    if (!Number.isFinite(L) || L > 1e4 * L0) return { loss: Float64Array.from(out), diverged: true, divergedAt: rec };
    if (t === recordSteps[rec]) { out.push(L); rec++; }
    if (t >= T) break;
    for (let j = 0; j < n; j++) x[j] = decay[j]! * x[j]! + drive[j]! * L;
  }
  return { loss: Float64Array.from(out), diverged: false, divergedAt: -1 };
}

/** SPEC 3.4 literally, as an O(T²) convolution (every step 0..T); for tests of the recursion above. */
export function referenceVolterraConvolution(
  args: Pick<VolterraKernelArgs, 'eta' | 'batch' | 'lambda' | 'wstar' | 'mult'>, T: number,
): Float64Array {
  const { eta, batch: B, lambda: lam, wstar, mult } = args;
  const n = lam.length;
  const K = new Float64Array(T + 1), F = new Float64Array(T + 1), L = new Float64Array(T + 1);
  for (let tau = 0; tau <= T; tau++) {
    let k = 0, f = 0;
    for (let j = 0; j < n; j++) {
      const r = (1 - eta * lam[j]!) ** (2 * tau);
      k += mult[j]! * lam[j]! * lam[j]! * r;
      f += mult[j]! * lam[j]! * wstar[j]! ** 2 * r;
    }
    K[tau] = k; F[tau] = f;
  }
  for (let t = 0; t <= T; t++) {
    let s = 0;
    for (let u = 0; u < t; u++) s += K[t - 1 - u]! * L[u]!;
    L[t] = F[t]! + (eta * eta / B) * s;
  }
  return L;
}
