/**
 * The projected model in its explicit A(t) form (SPEC 2.1): A ← A + (ηγ/√N) w (A(0)ᵀA(0) ĝ)ᵀ,
 * w ← w + (η/√N) A ĝ. O(M²) memory: for tests on small sizes only, against the G-representation.
 */
import type { SeedKernelArgs, SeedKernelResult } from '../simulate/types.js';
import { matVec, runReferenceSeed, type ReferenceModel } from './simulate.js';

class ExplicitAModel implements ReferenceModel {
  private readonly w: Float64Array;
  private readonly A: Float64Array;
  private readonly P: Float64Array;
  private readonly b: Float64Array;
  private readonly Pg: Float64Array;
  constructor(private readonly args: SeedKernelArgs, A0: Float64Array) {
    const { N, M } = args;
    this.w = new Float64Array(N);
    this.b = new Float64Array(N);
    this.Pg = new Float64Array(M);
    this.A = Float64Array.from(A0);
    // P = A(0)ᵀ A(0), M×M (the projection of SPEC 2.1 without its 1/N, which the update's scale absorbs).
    this.P = new Float64Array(M * M);
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < M; k++) {
        const a = A0[i * M + k]!;
        for (let l = 0; l < M; l++) this.P[k * M + l]! += a * A0[i * M + l]!;
      }
    }
  }
  residual(v: Float64Array): void {
    const { N, M, wstar } = this.args;
    v.fill(0);
    for (let i = 0; i < N; i++) for (let k = 0; k < M; k++) v[k]! += this.A[i * M + k]! * this.w[i]!;
    for (let k = 0; k < M; k++) v[k] = wstar[k]! - v[k]! / Math.sqrt(N);
  }
  update(ghat: Float64Array): void {
    const { N, M, eta, gamma } = this.args;
    matVec(this.A, ghat, N, M, this.b);
    matVec(this.P, ghat, M, M, this.Pg);
    const ascale = (eta * gamma) / Math.sqrt(N);
    for (let i = 0; i < N; i++) {
      const wi = ascale * this.w[i]!;
      for (let k = 0; k < M; k++) this.A[i * M + k]! += wi * this.Pg[k]!;
    }
    const scale = eta / Math.sqrt(N);
    for (let i = 0; i < N; i++) this.w[i]! += scale * this.b[i]!;
  }
}

export function simulateSeedExplicitA(args: SeedKernelArgs): SeedKernelResult {
  if (args.model !== 'projected') throw new Error('the explicit A(t) form exists for the projected model only');
  return runReferenceSeed(args, (a, A0) => new ExplicitAModel(a, A0));
}
