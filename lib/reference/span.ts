/**
 * Pure-TS twin of native/simulate/span_model.h: the projected model stepped inside the span of A(0)'s N features
 * (sampler 'span', docs/algorithm.md section 5b). Set-up: K = A(0)ΛA(0)ᵀ = Q D Qᵀ, p̃ = QᵀA(0)Λw*, c0 = w*ᵀΛw*.
 * A step, with z̃ = Hᵀw and H = G Q (γ = 0: z̃ = w̃ = Qᵀw):
 *   L = c0 - 2 p̃·z̃/√N + Σ D_j z̃_j²/N,  b̃ = p̃ - D z̃/√N (B = ∞),
 *   b̃ = a1 (p̃ - D z̃/√N) + a2 ỹ (finite B: the exact sampler of SPEC 8.2 with ỹ = QᵀA(0)Λ^{1/2}ξ and
 *   y_N = w*·Λ^{1/2}ξ drawn from the arrowhead Cholesky factor of their covariance),
 *   Δw = (η/√N) H b̃, H += (ηγ/√N) w b̃ᵀ.
 * Same RNG stream and draw order as the C++ code: A(0) (row-major normals), then per step n_1..n_B, η_1..η_{N+1};
 * the same eigenvector convention (ascending D, largest-magnitude component positive), found here by cyclic Jacobi.
 */
import { Rng } from '../rng.js';
import type { SeedKernelArgs, SeedKernelResult } from '../simulate/types.js';
import { LossRecord } from './lossRecord.js';
import { drawInitialFeatures } from './simulate.js';

const YIELD_EVERY = 64;

/** Why sampler 'span' cannot run these args, or null (the native binding checks the same). */
export function spanRefusal(args: Pick<SeedKernelArgs, 'model' | 'data' | 'init' | 'precision' | 'N' | 'M'>): string | null {
  if (args.model !== 'projected') return "sampler 'span' needs model 'projected'";
  if (Number.isFinite(args.data)) return "sampler 'span' needs data = Infinity (online SGD)";
  if (args.init !== 'gaussian') return "sampler 'span' needs init 'gaussian'";
  if ((args.precision ?? 'float64') !== 'float64') return "sampler 'span' needs precision 'float64'";
  if (!(args.M > args.N)) return `sampler 'span' needs M > N, got N = ${args.N}, M = ${args.M}`;
  return null;
}

/**
 * Symmetric eigendecomposition by cyclic Jacobi rotations (small N only: it is the reference). Returns the
 * eigenvalues ascending and Qt with eigenvector i in row i, each with its largest-magnitude component positive.
 */
export function symmetricEigen(Kin: Float64Array, n: number): { values: Float64Array; Qt: Float64Array } {
  const A = Float64Array.from(Kin);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! * A[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! * A[i * n + j]!;
    }
    if (off <= 1e-32 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => A[a * n + a]! - A[b * n + b]!);
  const values = new Float64Array(n);
  const Qt = new Float64Array(n * n);
  order.forEach((col, i) => {
    values[i] = A[col * n + col]!;
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(V[k * n + col]!) > Math.abs(V[big * n + col]!)) big = k;
    const sign = V[big * n + col]! < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) Qt[i * n + k] = sign * V[k * n + col]!;
  });
  return { values, Qt };
}

