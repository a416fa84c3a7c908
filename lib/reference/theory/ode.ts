/**
 * Pure-TS twin of native/theory/ode.cc: the N = B = ∞ dynamics of SPEC 3.3 on binned modes
 * (lib/theory/modes.ts), as gradient flow ('flow') or as the exact unit-step map ('map'). Plain loops and a
 * cyclic Jacobi eigensolver: for tests on small sizes only.
 *
 * State, in the symmetric weighted variables of SPEC 8.2 extended to multiplicities m_j (s_j = sqrt(m_j λ_j)):
 *   ũ_j = s_j v_j  (v = w* - β, so L = |ũ|²),  a_j = s_j w*_j,  b̃ = a - ũ  (= s∘β),
 *   E_jl = s_j s_l D_jl  with K = I + D (D constant on bin blocks),  c = |w|².
 * Since (K g)_k = g_k + Σ_l m_l D_kl g_l and g = Λv:  s∘(K g) = Λũ + Eũ,  β·g = b̃·ũ,  gᵀKg = ũ·(Λũ + Eũ).
 *
 * Flow (SPEC 3.3): dũ/dt = -η H ũ, H = (1+γc)Λ + E;  dE/dt = ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ);  dc/dt = 2η b̃·ũ.
 * Map (one SPEC 2.1 step with A(0)ᵀA(0)/N → I, derived in docs of lib/theory/ode.ts):
 *   ũ' = ũ - η[(1+γc)Λũ + Eũ] - η²γ (b̃·ũ) Λũ
 *   E' = E + ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ) + η²γ² c (Λũ)(Λũ)ᵀ
 *   c' = c + 2η b̃·ũ + η² ũ·(Λũ + Eũ)
 */
import { DIVERGENCE_FACTOR } from '../../simulate/types.js';

export interface OdeKernelArgs {
  form: 'flow' | 'map';
  /**
   * Flow only (ignored by 'map' and at γ = 0, where both are the closed form). 'eig' (reference): every step
   * eigendecomposes the full n×n H. 'fast' (default): the same step on the active bins plus two tail directions
   * (deflation of the untouched tail, referenceOdeFlowFast).
   */
  method?: 'fast' | 'eig';
  /** method 'fast': bins with η·λ_j·(1+γc)·t < deflationTol stay in the deflated tail. Default 1e-3. */
  deflationTol?: number;
  gamma: number;
  eta: number;
  /** Representative λ_j, w*_j, multiplicity m_j (length n each). */
  lambda: Float64Array;
  wstar: Float64Array;
  mult: Float64Array;
  /** flow: the integration grid (increasing, starts at 0, real); map: record steps (integers, from 0). */
  times: Float64Array;
}

export interface OdeKernelResult {
  /** Loss Σ m λ v² at each time reached. */
  loss: Float64Array;
  /** c = |w|² at each time reached (the kernel boost is 1 + γc). */
  c: Float64Array;
  diverged: boolean;
  /** Index into times at which divergence was detected (-1 if none). */
  divergedAt: number;
  /** Largest matrix dimension used (flow: n for 'eig', active bins + tail directions for 'fast'). */
  maxDim?: number;
  /** Flow with γ > 0: Σ over steps of d³ (d = that step's eigenproblem dimension); a flop-count proxy. */
  sumDim3?: number;
}

export const DEFAULT_DEFLATION_TOL = 1e-3;

/** Eigen-decomposition of a symmetric n×n matrix (row-major, not modified) by cyclic Jacobi: H = Q diag(mu) Qᵀ. */
export function jacobiEigen(H: Float64Array, n: number): { mu: Float64Array; Q: Float64Array } {
  const A = Float64Array.from(H);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!, aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1), sn = t * cs;
        for (let k = 0; k < n; k++) { // columns p, q
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = cs * akp - sn * akq;
          A[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) { // rows p, q
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = cs * apk - sn * aqk;
          A[q * n + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < n; k++) {
          const qkp = Q[k * n + p]!, qkq = Q[k * n + q]!;
          Q[k * n + p] = cs * qkp - sn * qkq;
          Q[k * n + q] = sn * qkp + cs * qkq;
        }
      }
    }
  }
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) mu[i] = A[i * n + i]!;
  return { mu, Q };
}

