/**
 * Pure-TS twin of native/theory/stochastic.cc: the N = ∞, finite-B stochastic DMFT of SPEC 3.2 ("What is exact at
 * N = ∞, finite B") as the unit-step map of the N = ∞ projected network in mode space, one noise realisation at a
 * time. Consumes the RNG exactly like the native kernel (the exact O(M) sampler of SPEC 8.2, docs/algorithm.md §4),
 * so that native and TS agree to rounding on the same (seed, stream). Small sizes and tests only.
 *
 *   ĝ  = Λ̂ v (fresh batch of B),  v = w* − β
 *   β' = β + η(K + γc)ĝ + η²γ(β·ĝ)ĝ
 *   K' = K + ηγ(ĝβᵀ + βĝᵀ) + η²γ²c ĝĝᵀ     (K(0) = I)
 *   c' = c + 2η β·ĝ + η² ĝᵀKĝ               (c(0) = 0)
 */
import { Rng } from '../../rng.js';
import { exactBatchGradient } from '../batchGradient.js';

export type StochasticRepresentation = 'implicit' | 'explicit';

export interface StochasticRealisationArgs {
  /** batch: finite B, or Infinity (TS twin only) for the deterministic N = ∞, B = ∞ unit-step map (SPEC 3.3 discrete). */
  M: number; gamma: number; eta: number; batch: number; steps: number;
  lambda: Float64Array; wstar: Float64Array;
  seed: number; streamStart: number; count: number;
  representation: StochasticRepresentation;
  divergenceFactor: number;
}

export interface StochasticRealisationResult {
  /** count × (steps + 1), row-major; NaN from a diverged realisation's divergence step on. */
  loss: Float64Array;
  /** −1 if the realisation finished, else the step at which it diverged. */
  divergedAt: Float64Array;
}

function lossOf(lambda: Float64Array, v: Float64Array): number {
  let L = 0;
  for (let k = 0; k < v.length; k++) L += lambda[k]! * v[k]! * v[k]!;
  return L;
}

/** Runs realisations streamStart .. streamStart + count − 1 (the same contract as the native kernel). */
export function referenceStochasticRealisations(a: StochasticRealisationArgs): StochasticRealisationResult {
  const { M, gamma, eta, batch: B, steps: T } = a;
  const rich = gamma !== 0;
  const explicitK = rich && a.representation === 'explicit';
  const implicitK = rich && a.representation === 'implicit';
  const sqrtLambda = a.lambda.map((l) => Math.sqrt(l));
  const loss = new Float64Array(a.count * (T + 1)).fill(NaN);
  const divergedAt = new Float64Array(a.count).fill(-1);
  const beta = new Float64Array(M);
  const v = new Float64Array(M);
  const g = new Float64Array(M);
  const Kg = new Float64Array(M);
  const xi = new Float64Array(M);
  const K = explicitK ? new Float64Array(M * M) : new Float64Array(0);
  const Gs = implicitK ? new Float64Array(T * M) : new Float64Array(0);
  const Bs = implicitK ? new Float64Array(T * M) : new Float64Array(0);
  const cs = new Float64Array(implicitK ? T : 0);
  let L0 = 0;
  for (let k = 0; k < M; k++) L0 += a.lambda[k]! * a.wstar[k]! * a.wstar[k]!;

  for (let r = 0; r < a.count; r++) {
    const rng = new Rng(a.seed, a.streamStart + r);
    const row = r * (T + 1);
    beta.fill(0);
    v.set(a.wstar);
    let c = 0;
    if (explicitK) {
      K.fill(0);
      for (let k = 0; k < M; k++) K[k * M + k] = 1;
    }
    loss[row] = lossOf(a.lambda, v);
    for (let t = 0; t < T; t++) {
      if (Number.isFinite(B)) exactBatchGradient(rng, v, sqrtLambda, B, xi, g);
      else for (let k = 0; k < M; k++) g[k] = a.lambda[k]! * v[k]!; // B = ∞ (TS only): population gradient
      if (explicitK) {
        for (let i = 0; i < M; i++) {
          let s = 0;
          const o = i * M;
          for (let j = 0; j < M; j++) s += K[o + j]! * g[j]!;
          Kg[i] = s;
        }
      } else {
        Kg.set(g);
        if (implicitK) {
          for (let s = 0; s < t; s++) {
            const o = s * M;
            let as = 0;
            let bs = 0;
            for (let k = 0; k < M; k++) {
              as += Gs[o + k]! * g[k]!;
              bs += Bs[o + k]! * g[k]!;
            }
            const cg = eta * gamma * bs + eta * eta * gamma * gamma * cs[s]! * as;
            const cb = eta * gamma * as;
            for (let k = 0; k < M; k++) Kg[k] = Kg[k]! + cg * Gs[o + k]! + cb * Bs[o + k]!;
          }
        }
      }
      let bg = 0;
      let gKg = 0;
      for (let k = 0; k < M; k++) {
        bg += beta[k]! * g[k]!;
        gKg += g[k]! * Kg[k]!;
      }
      if (explicitK) {
        const e1 = eta * gamma;
        const e2 = eta * eta * gamma * gamma * c;
        for (let i = 0; i < M; i++) {
          const o = i * M;
          for (let j = 0; j < M; j++) K[o + j] = K[o + j]! + e1 * (g[i]! * beta[j]! + beta[i]! * g[j]!) + e2 * g[i]! * g[j]!;
        }
      } else if (implicitK) {
        Gs.set(g, t * M);
        Bs.set(beta, t * M);
        cs[t] = c;
      }
      const coefG = eta * gamma * c + eta * eta * gamma * bg;
      for (let k = 0; k < M; k++) {
        beta[k] = beta[k]! + eta * Kg[k]! + coefG * g[k]!;
        v[k] = a.wstar[k]! - beta[k]!;
      }
      c = c + 2 * eta * bg + eta * eta * gKg;
      const L = lossOf(a.lambda, v);
      if (!Number.isFinite(L) || L > a.divergenceFactor * L0) {
        divergedAt[r] = t + 1;
        break;
      }
      loss[row + t + 1] = L;
    }
  }
  return { loss, divergedAt };
}
