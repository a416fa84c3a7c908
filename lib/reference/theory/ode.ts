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
}

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

export function referenceOde(args: OdeKernelArgs): OdeKernelResult {
  return args.form === 'flow' ? referenceOdeFlow(args) : referenceOdeMap(args);
}