/** ∫_0^h e^{-x s} ds = h (1 - e^{-xh})/(xh), stable for small or slightly negative x. */
export function phi1(x: number, h: number): number {
  const r = x * h;
  if (Math.abs(r) < 1e-8) return h * (1 - r / 2 + (r * r) / 6);
  return (-Math.expm1(-r) / r) * h;
}

interface FlowState { u: Float64Array; E: Float64Array; c: number }

/**
 * One exponential step of length h with H frozen (SPEC 8.2: the stiff linear part treated exactly):
 * ũ(s) = e^{-ηsH} ũ0, and E, c advanced by the exact integrals of their right-hand sides along that path.
 */
function frozenStep(
  st: FlowState, H: Float64Array | null, n: number, lam: Float64Array, a: Float64Array, gamma: number, eta: number,
  h: number,
): FlowState {
  const u0 = st.u;
  let mu: Float64Array, Q: Float64Array | null;
  if (H === null) { // γ = 0: H = Λ is diagonal, Q = I
    mu = lam; Q = null;
  } else {
    ({ mu, Q } = jacobiEigen(H, n));
  }
  const p = new Float64Array(n);
  if (Q) {
    for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < n; k++) s += Q[k * n + i]! * u0[k]!; p[i] = s; }
  } else p.set(u0);
  const ep = new Float64Array(n), fp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ep[i] = Math.exp(-eta * mu[i]! * h) * p[i]!;
    fp[i] = phi1(eta * mu[i]!, h) * p[i]!;
  }
  const u = new Float64Array(n), U = new Float64Array(n);
  if (Q) {
    for (let k = 0; k < n; k++) {
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) { s1 += Q[k * n + i]! * ep[i]!; s2 += Q[k * n + i]! * fp[i]!; }
      u[k] = s1; U[k] = s2;
    }
  } else { u.set(ep); U.set(fp); }
  let trS = 0;
  for (let i = 0; i < n; i++) trS += p[i]! * p[i]! * phi1(2 * eta * mu[i]!, h);
  let aU = 0;
  for (let k = 0; k < n; k++) aU += a[k]! * U[k]!;
  const c = st.c + 2 * eta * (aU - trS);
  const E = Float64Array.from(st.E);
  if (gamma !== 0 && Q) {
    // S = ∫ũũᵀ = Q W Qᵀ, W_ij = p_i p_j φ(η(μ_i+μ_j)); X = U aᵀ - S; E += ηγ(ΛX + XᵀΛ).
    const W = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[i * n + j] = p[i]! * p[j]! * phi1(eta * (mu[i]! + mu[j]!), h);
    const T = new Float64Array(n * n);
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) {
      let s = 0; for (let i = 0; i < n; i++) s += Q[k * n + i]! * W[i * n + j]!; T[k * n + j] = s;
    }
    const g = eta * gamma;
    for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) {
      let s = 0; for (let j = 0; j < n; j++) s += T[k * n + j]! * Q[l * n + j]!;
      // X_kl = U_k a_l - S_kl (S symmetric): ΛX + XᵀΛ at (k,l) = λ_k X_kl + λ_l X_lk
      const Xkl = U[k]! * a[l]! - s, Xlk = U[l]! * a[k]! - s;
      E[k * n + l] = E[k * n + l]! + g * (lam[k]! * Xkl + lam[l]! * Xlk);
    }
  }
  return { u, E, c };
}

function buildH(st: FlowState, n: number, lam: Float64Array, gamma: number): Float64Array {
  const H = Float64Array.from(st.E);
  const boost = 1 + gamma * st.c;
  for (let i = 0; i < n; i++) H[i * n + i] = H[i * n + i]! + boost * lam[i]!;
  return H;
}