export function* spanSeedSteps(args: SeedKernelArgs): Generator<number, SeedKernelResult> {
  const refusal = spanRefusal(args);
  if (refusal) throw new Error(refusal);
  if (args.startState !== undefined || (args.stopAt !== undefined && args.stopAt !== args.steps)) {
    throw new Error('the pure-TS reference runs seeds whole: chunked runs (checkpoints) need the native backend');
  }
  const { N, M, steps, batch: B, eta, gamma, lambda, wstar } = args;
  const rng = new Rng(args.seed, args.stream);
  const A0 = drawInitialFeatures(rng, args);
  const sqrtN = Math.sqrt(N);
  // Set-up: K (full), p, c0, then the eigenbasis of K.
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < M; k++) s += lambda[k]! * A0[i * M + k]! * A0[j * M + k]!;
      K[i * N + j] = s;
      K[j * N + i] = s;
    }
  }
  const p = new Float64Array(N);
  let c0 = 0;
  for (let k = 0; k < M; k++) c0 += lambda[k]! * wstar[k]! * wstar[k]!;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < M; k++) s += A0[i * M + k]! * lambda[k]! * wstar[k]!;
    p[i] = s;
  }
  const { values: D, Qt } = symmetricEigen(K, N);
  const pt = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += Qt[j * N + i]! * p[i]!;
    pt[j] = s;
  }
  const finiteB = Number.isFinite(B);
  const rootD = new Float64Array(N), lastRow = new Float64Array(N);
  let sLast = 0;
  if (finiteB) {
    const Dmax = Math.max(D[N - 1]!, 0);
    if (!(D[0]! > 1e-13 * Dmax)) {
      throw new Error(`sampler 'span': A(0)ΛA(0)ᵀ is singular to rounding (eigenvalues from ${D[0]!.toPrecision(3)} to ${Dmax.toPrecision(3)}): the λ_k span too many decades for N features (a steep alpha, or M close to N); use sampler 'exact'`);
    }
    let s2 = c0;
    for (let j = 0; j < N; j++) {
      rootD[j] = Math.sqrt(D[j]!);
      lastRow[j] = pt[j]! / rootD[j]!;
      s2 -= lastRow[j]! * lastRow[j]!;
    }
    sLast = Math.sqrt(Math.max(s2, 0));
  }
  // w (γ ≠ 0) or w̃ = Qᵀw (γ = 0); H = G Q, H(0) = Q.
  const w = new Float64Array(N), zt = new Float64Array(N), bt = new Float64Array(N), dw = new Float64Array(N);
  const yt = new Float64Array(N);
  const H = gamma === 0 ? null : new Float64Array(N * N);
  if (H) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) H[i * N + j] = Qt[j * N + i]!;
  const computeZt = (): void => {
    if (!H) {
      zt.set(w);
      return;
    }
    zt.fill(0);
    for (let i = 0; i < N; i++) {
      const wi = w[i]!;
      for (let j = 0; j < N; j++) zt[j]! += H[i * N + j]! * wi;
    }
  };
  const rec = new LossRecord(args.recordSteps);
  let stepsDone = 0;
  for (let t = 0; t <= steps; t++) {
    computeZt();
    let pz = 0, dzz = 0;
    for (let j = 0; j < N; j++) {
      pz += pt[j]! * zt[j]!;
      dzz += D[j]! * zt[j]! * zt[j]!;
    }
    const L = c0 - (2 * pz) / sqrtN + dzz / N;
    if (!rec.observe(t, L)) break;
    if (t === steps) break;
    for (let j = 0; j < N; j++) bt[j] = pt[j]! - (D[j]! * zt[j]!) / sqrtN;
    if (finiteB) {
      let S = 0;
      for (let mu = 0; mu < B; mu++) {
        const n = rng.normal();
        S += n * n;
      }
      let yN = 0;
      for (let j = 0; j < N; j++) {
        const e = rng.normal();
        yt[j] = rootD[j]! * e;
        yN += lastRow[j]! * e;
      }
      yN += sLast * rng.normal();
      const r = Math.sqrt(Math.max(L, 0));
      if (r === 0) {
        bt.fill(0);
      } else {
        let zy = 0;
        for (let j = 0; j < N; j++) zy += zt[j]! * yt[j]!;
        const c = (yN - zy / sqrtN) / r;
        const rootS = Math.sqrt(S);
        const a1 = (S - rootS * c) / B, a2 = (r * rootS) / B;
        for (let j = 0; j < N; j++) bt[j] = a1 * bt[j]! + a2 * yt[j]!;
      }
    }
    const scale = eta / sqrtN;
    if (H) {
      for (let i = 0; i < N; i++) {
        let acc = 0;
        for (let j = 0; j < N; j++) acc += H[i * N + j]! * bt[j]!;
        dw[i] = scale * acc;
      }
      const gscale = (eta * gamma) / sqrtN;
      for (let i = 0; i < N; i++) {
        const wi = gscale * w[i]!;
        for (let j = 0; j < N; j++) H[i * N + j]! += wi * bt[j]!;
      }
      for (let i = 0; i < N; i++) w[i]! += dw[i]!;
    } else {
      for (let j = 0; j < N; j++) w[j]! += scale * bt[j]!;
    }
    stepsDone = t + 1;
    if (stepsDone % YIELD_EVERY === 0) yield stepsDone;
  }
  let finalResidual = new Float64Array(0);
  if (args.wantFinal) {
    computeZt();
    const z = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      const zj = zt[j]!;
      for (let i = 0; i < N; i++) z[i]! += Qt[j * N + i]! * zj;
    }
    finalResidual = new Float64Array(M);
    for (let i = 0; i < N; i++) {
      const zi = z[i]!;
      for (let k = 0; k < M; k++) finalResidual[k]! += A0[i * M + k]! * zi;
    }
    for (let k = 0; k < M; k++) finalResidual[k] = wstar[k]! - finalResidual[k]! / sqrtN;
  }
  return { loss: Float64Array.from(rec.loss), trainLoss: new Float64Array(0), diverged: rec.diverged, divergedAt: rec.divergedAt, stepsDone, finalResidual };
}
