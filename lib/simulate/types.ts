/**
 * Types shared by the native simulator kernel and its pure-TS twin (docs/algorithm.md).
 * Kernels take plain typed arrays and sizes; configuration objects stop at the TypeScript layer.
 */

/** SPEC 2.1 (projected, G-representation) or SPEC 2.2 (unprojected, plain GD on A). */
export type ModelKind = 'projected' | 'unprojected';
/**
 * How a fresh Gaussian batch gradient is drawn (docs/algorithm.md section 4). 'span' is the exact sampler drawn
 * in the span of A(0)'s N features, with the whole step computed there in O(N²) (projected model, online data,
 * float64; for B = ∞ the population step in the span; docs/algorithm.md section 5b).
 */
export type SamplerKind = 'explicit' | 'exact' | 'span';
/** Scalar type of the native simulator's arrays (SeedKernelArgs.precision). */
export type Precision = 'float64' | 'float32';
/** A(0) Gaussian (the model) or √N·I with N = M (the exact linear-regression special case, SPEC 9). */
export type InitKind = 'gaussian' | 'identity';

/** Everything one seed of the simulator needs. `Infinity` means "no limit" for batch and data. */
export interface SeedKernelArgs {
  model: ModelKind;
  N: number;
  M: number;
  gamma: number;
  eta: number;
  /** Batch size; Infinity = population gradient (or full batch when data is finite). */
  batch: number;
  /** Number of training samples; Infinity = online SGD on fresh samples. */
  data: number;
  sampler: SamplerKind;
  init: InitKind;
  /** Number of SGD updates T. */
  steps: number;
  /** Sorted distinct steps in [0, T], containing 0 and T. */
  recordSteps: Float64Array;
  /** λ_k, k = 1..M (length M). */
  lambda: Float64Array;
  /** w*_k, k = 1..M (length M). */
  wstar: Float64Array;
  /** Run seed, integer in [0, 2^53). */
  seed: number;
  /** Ensemble member index, integer in [0, 2^32). */
  stream: number;
  /** Return the final residual v = w* - β (length M). */
  wantFinal: boolean;
  /**
   * Scalar type of the native model's arrays (A(0), G, w and the BLAS work; losses and residuals stay double).
   * Default 'float64'. 'float32' halves memory and the bytes each step moves (docs/performance.md); the pure-TS
   * reference always computes in float64.
   */
  precision?: Precision;
  /** Modes per slab of the native fused pass over A(0) (tests only; default automatic, about 512 KiB a slab). */
  blockModes?: number;
  /** Chunked runs (native only, docs/algorithm.md section 8): stop after this many updates (default: steps). */
  stopAt?: number;
  /** Continue from a state an earlier chunk of the same args returned. */
  startState?: Float64Array;
  /** Return the state reached (and return it, instead of rejecting, when cancelled). */
  wantState?: boolean;
}

export interface SeedKernelResult {
  /** Population loss at each recorded step reached (length = number of record steps reached). */
  loss: Float64Array;
  /** Train loss |Xv|²/P at each recorded step (finite data only, else empty). */
  trainLoss: Float64Array;
  /** True when the loss became non-finite or exceeded 1e4·L(0). */
  diverged: boolean;
  /** Step at which divergence was detected (-1 if none). */
  divergedAt: number;
  /** Number of updates completed. */
  stepsDone: number;
  /** Final residual v (length M) if requested, else empty. */
  finalResidual: Float64Array;
  /** The state after stepsDone updates, when wantState (native only). */
  state?: Float64Array;
  /** Cancelled with wantState: the run stopped early at stepsDone and `state` holds where. */
  interrupted?: boolean;
}

/** Progress callback: updates done so far for this seed. */
export type ProgressFn = (stepsDone: number) => void;

/** Ratio L > DIVERGENCE_FACTOR·L(0) counts as divergence (docs/algorithm.md section 6). */
export const DIVERGENCE_FACTOR = 1e4;
