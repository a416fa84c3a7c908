/**
 * Which native kernel steps a seed (docs/algorithm.md section 5b). At B = ∞ the population step computed in the
 * span of A(0)'s features (sampler 'span') gives the numbers of the M-space kernel up to rounding (tested to
 * 1e-10), at O(N²) a step instead of O(NM), after a set-up that costs about as much as N/10 + N²/(2M) M-space
 * steps. So sweeps use it automatically when it applies and the run is long enough to pay for the set-up. At
 * finite B the span sampler draws another random stream than 'exact' (same distribution), so it is used only
 * when asked for. The pure-TS reference always runs what the config says (its span set-up is an O(N³) Jacobi
 * eigensolver in JS).
 */
import type { Backend } from './seedRunner.js';
import type { SeedKernelArgs } from './types.js';

type KernelShape = Pick<SeedKernelArgs, 'model' | 'N' | 'M' | 'batch' | 'data' | 'sampler' | 'init' | 'steps' | 'precision'>;

/** The sampler the kernel runs: `args.sampler`, or 'span' for a long enough B = ∞ run on the native backend. */
export function kernelSampler(args: KernelShape, backend: Backend): SeedKernelArgs['sampler'] {
  const autoSpan = backend === 'native' && args.model === 'projected' && !Number.isFinite(args.batch) &&
    !Number.isFinite(args.data) && args.init === 'gaussian' && (args.precision ?? 'float64') === 'float64' &&
    args.M > args.N && args.steps >= Math.max(64, args.N / 2);
  return autoSpan ? 'span' : args.sampler;
}
