/**
 * Pure-TypeScript twin of the native finite-N DMFT kernel (native/theory/dmft.cc), for small T and M and for
 * tests (native vs TS agree to ~1e-10). The equations are SPEC 3.1–3.2 on the discrete step grid, as written
 * (with derivation) in docs/theory-dmft.md. Same algorithm, same operation order as the C++ (up to BLAS
 * summation order).
 *
 * Grid: n = T + 1 points t = 0..T (loss after t SGD updates). All two-time objects are n×n row-major.
 */

/** Mode quadrature (SPEC 3.2 "log-binning"): representative λ, w*², and multiplicity per bin. */
export interface DmftModes {
  lambda: Float64Array;
  wstar2: Float64Array;
  mult: Float64Array;
}

/** The fixed-point state (SPEC 3.2): the order parameters iterated on. */
export interface DmftState {
  Cg: Float64Array;
  Rg: Float64Array;
  Cb: Float64Array;
  Cw: Float64Array;
  /** Per-bin ⟨v_k(t)²⟩ (bins × n), used by the SGD noise (finite B, γ = 0). */
  vv: Float64Array;
  /** L(t) (n). */
  loss: Float64Array;
}

export interface DmftCoreArgs {
  eta: number;
  gamma: number;
  N: number;
  /** Infinity or a positive integer (finite only with γ = 0, checked by the wrapper). */
  batch: number;
  steps: number;
  modes: DmftModes;
  damping: number;
  tol: number;
  maxIter: number;
  /** Initial state (continuation); null = the lazy N = ∞ solution. */
  init: DmftState | null;
}

export interface DmftCoreResult {
  state: DmftState;
  residuals: number[];
  iterations: number;
  converged: boolean;
  /** '' | 'nan' | 'maxIter' | 'stalled' */
  failure: string;
}

// ---- small dense helpers (row-major n×n) ----

/** C = A·B */
function matmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k]!;
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j]! += a * B[k * n + j]!;
    }
  }
  return C;
}

/** C = A·Bᵀ */
function matmulT(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * B[j * n + k]!;
      C[i * n + j] = s;
    }
  }
  return C;
}

/** Solves L X = B for X, L lower triangular (diagonal used as given). */
function trsmLower(L: Float64Array, B: Float64Array, n: number): Float64Array {
  const X = Float64Array.from(B);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k]!;
      if (l === 0) continue;
      for (let j = 0; j < n; j++) X[i * n + j]! -= l * X[k * n + j]!;
    }
    const d = L[i * n + i]!;
    for (let j = 0; j < n; j++) X[i * n + j]! /= d;
  }
  return X;
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** J = tril(ones, -1): the strictly causal sum over earlier steps. */
function strictOnes(n: number): Float64Array {
  const J = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) J[i * n + j] = 1;
  return J;
}

function strictLower(A: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) X[i * n + j] = A[i * n + j]!;
  return X;
}

/** The lazy N = ∞ state: v_k(t) = w*_k (1-ηλ_k)^t, R_g = 0, C_b = C_g, C_w = (ηJ) C_b (ηJ)ᵀ. */
export function lazyState(a: Pick<DmftCoreArgs, 'eta' | 'steps' | 'modes'>): DmftState {
  const n = a.steps + 1;
  const nb = a.modes.lambda.length;
  const Cg = new Float64Array(n * n);
  const vv = new Float64Array(nb * n);
  const loss = new Float64Array(n);
  const h = new Float64Array(n);
  for (let b = 0; b < nb; b++) {
    const lam = a.modes.lambda[b]!, w2 = a.modes.wstar2[b]!, m = a.modes.mult[b]!;
    for (let t = 0; t < n; t++) h[t] = Math.pow(1 - a.eta * lam, t);
    for (let t = 0; t < n; t++) {
      vv[b * n + t] = w2 * h[t]! * h[t]!;
      loss[t]! += m * lam * w2 * h[t]! * h[t]!;
      for (let s = 0; s < n; s++) Cg[t * n + s]! += m * lam * lam * w2 * h[t]! * h[s]!;
    }
  }
  const J = strictOnes(n);
  const Cw = matmulT(matmul(J, Cg, n), J, n);
  for (let i = 0; i < n * n; i++) Cw[i]! *= a.eta * a.eta;
  return { Cg, Rg: new Float64Array(n * n), Cb: Float64Array.from(Cg), Cw, vv, loss };
}