export function weightedInit(args: Pick<OdeKernelArgs, 'lambda' | 'wstar' | 'mult'>): { s: Float64Array; a: Float64Array } {
  const n = args.lambda.length;
  const s = new Float64Array(n), a = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    s[j] = Math.sqrt(args.mult[j]! * args.lambda[j]!);
    a[j] = s[j]! * args.wstar[j]!;
  }
  return { s, a };
}

function sumSq(u: Float64Array): number {
  let s = 0;
  for (let j = u.length - 1; j >= 0; j--) s += u[j]! * u[j]!;
  return s;
}

/** Gradient flow on the grid `times` (SPEC 3.3), exponential midpoint (trapezoidal-H) predictor–corrector. */
export function referenceOdeFlow(args: OdeKernelArgs): OdeKernelResult {
  const { gamma, eta, lambda: lam, times } = args;
  const n = lam.length;
  const { a } = weightedInit(args);
  let st: FlowState = { u: Float64Array.from(a), E: new Float64Array(n * n), c: 0 };
  const loss: number[] = [sumSq(st.u)], cs: number[] = [0];
  const L0 = loss[0]!;
  // H frozen over each step at the trapezoidal average, H(t_i) extrapolated linearly from the two previous
  // grid points: H_mid = H_cur + (h/(2 h_prev))(H_cur - H_prev); the first (tiny) step uses H(0). 2nd order.
  let Hprev: Float64Array | null = null;
  let hPrev = 0;
  for (let i = 1; i < times.length; i++) {
    const h = times[i]! - times[i - 1]!;
    if (gamma === 0) {
      st = frozenStep(st, null, n, lam, a, gamma, eta, h);
    } else {
      const Hcur = buildH(st, n, lam, gamma);
      const Hmid = Float64Array.from(Hcur);
      if (Hprev) {
        const f = h / (2 * hPrev);
        for (let k = 0; k < n * n; k++) Hmid[k] = Hcur[k]! + f * (Hcur[k]! - Hprev[k]!);
      }
      st = frozenStep(st, Hmid, n, lam, a, gamma, eta, h);
      Hprev = Hcur;
    }
    hPrev = h;
    const L = sumSq(st.u);
    if (!Number.isFinite(L) || L > DIVERGENCE_FACTOR * L0) {
      return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: true, divergedAt: i };
    }
    loss.push(L); cs.push(st.c);
  }
  return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: false, divergedAt: -1 };
}

/** The unit-step map (SPEC 2.1 at N = ∞, B = ∞), recorded at the integer steps `times`. */
export function referenceOdeMap(args: OdeKernelArgs): OdeKernelResult {
  const { gamma, eta, lambda: lam, times } = args;
  const n = lam.length;
  const { a } = weightedInit(args);
  const u = Float64Array.from(a);
  const E = new Float64Array(n * n);
  let c = 0;
  const loss: number[] = [], cs: number[] = [];
  const L0 = sumSq(u);
  const T = times[times.length - 1]!;
  const lu = new Float64Array(n), Eu = new Float64Array(n), b = new Float64Array(n);
  let rec = 0;
  for (let t = 0; ; t++) {
    const L = sumSq(u);
    if (!Number.isFinite(L) || L > DIVERGENCE_FACTOR * L0) {
      return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: true, divergedAt: rec };
    }
    if (t === times[rec]) { loss.push(L); cs.push(c); rec++; }
    if (t >= T) break;
    let bu = 0, uKu = 0;
    for (let j = 0; j < n; j++) { lu[j] = lam[j]! * u[j]!; b[j] = a[j]! - u[j]!; bu += b[j]! * u[j]!; }
    if (gamma !== 0) {
      for (let j = 0; j < n; j++) { let s = 0; for (let l = 0; l < n; l++) s += E[j * n + l]! * u[l]!; Eu[j] = s; }
    }
    for (let j = 0; j < n; j++) uKu += u[j]! * (lu[j]! + Eu[j]!);
    const boost = 1 + gamma * c;
    const q = eta * eta * gamma * bu;
    if (gamma !== 0) {
      const g1 = eta * gamma, g2 = eta * eta * gamma * gamma * c;
      for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) {
        E[j * n + l] = E[j * n + l]! + g1 * (lu[j]! * b[l]! + b[j]! * lu[l]!) + g2 * lu[j]! * lu[l]!;
      }
    }
    for (let j = 0; j < n; j++) u[j] = u[j]! - eta * (boost * lu[j]! + Eu[j]!) - q * lu[j]!;
    c = c + 2 * eta * bu + eta * eta * uKu;
  }
  return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: false, divergedAt: -1 };
}


