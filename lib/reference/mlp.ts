/**
 * Pure-TS twin of native/mlp/mlp.cc (docs/mlp.md): the same parameter layout, the same random stream and the same
 * formulas, with plain loops instead of BLAS (so results agree to rounding, ~1e-13 relative). For tests at small
 * sizes; its NTK is computed from the explicit per-sample Jacobian (J Jᵀ), an independent check of the native
 * layer-by-layer formula.
 */
import { Rng } from '../rng.js';
import type { MlpShape } from '../mlp/bindings.js';
import { paramCount } from '../mlp/bindings.js';

const TWO_PI = 6.283185307179586;
const IN = 3;

function offsetW(s: MlpShape, layer: number): number {
  return s.width * IN + (layer - 2) * s.width * s.width;
}
function offsetReadout(s: MlpShape): number {
  return s.width * IN + (s.depth - 1) * s.width * s.width;
}

export function referenceInitParams(s: MlpShape, seed: number, stream: number): { params: Float64Array; rng: Rng } {
  const rng = new Rng(seed, stream);
  const p = new Float64Array(paramCount(s));
  for (let i = 0; i < p.length; i++) p[i] = rng.normal();
  return { params: p, rng };
}

/** Normalised target y(θ) = Σ_{k≤K} k^-q cos kθ / sqrt(Σ k^-2q / 2) (Chebyshev recurrence, as native). */
export class ReferenceTarget {
  readonly coef: Float64Array;
  constructor(readonly K: number, readonly q: number) {
    this.coef = new Float64Array(K);
    let power = 0;
    for (let k = 1; k <= K; k++) {
      this.coef[k - 1] = Math.pow(k, -q);
      power += this.coef[k - 1]! * this.coef[k - 1]!;
    }
    const norm = Math.sqrt(power / 2);
    for (let k = 0; k < K; k++) this.coef[k]! /= norm;
  }
  at(theta: number): number {
    const c1 = Math.cos(theta);
    let prev = 1;
    let cur = c1;
    let sum = 0;
    for (let k = 1; k <= this.K; k++) {
      sum += this.coef[k - 1]! * cur;
      const next = 2 * c1 * cur - prev;
      prev = cur;
      cur = next;
    }
    return sum;
  }
}

/** Activations of one sample: x̃, pre-activations H[ℓ], post-activations A[ℓ] (each length N). */
interface Sample { x: number[]; H: Float64Array[]; A: Float64Array[]; g: number }

export function referenceForward(s: MlpShape, p: Float64Array, theta: number): Sample {
  const N = s.width;
  const r = Math.sqrt(0.5);
  const x = [Math.cos(theta) * r, Math.sin(theta) * r, r];
  const H: Float64Array[] = [];
  const A: Float64Array[] = [];
  const h1 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let v = 0;
    for (let j = 0; j < IN; j++) v += x[j]! * p[i * IN + j]!;
    h1[i] = v;
  }
  H.push(h1);
  A.push(h1.map((v) => (v > 0 ? v : 0)));
  const isq = 1 / Math.sqrt(N);
  for (let l = 1; l < s.depth; l++) {
    const W = offsetW(s, l + 1);
    const a = A[l - 1]!;
    const h = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let v = 0;
      for (let j = 0; j < N; j++) v += a[j]! * p[W + i * N + j]!;
      h[i] = v * isq;
    }
    H.push(h);
    A.push(h.map((v) => (v > 0 ? v : 0)));
  }
  const w = offsetReadout(s);
  const aL = A[s.depth - 1]!;
  let g = 0;
  for (let i = 0; i < N; i++) g += aL[i]! * p[w + i]!;
  return { x, H, A, g: g / N };
}

/** grad += c · ∂g/∂params for one sample (after referenceForward). */
export function referenceBackward(s: MlpShape, p: Float64Array, smp: Sample, c: number, grad: Float64Array): void {
  const N = s.width;
  const L = s.depth;
  const isq = 1 / Math.sqrt(N);
  const w = offsetReadout(s);
  let d = new Float64Array(N);
  for (let i = 0; i < N; i++) d[i] = smp.H[L - 1]![i]! > 0 ? c * p[w + i]! : 0;
  for (let i = 0; i < N; i++) grad[w + i]! += (smp.A[L - 1]![i]! * c) / N;
  for (let l = L - 1; l >= 1; l--) {
    const W = offsetW(s, l + 1);
    const a = smp.A[l - 1]!;
    const scale = 1 / (N * Math.sqrt(N));
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) grad[W + i * N + j]! += d[i]! * a[j]! * scale;
    const next = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      let v = 0;
      for (let i = 0; i < N; i++) v += d[i]! * p[W + i * N + j]!;
      next[j] = smp.H[l - 1]![j]! > 0 ? v * isq : 0;
    }
    d = next;
  }
  for (let i = 0; i < N; i++) for (let j = 0; j < IN; j++) grad[i * IN + j]! += (d[i]! * smp.x[j]!) / N;
}