/** One map X → F(X) of the fixed point (SPEC 3.2; docs/theory-dmft.md §3). */
export function dmftMap(a: DmftCoreArgs, X: DmftState): DmftState {
  const n = a.steps + 1;
  const { eta, gamma, N } = a;
  const nb = a.modes.lambda.length;
  const J = strictOnes(n);
  const I = identity(n);
  // N-site: Φ_w = (I - η²γ J tril(C_b,-1))^{-1} ηJ ;  Φ_z = Φ_w + ηγ tril(C_w,-1)
  const Lw = matmul(J, strictLower(X.Cb, n), n);
  for (let i = 0; i < n * n; i++) Lw[i] = I[i]! - eta * eta * gamma * Lw[i]!;
  const etaJ = J.map((x) => eta * x);
  const Phiw = trsmLower(Lw, etaJ, n);
  const Phiz = Float64Array.from(Phiw);
  const Cws = strictLower(X.Cw, n);
  for (let i = 0; i < n * n; i++) Phiz[i]! += eta * gamma * Cws[i]!;
  // R_z = (I - Φ_z R_g)^{-1} Φ_z
  const PR = matmul(Phiz, X.Rg, n);
  for (let i = 0; i < n * n; i++) PR[i] = I[i]! - PR[i]!;
  const Rz = trsmLower(PR, Phiz, n);
  // C_b = (I + R_g R_z) C_g (I + R_g R_z)ᵀ ; C_w = Φ_w C_b Φ_wᵀ ; C_z = R_z C_g R_zᵀ
  const E = matmul(X.Rg, Rz, n);
  for (let i = 0; i < n * n; i++) E[i]! += I[i]!;
  const Cb = matmulT(matmul(E, X.Cg, n), E, n);
  const Cw = matmulT(matmul(Phiw, Cb, n), Phiw, n);
  const Cz = matmulT(matmul(Rz, X.Cg, n), Rz, n);
  // M-site, per mode bin: H = (I + λ R_z)^{-1}
  const Cg = new Float64Array(n * n);
  const Rg = new Float64Array(n * n);
  const vv = new Float64Array(nb * n);
  const loss = new Float64Array(n);
  const finiteB = Number.isFinite(a.batch);
  for (let b = 0; b < nb; b++) {
    const lam = a.modes.lambda[b]!, w2 = a.modes.wstar2[b]!, m = a.modes.mult[b]!;
    const A = Rz.map((x) => lam * x);
    for (let i = 0; i < n; i++) A[i * n + i]! += 1;
    const H = trsmLower(A, I, n);
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j <= i; j++) s += H[i * n + j]!; h[i] = s; }
    // P1 = H C_z Hᵀ / N
    const P1 = matmulT(matmul(H, Cz, n), H, n);
    let P2: Float64Array | null = null; // H Σ Hᵀ
    let P3: Float64Array | null = null; // (H R_z) Σ (H R_z)ᵀ
    if (finiteB) {
      // SGD noise (SPEC 3.1): Var ξ_k(t) = (λ_k L(t) + λ_k² ⟨v_k(t)²⟩)/B, white in t, from the previous iterate.
      const D = new Float64Array(n);
      for (let t = 0; t < n; t++) D[t] = Math.sqrt(Math.max(0, (lam * X.loss[t]! + lam * lam * X.vv[b * n + t]!) / a.batch));
      const HD = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) HD[i * n + j] = H[i * n + j]! * D[j]!;
      P2 = matmulT(HD, HD, n);
      const HR = matmul(H, Rz, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) HR[i * n + j]! *= D[j]!;
      P3 = matmulT(HR, HR, n);
    }
    for (let t = 0; t < n; t++) {
      let d = w2 * h[t]! * h[t]! + P1[t * n + t]! / N;
      if (P3) d += P3[t * n + t]!;
      vv[b * n + t] = d;
      loss[t]! += m * lam * d;
      for (let s = 0; s < n; s++) {
        let g = lam * lam * (w2 * h[t]! * h[s]! + P1[t * n + s]! / N);
        if (P2) g += P2[t * n + s]!;
        Cg[t * n + s]! += m * g;
        Rg[t * n + s]! -= (m * lam / N) * H[t * n + s]!;
      }
    }
  }
  return { Cg, Rg, Cb, Cw, vv, loss };
}

function relChange(next: Float64Array, prev: Float64Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < next.length; i++) {
    num = Math.max(num, Math.abs(next[i]! - prev[i]!));
    den = Math.max(den, Math.abs(next[i]!));
  }
  return den > 0 ? num / den : num;
}

/** Residual of one map: max relative change over the order parameters (each normalised by its own max). */
export function residual(F: DmftState, X: DmftState): number {
  return Math.max(relChange(F.Cg, X.Cg), relChange(F.Rg, X.Rg), relChange(F.Cb, X.Cb), relChange(F.Cw, X.Cw),
    relChange(F.loss, X.loss));
}

function mix(X: DmftState, F: DmftState, th: number): DmftState {
  const m = (x: Float64Array, f: Float64Array): Float64Array => x.map((v, i) => (1 - th) * v + th * f[i]!);
  return { Cg: m(X.Cg, F.Cg), Rg: m(X.Rg, F.Rg), Cb: m(X.Cb, F.Cb), Cw: m(X.Cw, F.Cw), vv: m(X.vv, F.vv), loss: m(X.loss, F.loss) };
}

function finite(X: DmftState): boolean {
  for (const arr of [X.Cg, X.Rg, X.Cb, X.Cw, X.loss]) for (const v of arr) if (!Number.isFinite(v)) return false;
  return true;
}

/**
 * Damped fixed-point iteration X ← (1-θ)X + θF(X) (SPEC 3.2) until the residual is below tol. Stops with
 * failure 'nan' (non-finite), 'stalled' (residual not improved by 2× over 50 iterations) or 'maxIter'.
 */
export function dmftCoreReference(a: DmftCoreArgs, onIter?: (iter: number, res: number) => void): DmftCoreResult {
  let X = a.init ?? lazyState(a);
  const residuals: number[] = [];
  let best = Infinity, bestAt = 0;
  for (let it = 1; it <= a.maxIter; it++) {
    const F = dmftMap(a, X);
    if (!finite(F)) return { state: X, residuals, iterations: it, converged: false, failure: 'nan' };
    const r = residual(F, X);
    residuals.push(r);
    onIter?.(it, r);
    X = mix(X, F, a.damping);
    if (r < a.tol) return { state: F, residuals, iterations: it, converged: true, failure: '' };
    if (r < best / 2) { best = r; bestAt = it; }
    if (it - bestAt > 50) return { state: X, residuals, iterations: it, converged: false, failure: 'stalled' };
  }
  return { state: X, residuals, iterations: a.maxIter, converged: false, failure: 'maxIter' };
}