// ---------------------------------------------------------------------------------------------------------------
// method 'fast' (twin of RunFlowFast in native/theory/ode.cc; the derivation is in its header comment and in
// docs/theory.md). SPEC 3.2 "modes with λ_k R_z ≪ 1 can be treated to first order": a tail bin j with
// θ_j = η λ_j (1+γc) t ≪ 1 has ũ_j = a_j - ηΦ ζ_j (ζ = Λa) to first order, and E's tail rows ∝ ζ_j; the exact
// state then lies in V = span(active bins, q0 ∝ ζ_tail, q1 ∝ a_tail ⊥ q0). The Galerkin projection of the flow
// onto V is the flow itself with Λ → Λ_V = PᵀΛP, a → Pᵀa, on d = nA + 2 dimensions.

function scaledNorm(v: Float64Array): number {
  let scale = 0;
  for (let j = 0; j < v.length; j++) scale = Math.max(scale, Math.abs(v[j]!));
  if (scale === 0) return 0;
  let s = 0;
  for (let j = v.length - 1; j >= 0; j--) s += (v[j]! / scale) ** 2;
  return scale * Math.sqrt(s);
}

function dot(x: Float64Array, y: Float64Array, yOff = 0, m = x.length): number {
  let s = 0;
  for (let j = m - 1; j >= 0; j--) s += x[j]! * y[yOff + j]!;
  return s;
}

interface Tail { nA: number; q: Float64Array[]; Lt: number[][]; at: number[] }

function makeTail(lam: Float64Array, a: Float64Array, nA: number): Tail {
  const n = lam.length, m = n - nA;
  const t: Tail = { nA, q: [], Lt: [[0, 0], [0, 0]], at: [0, 0] };
  if (m <= 0) return t;
  const as = a.subarray(nA);
  const q0 = new Float64Array(m);
  for (let j = 0; j < m; j++) q0[j] = lam[nA + j]! * as[j]!;
  const z = scaledNorm(q0);
  if (z === 0) return t; // a = 0 on the whole tail: it stays exactly 0
  for (let j = 0; j < m; j++) q0[j] = q0[j]! / z;
  t.q.push(q0);
  if (m >= 2) {
    const q1 = Float64Array.from(as);
    for (let pass = 0; pass < 2; pass++) {
      const pr = dot(q0, q1);
      for (let j = 0; j < m; j++) q1[j] = q1[j]! - pr * q0[j]!;
    }
    const w = scaledNorm(q1);
    if (w > 1e-12 * scaledNorm(as)) {
      for (let j = 0; j < m; j++) q1[j] = q1[j]! / w;
      t.q.push(q1);
    }
  }
  const r = t.q.length;
  for (let c = 0; c < r; c++) {
    t.at[c] = dot(t.q[c]!, as);
    for (let e = 0; e < r; e++) {
      let s = 0;
      for (let j = m - 1; j >= 0; j--) s += lam[nA + j]! * t.q[c]![j]! * t.q[e]![j]!;
      t.Lt[c]![e] = s;
    }
  }
  return t;
}

