/**
 * Pure-TS batch-gradient samplers ĝ = Λ̂ v (SPEC 2.1, SPEC 8.2; docs/algorithm.md section 4).
 * Each consumes the RNG in exactly the documented order, like native/simulate.
 */
import type { Rng } from '../rng.js';

/** Fresh-data explicit sampler: B×M normals, ψ = Λ^{1/2} z, ĝ = Ψᵀ(Ψ v)/B. `psi` is B×M scratch. */
export function explicitBatchGradient(
  rng: Rng, v: Float64Array, sqrtLambda: Float64Array, B: number, psi: Float64Array, out: Float64Array,
): void {
  const M = v.length;
  for (let mu = 0; mu < B; mu++) {
    const row = mu * M;
    for (let k = 0; k < M; k++) psi[row + k] = sqrtLambda[k]! * rng.normal();
  }
  out.fill(0);
  for (let mu = 0; mu < B; mu++) {
    const row = mu * M;
    let s = 0;
    for (let k = 0; k < M; k++) s += psi[row + k]! * v[k]!;
    for (let k = 0; k < M; k++) out[k]! += psi[row + k]! * s;
  }
  for (let k = 0; k < M; k++) out[k] = out[k]! / B;
}

/**
 * Exact O(M) sampler of SPEC 8.2: with a = Λ^{1/2}v, u = a/|a|, S = Σ n_μ² ~ χ²_B and ξ ~ N(0, I_M),
 * Σ_μ z_μ s_μ = S u + √S (I - u uᵀ) ξ, hence ĝ = |a| Λ^{1/2} (S u + √S (ξ - (u·ξ) u)) / B.
 */
export function exactBatchGradient(
  rng: Rng, v: Float64Array, sqrtLambda: Float64Array, B: number, xi: Float64Array, out: Float64Array,
): void {
  const M = v.length;
  let S = 0;
  for (let mu = 0; mu < B; mu++) {
    const n = rng.normal();
    S += n * n;
  }
  for (let k = 0; k < M; k++) xi[k] = rng.normal();
  let r2 = 0;
  for (let k = 0; k < M; k++) {
    const a = sqrtLambda[k]! * v[k]!;
    r2 += a * a;
  }
  const r = Math.sqrt(r2);
  if (r === 0) {
    out.fill(0);
    return;
  }
  let c = 0;
  for (let k = 0; k < M; k++) c += ((sqrtLambda[k]! * v[k]!) / r) * xi[k]!;
  const rootS = Math.sqrt(S);
  for (let k = 0; k < M; k++) {
    const u = (sqrtLambda[k]! * v[k]!) / r;
    const y = S * u + rootS * (xi[k]! - c * u);
    out[k] = (r * sqrtLambda[k]! * y) / B;
  }
}

/** Finite data, minibatch with replacement: B uniform indices into the P×M data matrix X. */
export function dataBatchGradient(
  rng: Rng, v: Float64Array, X: Float64Array, P: number, B: number, out: Float64Array,
): void {
  const M = v.length;
  out.fill(0);
  for (let j = 0; j < B; j++) {
    const mu = Math.floor(rng.uniform() * P);
    const row = mu * M;
    let s = 0;
    for (let k = 0; k < M; k++) s += X[row + k]! * v[k]!;
    for (let k = 0; k < M; k++) out[k]! += s * X[row + k]!;
  }
  for (let k = 0; k < M; k++) out[k] = out[k]! / B;
}

/** Finite data, full batch: ĝ = Xᵀ(X v)/P. `s` is P scratch. */
export function fullBatchGradient(v: Float64Array, X: Float64Array, P: number, s: Float64Array, out: Float64Array): void {
  const M = v.length;
  for (let mu = 0; mu < P; mu++) {
    const row = mu * M;
    let acc = 0;
    for (let k = 0; k < M; k++) acc += X[row + k]! * v[k]!;
    s[mu] = acc;
  }
  out.fill(0);
  for (let mu = 0; mu < P; mu++) {
    const row = mu * M;
    const sm = s[mu]!;
    for (let k = 0; k < M; k++) out[k]! += X[row + k]! * sm;
  }
  for (let k = 0; k < M; k++) out[k] = out[k]! / P;
}

/** Train loss |X v|²/P on the P samples. */
export function trainLoss(v: Float64Array, X: Float64Array, P: number): number {
  const M = v.length;
  let total = 0;
  for (let mu = 0; mu < P; mu++) {
    const row = mu * M;
    let acc = 0;
    for (let k = 0; k < M; k++) acc += X[row + k]! * v[k]!;
    total += acc * acc;
  }
  return total / P;
}
