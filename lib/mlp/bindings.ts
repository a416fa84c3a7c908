/** Typed bindings of the native MLP kernels (native/mlp/mlp_binding.cc; docs/mlp.md). */
import { nativeFunction, type NativeJob } from '../native.js';

export interface MlpShape {
  /** Hidden width N. */
  width: number;
  /** Number of hidden ReLU layers L. */
  depth: number;
}

export interface MlpTrainKernelArgs extends MlpShape {
  gamma0: number;
  eta0: number;
  batch: number;
  steps: number;
  /** Target frequencies k = 1..K. */
  K: number;
  q: number;
  /** Population-loss grid points. */
  grid: number;
  /** Increasing recorded steps in [0, steps]. */
  record: Float64Array;
  seed: number;
  stream: number;
  divergenceFactor?: number;
}

export interface MlpTrainKernelResult {
  /** Population loss at the recorded steps reached (shorter than record when the run diverged). */
  loss: Float64Array;
  diverged: boolean;
  divergedStep: number;
  divergedLoss: number;
  flops: number;
}

export interface MlpLossGradArgs extends MlpShape {
  gamma0: number;
  params: Float64Array;
  params0: Float64Array;
  theta: Float64Array;
  y: Float64Array;
}

export interface MlpLossGradResult {
  /** ½·mean (f − y)². */
  loss: number;
  grad: Float64Array;
  f: Float64Array;
}

type InitFn = (args: MlpShape & { seed: number; stream: number }) => Float64Array;
type LossGradFn = (args: MlpLossGradArgs) => MlpLossGradResult;
type TrainFn = (args: MlpTrainKernelArgs, onProgress?: (stepsDone: number) => void) => NativeJob<MlpTrainKernelResult>;
type NtkFn = (args: MlpShape & { params: Float64Array; n: number }) => NativeJob<Float64Array>;
type EigenFn = (args: { matrix: Float64Array; n: number }) => NativeJob<{ values: Float64Array; vectors: Float64Array }>;

export const nativeMlp = {
  init: (args: MlpShape & { seed: number; stream: number }): Float64Array => nativeFunction<InitFn>('mlpInit')(args),
  lossGrad: (args: MlpLossGradArgs): MlpLossGradResult => nativeFunction<LossGradFn>('mlpLossGrad')(args),
  train: (args: MlpTrainKernelArgs, onProgress?: (stepsDone: number) => void): NativeJob<MlpTrainKernelResult> =>
    nativeFunction<TrainFn>('mlpTrain')(args, onProgress),
  ntk: (args: MlpShape & { params: Float64Array; n: number }): NativeJob<Float64Array> => nativeFunction<NtkFn>('mlpNtk')(args),
  symmetricEigen: (args: { matrix: Float64Array; n: number }): NativeJob<{ values: Float64Array; vectors: Float64Array }> =>
    nativeFunction<EigenFn>('symmetricEigen')(args),
};

/** Number of parameters: W¹ (N×3), L−1 hidden N×N matrices, readout w (N). */
export function paramCount(s: MlpShape): number {
  return s.width * 3 + (s.depth - 1) * s.width * s.width + s.width;
}