/** ½·mean (f − y)² with f = (g(θ; p) − g(θ; p₀))/γ0, and its gradient in p. */
export function referenceLossGrad(
  s: MlpShape, gamma0: number, params: Float64Array, params0: Float64Array, theta: ArrayLike<number>, y: ArrayLike<number>,
): { loss: number; grad: Float64Array; f: Float64Array } {
  const B = theta.length;
  const grad = new Float64Array(params.length);
  const f = new Float64Array(B);
  let loss = 0;
  for (let m = 0; m < B; m++) {
    const g0 = referenceForward(s, params0, theta[m]!).g;
    const smp = referenceForward(s, params, theta[m]!);
    f[m] = (smp.g - g0) / gamma0;
    const e = f[m]! - y[m]!;
    loss += e * e;
    referenceBackward(s, params, smp, e / (B * gamma0), grad);
  }
  return { loss: loss / (2 * B), grad, f };
}

export interface ReferenceTrainArgs extends MlpShape {
  gamma0: number; eta0: number; batch: number; steps: number; K: number; q: number; grid: number;
  record: ArrayLike<number>; seed: number; stream: number; divergenceFactor?: number;
}

/** Same loop as native mlp::Train (records the population loss on the grid at the record steps). */
export function referenceTrain(a: ReferenceTrainArgs): { loss: Float64Array; diverged: boolean; divergedStep: number } {
  const { params, rng } = referenceInitParams(a, a.seed, a.stream);
  const params0 = params.slice();
  const target = new ReferenceTarget(a.K, a.q);
  const gridTheta = Float64Array.from({ length: a.grid }, (_, j) => (TWO_PI * j) / a.grid);
  const gridY = gridTheta.map((t) => target.at(t));
  const gridG0 = gridTheta.map((t) => referenceForward(a, params0, t).g);
  const popLoss = (): number => {
    let s = 0;
    for (let j = 0; j < a.grid; j++) {
      const e = (referenceForward(a, params, gridTheta[j]!).g - gridG0[j]!) / a.gamma0 - gridY[j]!;
      s += e * e;
    }
    return s / a.grid;
  };
  const factor = a.divergenceFactor ?? 1e4;
  const eta = a.eta0 * a.gamma0 * a.gamma0 * a.width;
  const out: number[] = [];
  const initial = popLoss();
  let r = 0;
  if (a.record.length > 0 && a.record[0] === 0) {
    out.push(initial);
    r = 1;
  }
  for (let t = 1; t <= a.steps; t++) {
    const theta = new Float64Array(a.batch);
    const y = new Float64Array(a.batch);
    for (let m = 0; m < a.batch; m++) {
      theta[m] = TWO_PI * rng.uniform();
      y[m] = target.at(theta[m]!);
    }
    const { grad, f } = referenceLossGrad(a, a.gamma0, params, params0, theta, y);
    if (!f.every(Number.isFinite)) return { loss: Float64Array.from(out), diverged: true, divergedStep: t };
    for (let i = 0; i < params.length; i++) params[i]! -= eta * grad[i]!;
    if (r < a.record.length && a.record[r] === t) {
      const L = popLoss();
      if (!Number.isFinite(L) || L > factor * Math.max(initial, 1e-300)) {
        return { loss: Float64Array.from(out), diverged: true, divergedStep: t };
      }
      out.push(L);
      r++;
    }
  }
  return { loss: Float64Array.from(out), diverged: false, divergedStep: -1 };
}

/** Per-sample Jacobian ∂g/∂p (row μ) on the given angles. */
export function referenceJacobian(s: MlpShape, params: Float64Array, theta: ArrayLike<number>): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let m = 0; m < theta.length; m++) {
    const smp = referenceForward(s, params, theta[m]!);
    const row = new Float64Array(params.length);
    referenceBackward(s, params, smp, 1, row);
    rows.push(row);
  }
  return rows;
}

/** NTK K = N·J Jᵀ (= γ0²·N·∂f∂f, γ0-free) on θ_j = 2πj/n, from the explicit Jacobian. */
export function referenceNtk(s: MlpShape, params: Float64Array, n: number): Float64Array {
  const theta = Float64Array.from({ length: n }, (_, j) => (TWO_PI * j) / n);
  const J = referenceJacobian(s, params, theta);
  const K = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let v = 0;
      const ra = J[a]!;
      const rb = J[b]!;
      for (let i = 0; i < ra.length; i++) v += ra[i]! * rb[i]!;
      K[a * n + b] = v * s.width;
      K[b * n + a] = v * s.width;
    }
  }
  return K;
}
