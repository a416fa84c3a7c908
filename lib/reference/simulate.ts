/**
 * Pure-TS twin of native/simulate (docs/algorithm.md): the ground truth for the native kernel in tests and
 * the baseline in bench/. Plain loops, no BLAS; same RNG stream and draw order as the C++ code.
 */
import { Rng } from '../rng.js';
import type { SeedKernelArgs, SeedKernelResult } from '../simulate/types.js';
import { LossRecord } from './lossRecord.js';
import {
  dataBatchGradient, exactBatchGradient, explicitBatchGradient, fullBatchGradient, trainLoss,
} from './batchGradient.js';
import { spanSeedSteps } from './span.js';

/** One model's parameters: computes the residual v = w* - β and applies an update for a given ĝ. */
export interface ReferenceModel {
  /** Writes v = w* - β(current parameters) into `v`. */
  residual(v: Float64Array): void;
  /** One SGD update with batch gradient ĝ (SPEC 2.1 / 2.2). */
  update(ghat: Float64Array): void;
}

/** Draws A(0) (N×M row-major normals) or √N·I, docs/algorithm.md section 3 step 1. */
export function drawInitialFeatures(rng: Rng, args: SeedKernelArgs): Float64Array {
  const { N, M } = args;
  const A0 = new Float64Array(N * M);
  if (args.init === 'identity') {
    for (let i = 0; i < N; i++) A0[i * M + i] = Math.sqrt(N);
  } else {
    for (let i = 0; i < N * M; i++) A0[i] = rng.normal();
  }
  return A0;
}

/** Projected model in the G-representation (SPEC 2.1, 8.2): A(t) = G(t) A(0). */
export class ProjectedGModel implements ReferenceModel {
  private readonly w: Float64Array;
  private readonly G: Float64Array | null;
  private readonly z: Float64Array;
  private readonly b: Float64Array;
  private readonly dw: Float64Array;
  constructor(private readonly args: SeedKernelArgs, private readonly A0: Float64Array) {
    const N = args.N;
    this.w = new Float64Array(N);
    this.z = new Float64Array(N);
    this.b = new Float64Array(N);
    this.dw = new Float64Array(N);
    this.G = args.gamma === 0 ? null : new Float64Array(N * N);
    if (this.G) for (let i = 0; i < N; i++) this.G[i * N + i] = 1;
  }
  residual(v: Float64Array): void {
    const { N, M } = this.args;
    const G = this.G;
    // z = Gᵀ w
    if (G) {
      this.z.fill(0);
      for (let i = 0; i < N; i++) {
        const wi = this.w[i]!;
        for (let j = 0; j < N; j++) this.z[j]! += G[i * N + j]! * wi;
      }
    } else {
      this.z.set(this.w);
    }
    betaResidual(this.A0, this.z, N, M, this.args.wstar, v);
  }
  update(ghat: Float64Array): void {
    const { N, M, eta, gamma } = this.args;
    const scale = eta / Math.sqrt(N);
    matVec(this.A0, ghat, N, M, this.b);
    const G = this.G;
    if (G) {
      for (let i = 0; i < N; i++) {
        let acc = 0;
        for (let j = 0; j < N; j++) acc += G[i * N + j]! * this.b[j]!;
        this.dw[i] = scale * acc;
      }
      const gscale = (eta * gamma) / Math.sqrt(N);
      for (let i = 0; i < N; i++) {
        const wi = gscale * this.w[i]!;
        for (let j = 0; j < N; j++) G[i * N + j]! += wi * this.b[j]!;
      }
    } else {
      for (let i = 0; i < N; i++) this.dw[i] = scale * this.b[i]!;
    }
    for (let i = 0; i < N; i++) this.w[i]! += this.dw[i]!;
  }
}

/** Unprojected two-layer linear network (SPEC 2.2, App. G): plain GD on A, A ← A + ηγ√N w ĝᵀ. */
export class UnprojectedModel implements ReferenceModel {
  private readonly w: Float64Array;
  private readonly A: Float64Array;
  private readonly b: Float64Array;
  constructor(private readonly args: SeedKernelArgs, A0: Float64Array) {
    this.w = new Float64Array(args.N);
    this.b = new Float64Array(args.N);
    this.A = Float64Array.from(A0);
  }
  residual(v: Float64Array): void {
    betaResidual(this.A, this.w, this.args.N, this.args.M, this.args.wstar, v);
  }
  update(ghat: Float64Array): void {
    const { N, M, eta, gamma } = this.args;
    matVec(this.A, ghat, N, M, this.b);
    if (gamma !== 0) {
      const ascale = eta * gamma * Math.sqrt(N);
      for (let i = 0; i < N; i++) {
        const wi = ascale * this.w[i]!;
        for (let k = 0; k < M; k++) this.A[i * M + k]! += wi * ghat[k]!;
      }
    }
    const scale = eta / Math.sqrt(N);
    for (let i = 0; i < N; i++) this.w[i]! += scale * this.b[i]!;
  }
}

