/**
 * Lazy (γ = 0) online SGD with batch B at N = ∞ (SPEC 3.4), Gaussian features, on log-binned modes.
 *
 * form 'exact' (default): the EXACT per-mode second-moment recursion. With v' = v - ηĝ, E[ĝ] = Λv and
 *   Cov(ĝ) = (1/B)[Λ(vᵀΛv) + Λvvᵀ Λ] (SPEC 3.1, SGD noise; Gaussian ψ), x_k = E[v_k²] closes exactly:
 *     x_k(t+1) = [(1-ηλ_k)² + η²λ_k²/B] x_k(t) + (η²/B) λ_k L(t),   L(t) = Σ_k λ_k x_k(t).
 * form 'volterra': SPEC 3.4 as written, L(t) = Σ λw*²(1-ηλ)^{2t} + (η²/B) Σ_{s<t} K(t-1-s)L(s),
 *   K(τ) = Σ λ²(1-ηλ)^{2τ}. CORRECTION: SPEC 3.4 drops the η²λ_k² x_k/B term of the exact recursion (the
 *   rank-one part Λvvᵀ Λ/B of Cov ĝ); its Volterra equation is the recursion above without it. It underestimates
 *   the loss, mostly early and when B is small.
 * Both are evaluated as O(n) per step recursions (n = mode bins), recorded at integer steps.
 */
import { nativeFunction, type NativeJob } from '../native.js';
import { CancelledError } from '../simulate/seedRunner.js';
import { referenceVolterra, type VolterraKernelArgs, type VolterraKernelResult } from '../reference/theory/volterra.js';
import { makeModeBins } from './modes.js';
import { integerLogGrid } from './ode.js';
import type { TheoryCurve, TheoryRunOptions } from './types.js';

export interface LazyVolterraParams {
  alpha: number;
  beta: number;
  eta: number;
  /** Batch size B ≥ 1 (Infinity: the B = ∞ closed form). */
  batch: number;
  M: number;
  /** Last step (integer). */
  tMax: number;
  /** 'exact' (default) or 'volterra' (SPEC 3.4 literally). */
  form?: 'exact' | 'volterra';
  pointsPerDecade?: number;
  exactModes?: number;
  binsPerDecade?: number;
  /** Explicit record steps (sorted integers from 0 to tMax). */
  recordSteps?: Float64Array;
}

type VolterraLazyFn = (args: VolterraKernelArgs, onProgress?: (f: number) => void) => NativeJob<VolterraKernelResult>;

const COST_LIMIT = 2e10;

function fail(msg: string): never {
  throw new RangeError(`solveLazyVolterra: ${msg}`);
}

/** Checks the parameters (one-line RangeError naming the field, cost limit included) and builds the kernel input. */
function prepare(params: LazyVolterraParams) {
  const num = (name: string, x: unknown, allowInf = false): number => {
    if (typeof x !== 'number' || Number.isNaN(x) || (!allowInf && !Number.isFinite(x))) fail(`${name} must be a finite number, got ${String(x)}`);
    return x;
  };
  const alpha = num('alpha', params.alpha), beta = num('beta', params.beta), eta = num('eta', params.eta);
  const batch = num('batch', params.batch, true), M = num('M', params.M), tMax = num('tMax', params.tMax);
  const form = params.form ?? 'exact';
  if (!(alpha > 1)) fail(`alpha must be > 1 (Tr Λ < ∞, SPEC 1), got ${alpha}`);
  if (!(beta > 0)) fail(`beta must be > 0, got ${beta}`);
  if (!(eta > 0)) fail(`eta must be > 0, got ${eta}`);
  if (!(batch >= 1) || (Number.isFinite(batch) && !Number.isInteger(batch))) fail(`batch must be an integer >= 1 or Infinity, got ${batch}`);
  if (!(M >= 1) || (M < 2 ** 53 && !Number.isInteger(M))) fail(`M must be a positive integer, got ${M}`);
  if (!(tMax >= 1) || !Number.isInteger(tMax)) fail(`tMax must be a positive integer, got ${tMax}`);
  if (form !== 'exact' && form !== 'volterra') fail(`form must be 'exact' or 'volterra', got ${String(form)}`);
  if (!(eta < 2)) fail(`eta·λ_1 must be < 2 (λ_1 = 1), got ${eta}`);
  const ppd = num('pointsPerDecade', params.pointsPerDecade ?? 40);
  const bins = makeModeBins(alpha, beta, M, { exactModes: params.exactModes ?? 1000, binsPerDecade: params.binsPerDecade ?? 20 });
  if (bins.n * tMax > COST_LIMIT) fail(`tMax = ${tMax} with ${bins.n} mode bins is too costly (n·tMax > ${COST_LIMIT.toExponential(0)})`);
  let recordSteps: Float64Array;
  if (params.recordSteps) {
    const r = params.recordSteps;
    const ok = r.length >= 2 && r[0] === 0 && r[r.length - 1] === tMax && r.every((x, i) => Number.isInteger(x) && (i === 0 || x > r[i - 1]!));
    if (!ok) fail('recordSteps must be sorted distinct integers from 0 to tMax');
    recordSteps = Float64Array.from(r);
  } else {
    recordSteps = integerLogGrid(tMax, ppd);
  }
  const args: VolterraKernelArgs = {
    mode: form, eta, batch: Number.isFinite(batch) ? batch : Number.MAX_VALUE,
    lambda: bins.lambda, wstar: bins.wstar, mult: bins.mult, recordSteps,
  };
  return { args, bins, batch, eta, form, recordSteps };
}

/** Throws the RangeError solveLazyVolterra would throw for these parameters, without running anything. */
export function validateLazyVolterraParams(params: LazyVolterraParams): void {
  prepare(params);
}

export async function solveLazyVolterra(params: LazyVolterraParams, opts: TheoryRunOptions = {}): Promise<TheoryCurve> {
  const { args, bins, batch, eta, form, recordSteps } = prepare(params);
  if (opts.signal?.aborted) throw new CancelledError();
  const t0 = performance.now();
  let res: VolterraKernelResult;
  if (opts.backend === 'reference') {
    res = referenceVolterra(args);
  } else {
    const job = nativeFunction<VolterraLazyFn>('volterraLazy')(args, opts.onProgress ? (f) => opts.onProgress?.(f) : undefined);
    const abort = (): void => job.cancel();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      res = await job.promise;
    } catch (err) {
      if (opts.signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw new CancelledError();
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
  }
  if (res.diverged) {
    fail(`the recursion diverged near step ${recordSteps[res.divergedAt] ?? NaN} (loss non-finite or > 1e4·L(0)): use a smaller eta or a larger batch`);
  }
  const notes = ['lazy (γ = 0), N = ∞, online SGD with Gaussian features; loss excludes the truncation floor'];
  if (form === 'volterra') notes.push('SPEC 3.4 form: drops the exact η²λ_k²⟨v_k²⟩/B term (use form "exact" for the exact recursion)');
  return {
    solver: form === 'exact' ? 'volterra-exact' : 'volterra',
    steps: recordSteps.slice(0, res.loss.length),
    loss: res.loss,
    lossStderr: null,
    truncationFloor: bins.truncationFloor,
    diagnostics: { modeBins: bins.n, batch, eta, seconds: (performance.now() - t0) / 1000, backend: opts.backend ?? 'native' },
    notes,
  };
}