/** Gradient flow (SPEC 3.3) with the untouched tail deflated (method 'fast'); same grid and step as 'eig'. */
export function referenceOdeFlowFast(args: OdeKernelArgs): OdeKernelResult {
  const { gamma, eta, lambda: lam, times } = args;
  const tol = args.deflationTol ?? DEFAULT_DEFLATION_TOL;
  const n = lam.length;
  const { a } = weightedInit(args);
  let tail = makeTail(lam, a, 0);
  let d = tail.nA + tail.q.length;
  const aVof = (t: Tail): Float64Array => {
    const v = new Float64Array(t.nA + t.q.length);
    v.set(a.subarray(0, t.nA));
    for (let c = 0; c < t.q.length; c++) v[t.nA + c] = t.at[c]!;
    return v;
  };
  let aV = aVof(tail);
  let x: Float64Array = Float64Array.from(aV);
  let E: Float64Array = new Float64Array(d * d);
  let Eprev: Float64Array | null = null;
  let c = 0, cPrev = 0, hPrev = 0;
  const buildH = (Em: Float64Array, cm: number): Float64Array => {
    const H = Float64Array.from(Em);
    const boost = 1 + gamma * cm, nA = tail.nA, r = tail.q.length;
    for (let i = 0; i < nA; i++) H[i * d + i] = H[i * d + i]! + boost * lam[i]!;
    for (let i = 0; i < r; i++) for (let e = 0; e < r; e++) H[(nA + i) * d + nA + e] = H[(nA + i) * d + nA + e]! + boost * tail.Lt[i]![e]!;
    return H;
  };
  const activate = (nA: number): void => {
    const r0 = tail.q.length;
    if (nA <= tail.nA || r0 === 0) return;
    const t2 = makeTail(lam, a, nA);
    const nA0 = tail.nA, k = nA - nA0, d0 = d, d2 = t2.nA + t2.q.length, rows = k + t2.q.length;
    const Rt = new Float64Array(rows * r0);
    for (let cc = 0; cc < r0; cc++) {
      for (let i = 0; i < k; i++) Rt[i * r0 + cc] = tail.q[cc]![i]!;
      for (let e = 0; e < t2.q.length; e++) Rt[(k + e) * r0 + cc] = dot(t2.q[e]!, tail.q[cc]!, k, n - nA);
    }
    const mapVec = (v: Float64Array): Float64Array => {
      const out = new Float64Array(d2);
      out.set(v.subarray(0, nA0));
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let cc = 0; cc < r0; cc++) s += Rt[i * r0 + cc]! * v[nA0 + cc]!;
        out[nA0 + i] = s;
      }
      return out;
    };
    const mapMat = (M: Float64Array): Float64Array => {
      const out = new Float64Array(d2 * d2);
      for (let i = 0; i < nA0; i++) {
        out.set(M.subarray(i * d0, i * d0 + nA0), i * d2);
        for (let j = 0; j < rows; j++) {
          let s = 0;
          for (let cc = 0; cc < r0; cc++) s += M[i * d0 + nA0 + cc]! * Rt[j * r0 + cc]!;
          out[i * d2 + nA0 + j] = s;
          out[(nA0 + j) * d2 + i] = s;
        }
      }
      for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) {
        let s = 0;
        for (let cc = 0; cc < r0; cc++) for (let e = 0; e < r0; e++) s += Rt[i * r0 + cc]! * M[(nA0 + cc) * d0 + nA0 + e]! * Rt[j * r0 + e]!;
        out[(nA0 + i) * d2 + nA0 + j] = s;
      }
      return out;
    };
    x = mapVec(x);
    E = mapMat(E);
    if (Eprev) Eprev = mapMat(Eprev);
    tail = t2; d = d2; aV = aVof(tail);
  };
  const loss: number[] = [sumSq(x)], cs: number[] = [0];
  const L0 = loss[0]!;
  let maxDim = d, sumDim3 = 0;
  for (let i = 1; i < times.length; i++) {
    const h = times[i]! - times[i - 1]!;
    const scale = eta * (1 + gamma * c) * times[i]!;
    let nA = 0;
    for (let j = n - 1; j >= 0; j--) if (scale * lam[j]! >= tol) { nA = j + 1; break; }
    activate(nA);
    maxDim = Math.max(maxDim, d);
    sumDim3 += d ** 3;
    const H = buildH(E, c);
    if (Eprev) {
      const Hp = buildH(Eprev, cPrev);
      const f = h / (2 * hPrev);
      for (let k = 0; k < d * d; k++) H[k] = H[k]! + f * (H[k]! - Hp[k]!);
    }
    Eprev = E; cPrev = c; hPrev = h;
    // Frozen-H exponential step in V (as frozenStep, with Λ → Λ_V).
    const { mu, Q } = jacobiEigen(H, d);
    const p = new Float64Array(d);
    for (let ii = 0; ii < d; ii++) { let s = 0; for (let k = 0; k < d; k++) s += Q[k * d + ii]! * x[k]!; p[ii] = s; }
    const ep = new Float64Array(d), fp = new Float64Array(d);
    for (let ii = 0; ii < d; ii++) {
      ep[ii] = Math.exp(-eta * mu[ii]! * h) * p[ii]!;
      fp[ii] = phi1(eta * mu[ii]!, h) * p[ii]!;
    }
    const xn = new Float64Array(d), U = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      let s1 = 0, s2 = 0;
      for (let ii = 0; ii < d; ii++) { s1 += Q[k * d + ii]! * ep[ii]!; s2 += Q[k * d + ii]! * fp[ii]!; }
      xn[k] = s1; U[k] = s2;
    }
    let trS = 0, aU = 0;
    for (let ii = 0; ii < d; ii++) trS += p[ii]! * p[ii]! * phi1(2 * eta * mu[ii]!, h);
    for (let k = 0; k < d; k++) aU += aV[k]! * U[k]!;
    c = c + 2 * eta * (aU - trS);
    // X = U a_Vᵀ - S, S = Q W Qᵀ;  E += ηγ(Λ_V X + XᵀΛ_V).
    const W = new Float64Array(d * d);
    for (let ii = 0; ii < d; ii++) for (let j = 0; j < d; j++) W[ii * d + j] = p[ii]! * p[j]! * phi1(eta * (mu[ii]! + mu[j]!), h);
    const T = new Float64Array(d * d);
    for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) {
      let s = 0; for (let ii = 0; ii < d; ii++) s += Q[k * d + ii]! * W[ii * d + j]!; T[k * d + j] = s;
    }
    const X = new Float64Array(d * d);
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) {
      let s = 0; for (let j = 0; j < d; j++) s += T[k * d + j]! * Q[l * d + j]!;
      X[k * d + l] = U[k]! * aV[l]! - s;
    }
    const nAc = tail.nA, r = tail.q.length;
    const LX = new Float64Array(d * d);
    for (let k = 0; k < nAc; k++) for (let l = 0; l < d; l++) LX[k * d + l] = lam[k]! * X[k * d + l]!;
    for (let cc = 0; cc < r; cc++) for (let l = 0; l < d; l++) {
      let s = 0; for (let e = 0; e < r; e++) s += tail.Lt[cc]![e]! * X[(nAc + e) * d + l]!;
      LX[(nAc + cc) * d + l] = s;
    }
    const g = eta * gamma;
    const En = Float64Array.from(E);
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) En[k * d + l] = En[k * d + l]! + g * (LX[k * d + l]! + LX[l * d + k]!);
    E = En; x = xn;
    const L = sumSq(x);
    if (!Number.isFinite(L) || L > DIVERGENCE_FACTOR * L0) {
      return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: true, divergedAt: i, maxDim, sumDim3 };
    }
    loss.push(L); cs.push(c);
  }
  return { loss: Float64Array.from(loss), c: Float64Array.from(cs), diverged: false, divergedAt: -1, maxDim, sumDim3 };
}

export function referenceOde(args: OdeKernelArgs): OdeKernelResult {
  if (args.form === 'map') return referenceOdeMap(args);
  if ((args.method ?? 'fast') === 'fast' && args.gamma !== 0) return referenceOdeFlowFast(args);
  const r = referenceOdeFlow(args);
  const n = args.lambda.length;
  return { ...r, maxDim: n, sumDim3: args.gamma !== 0 ? n ** 3 * (r.loss.length - 1) : 0 };
}