/** β = Aᵀ x / √N and v = w* - β. */
function betaResidual(A: Float64Array, x: Float64Array, N: number, M: number, wstar: Float64Array, v: Float64Array): void {
  v.fill(0);
  for (let i = 0; i < N; i++) {
    const xi = x[i]!;
    const row = i * M;
    for (let k = 0; k < M; k++) v[k]! += A[row + k]! * xi;
  }
  const inv = 1 / Math.sqrt(N);
  for (let k = 0; k < M; k++) v[k] = wstar[k]! - v[k]! * inv;
}

/** out = A x for a row-major N×M matrix. */
export function matVec(A: Float64Array, x: Float64Array, N: number, M: number, out: Float64Array): void {
  for (let i = 0; i < N; i++) {
    let acc = 0;
    const row = i * M;
    for (let k = 0; k < M; k++) acc += A[row + k]! * x[k]!;
    out[i] = acc;
  }
}

export type ModelFactory = (args: SeedKernelArgs, A0: Float64Array) => ReferenceModel;

/** Steps between the progress points a reference run yields (lets an async caller see an abort). */
const YIELD_EVERY = 64;

/**
 * Drives one seed: draws A(0) and data, then steps a model with the chosen sampler (docs/algorithm.md 3–6).
 * A generator, so that the same code runs to completion synchronously (`runReferenceSeed`) or in slices that give
 * the event loop a turn (`seedRunner`): it yields the number of updates done every YIELD_EVERY steps.
 */
export function* referenceSeedSteps(args: SeedKernelArgs, makeModel: ModelFactory): Generator<number, SeedKernelResult> {
  const { M, steps, batch: B, data: P } = args;
  if (args.startState !== undefined || (args.stopAt !== undefined && args.stopAt !== args.steps)) {
    throw new Error('the pure-TS reference runs seeds whole: chunked runs (checkpoints) need the native backend');
  }
  const rng = new Rng(args.seed, args.stream);
  const A0 = drawInitialFeatures(rng, args);
  const sqrtLambda = args.lambda.map(Math.sqrt);
  const finiteData = Number.isFinite(P);
  let X: Float64Array | null = null;
  if (finiteData) {
    X = new Float64Array(P * M);
    for (let mu = 0; mu < P; mu++) for (let k = 0; k < M; k++) X[mu * M + k] = sqrtLambda[k]! * rng.normal();
  }
  const model = makeModel(args, A0);
  const v = new Float64Array(M);
  const ghat = new Float64Array(M);
  const scratch = new Float64Array(
    finiteData ? (Number.isFinite(B) ? 0 : P) : Number.isFinite(B) ? (args.sampler === 'explicit' ? B * M : M) : 0,
  );
  const rec = new LossRecord(args.recordSteps);
  const train: number[] = [];
  let stepsDone = 0;
  for (let t = 0; t <= steps; t++) {
    model.residual(v);
    let L = 0;
    for (let k = 0; k < M; k++) L += args.lambda[k]! * v[k]! * v[k]!;
    if (X && rec.isRecordStep(t)) train.push(trainLoss(v, X, P));
    if (!rec.observe(t, L)) break;
    if (t === steps) break;
    if (X) {
      if (Number.isFinite(B)) dataBatchGradient(rng, v, X, P, B, ghat);
      else fullBatchGradient(v, X, P, scratch, ghat);
    } else if (Number.isFinite(B)) {
      if (args.sampler === 'explicit') explicitBatchGradient(rng, v, sqrtLambda, B, scratch, ghat);
      else exactBatchGradient(rng, v, sqrtLambda, B, scratch, ghat);
    } else {
      for (let k = 0; k < M; k++) ghat[k] = args.lambda[k]! * v[k]!;
    }
    model.update(ghat);
    stepsDone = t + 1;
    if (stepsDone % YIELD_EVERY === 0) yield stepsDone;
  }
  return {
    loss: Float64Array.from(rec.loss),
    trainLoss: Float64Array.from(train),
    diverged: rec.diverged,
    divergedAt: rec.divergedAt,
    stepsDone,
    finalResidual: args.wantFinal ? Float64Array.from(v) : new Float64Array(0),
  };
}

/** Runs a reference seed to completion. */
export function runReferenceSeed(args: SeedKernelArgs, makeModel: ModelFactory): SeedKernelResult {
  const steps = referenceSeedSteps(args, makeModel);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** The models behind native `simulateSeed`: projected (G-representation) or unprojected. */
export function referenceModelFactory(args: SeedKernelArgs): ModelFactory {
  return args.model === 'projected'
    ? (a, A0) => new ProjectedGModel(a, A0)
    : (a, A0) => new UnprojectedModel(a, A0);
}

/** The reference stepping of native `simulateSeed` (sampler 'span' has its own driver, lib/reference/span.ts). */
export function referenceSteps(args: SeedKernelArgs): Generator<number, SeedKernelResult> {
  return args.sampler === 'span' ? spanSeedSteps(args) : referenceSeedSteps(args, referenceModelFactory(args));
}

/** The reference for native `simulateSeed`. */
export function simulateSeedReference(args: SeedKernelArgs): SeedKernelResult {
  const steps = referenceSteps(args);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
