/**
 * The N = B = ∞ dynamics of SPEC 3.3 for any γ, on log-binned modes (lib/theory/modes.ts), in two forms:
 *
 * 'flow' — gradient flow (SPEC 3.3): dβ/dt = η[K + γc I]Λv, dK/dt = ηγ(Λvβᵀ + βvᵀΛ), dc/dt = 2η β·Λv,
 *   K(0) = I, c(0) = 0, β(0) = 0, v = w* - β. Integrated in the symmetric variables of SPEC 8.2 (ũ = Λ^{1/2}v with
 *   multiplicities, E = Λ^{1/2}(K - I)Λ^{1/2}) by an exponential integrator: over each step H = (1+γc)Λ + E is frozen
 *   at the average of its values at the two ends (predictor–corrector, 2nd order), ũ is propagated exactly by
 *   e^{-ηhH} (eigendecomposition, LAPACK dsyevd) and E, c by the exact integrals of their right-hand sides along
 *   that path. The grid is log-spaced (pointsPerDecade per decade, ending exactly at tMax) after a first step from 0.
 *   At γ = 0, H = Λ and the result is the closed form Σ λ w*² e^{-2ηλt} to rounding.
 *   method 'fast' (default) runs that step on a smaller space: bins with θ_j = η λ_j (1+γc) t < deflationTol have
 *   barely moved and are, to first order in θ (SPEC 3.2 "treated to first order"), spanned by two tail directions
 *   (∝ Λa and a on the tail); the flow is Galerkin-projected onto the active bins plus those two directions, which
 *   is exact to first order in θ at the threshold (error ∝ tol²). method 'eig' keeps all n bins (the reference).
 *
 * 'map' — the unit-step map that the simulator performs at N = ∞ and B = ∞. Derivation (SPEC 2.1 updates, old w
 *   in the A update, A(0)ᵀA(0)/N → I so A' = A + ηγ√N w gᵀ; K = AᵀA/N, β = Aᵀw/√N, c = |w|², g = Λv):
 *     β' = A'ᵀw'/√N = β + η(K + γc)g + η²γ (β·g) g          [w'ᵀ... uses wᵀAg/√N = β·g]
 *     K' = A'ᵀA'/N = K + ηγ(gβᵀ + βgᵀ) + η²γ² c ggᵀ
 *     c' = |w + (η/√N)Ag|² = c + 2η β·g + η² gᵀKg
 *   This is exact (not only N → ∞) whenever A(0)ᵀA(0)/N = I, e.g. init 'identity' (A(0) = √N I, N = M), for the
 *   projected and the unprojected model alike — the tests use that to check it to rounding. At γ = 0 it is the
 *   closed form Σ λ w*² (1-ηλ)^{2t}. Cost O(n²) per step (n = number of mode bins).
 *
 * `loss` is the population loss of the M modes (Σ_{k≤M} λ_k v_k²); the truncation floor Σ_{k>M} λ_k w*_k² is
 * reported separately in `truncationFloor` (SPEC 8.2).
 */
import { nativeFunction, type NativeJob } from '../native.js';
import { CancelledError } from '../simulate/seedRunner.js';
import { DEFAULT_DEFLATION_TOL, referenceOde, type OdeKernelArgs, type OdeKernelResult } from '../reference/theory/ode.js';
import { makeModeBins, type ModeBins } from './modes.js';
import type { TheoryCurve, TheoryRunOptions } from './types.js';

export interface RichOdeParams {
  alpha: number;
  beta: number;
  gamma: number;
  eta: number;
  /** Number of modes (may be huge, e.g. 1e12: modes beyond exactModes are log-binned). */
  M: number;
  form: 'flow' | 'map';
  /** Last time, in SGD steps (an integer for 'map'). */
  tMax: number;
  /** Grid density (flow: integration grid; map: recorded steps). Default 40. */
  pointsPerDecade?: number;
  /** Modes 1..exactModes kept exactly. Default 100. */
  exactModes?: number;
  /** Mode bins per decade beyond exactModes. Default 16. */
  binsPerDecade?: number;
  /** Flow only: first grid point after 0 (steps). Default 0.01. */
  tStart?: number;
  /**
   * Flow only (γ > 0; at γ = 0 both are the closed form). 'fast' (default): deflation of the untouched tail —
   * bins with η·λ_j·(1+γc)·t < deflationTol are represented to first order by two tail directions, so each step
   * eigendecomposes only the active block (≈ 230 of 500 bins at t = 1e6 on the bench workload). 'eig': the
   * reference method, all n bins in every step. Same grid and step otherwise (docs/theory.md).
   */
  method?: 'fast' | 'eig';
  /** method 'fast': activation threshold on θ_j = η λ_j (1+γc) t. Default 1e-3 (error ∝ tol², ~2e-5 relative in L). */
  deflationTol?: number;
  /** Map only: explicit record steps (sorted integers from 0 to tMax) instead of the log grid. */
  recordSteps?: Float64Array;
  /** Rerun with 2× pointsPerDecade (flow) and 2× binsPerDecade; report the changes in diagnostics. */
  convergenceCheck?: boolean;
}

type OdeRichFn = (args: OdeKernelArgs, onProgress?: (fraction: number) => void) => NativeJob<OdeKernelResult>;

/** Largest n²·tMax (map with γ > 0) or n·tMax (γ = 0) accepted: about a minute of work. */
const MAP_COST_LIMIT = 4e10;

function fail(msg: string): never {
  throw new RangeError(`solveRichOde: ${msg}`);
}

function finite(name: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${name} must be a finite number, got ${String(x)}`);
  return x;
}

/** Flow grid: 0, then tMax·10^{-(I-i)/ppd} for i = 0..I, starting at or just above tStart; ends exactly at tMax. */
export function flowGrid(tMax: number, pointsPerDecade: number, tStart: number): Float64Array {
  const I = Math.floor(Math.log10(tMax / tStart) * pointsPerDecade + 1e-9);
  const out = [0];
  for (let i = 0; i <= I; i++) out.push(i === I ? tMax : tMax * Math.pow(10, -(I - i) / pointsPerDecade));
  return Float64Array.from(out);
}

/** Integer log grid 0, 1, …, tMax with about pointsPerDecade points per decade (deduplicated). */
export function integerLogGrid(tMax: number, pointsPerDecade: number): Float64Array {
  const set = new Set<number>([0, tMax]);
  const I = Math.ceil(Math.log10(tMax) * pointsPerDecade);
  for (let i = 0; i <= I; i++) set.add(Math.round(tMax * Math.pow(10, -(I - i) / pointsPerDecade)));
  return Float64Array.from([...set].filter((t) => t >= 0 && t <= tMax).sort((a, b) => a - b));
}

/** log L interpolated linearly in log t (t > 0 within the grid). */
export function logInterp(steps: Float64Array, loss: Float64Array, t: number): number {
  let hi = 1;
  while (hi < steps.length - 1 && steps[hi]! < t) hi++;
  const lo = hi - 1;
  const t0 = steps[lo]!, t1 = steps[hi]!;
  if (t0 <= 0) return Math.log(loss[hi]!);
  const f = (Math.log(t) - Math.log(t0)) / (Math.log(t1) - Math.log(t0));
  return (1 - f) * Math.log(loss[lo]!) + f * Math.log(loss[hi]!);
}

/** Log-log slope -d log L / d log t between t1 < t2 (positive for a decaying loss). */
export function logSlope(curve: Pick<TheoryCurve, 'steps' | 'loss'>, t1: number, t2: number): number {
  return -(logInterp(curve.steps, curve.loss, t2) - logInterp(curve.steps, curve.loss, t1)) / Math.log(t2 / t1);
}

interface Resolved {
  p: Required<Omit<RichOdeParams, 'recordSteps' | 'convergenceCheck'>> & { recordSteps?: Float64Array };
  bins: ModeBins;
  times: Float64Array;
}

function resolve(params: RichOdeParams): Resolved {
  const alpha = finite('alpha', params.alpha), beta = finite('beta', params.beta);
  const gamma = finite('gamma', params.gamma), eta = finite('eta', params.eta);
  const M = finite('M', params.M), tMax = finite('tMax', params.tMax);
  if (!(alpha > 1)) fail(`alpha must be > 1 (Tr Λ < ∞, SPEC 1), got ${alpha}`);
  if (!(beta > 0)) fail(`beta must be > 0, got ${beta}`);
  if (!(gamma >= 0)) fail(`gamma must be >= 0, got ${gamma}`);
  if (!(eta > 0)) fail(`eta must be > 0, got ${eta}`);
  if (!(M >= 1) || (M < 2 ** 53 && !Number.isInteger(M))) fail(`M must be a positive integer, got ${M}`);
  if (!(tMax > 0)) fail(`tMax must be > 0, got ${tMax}`);
  const form = params.form;
  if (form !== 'flow' && form !== 'map') fail(`form must be 'flow' or 'map', got ${String(form)}`);
  const pointsPerDecade = finite('pointsPerDecade', params.pointsPerDecade ?? 40);
  const exactModes = finite('exactModes', params.exactModes ?? 100);
  const binsPerDecade = finite('binsPerDecade', params.binsPerDecade ?? 16);
  const tStart = finite('tStart', params.tStart ?? 0.01);
  const method = params.method ?? 'fast';
  if (method !== 'fast' && method !== 'eig') fail(`method must be 'fast' or 'eig', got ${String(method)}`);
  const deflationTol = finite('deflationTol', params.deflationTol ?? DEFAULT_DEFLATION_TOL);
  if (!(deflationTol > 0)) fail(`deflationTol must be > 0, got ${deflationTol}`);
  if (!(pointsPerDecade >= 1)) fail(`pointsPerDecade must be >= 1, got ${pointsPerDecade}`);
  if (!(exactModes >= 1) || !Number.isInteger(exactModes)) fail(`exactModes must be a positive integer, got ${exactModes}`);
  if (!(binsPerDecade > 0)) fail(`binsPerDecade must be > 0, got ${binsPerDecade}`);
  if (!(tStart > 0) || !(tStart < tMax)) fail(`tStart must be in (0, tMax), got ${tStart}`);
  const bins = makeModeBins(alpha, beta, M, { exactModes, binsPerDecade });
  if (bins.n > 5000) fail(`${bins.n} mode bins is too many (at most 5000): lower exactModes or binsPerDecade`);
  let times: Float64Array;
  if (form === 'map') {
    if (!Number.isInteger(tMax)) fail(`tMax must be an integer number of steps for form 'map', got ${tMax}`);
    // λ_1 = 1 is the largest eigenvalue; the map needs |1 - ηλ| < 1 at least at γ = 0 (SPEC 8.2, Stability).
    if (!(eta * bins.lambda[0]! < 2)) fail(`eta·λ_1 must be < 2 for the unit-step map (got ${eta * bins.lambda[0]!})`);
    const cost = (gamma === 0 ? bins.n : bins.n * bins.n) * tMax;
    if (cost > MAP_COST_LIMIT) {
      fail(`tMax = ${tMax} with ${bins.n} mode bins costs ~${cost.toExponential(1)} operations (limit ${MAP_COST_LIMIT.toExponential(0)}): use the gradient flow (form 'flow'; richscale theory --solver ode-flow) or a smaller tMax`);
    }
    if (params.recordSteps) {
      const r = params.recordSteps;
      const ok = r.length >= 2 && r[0] === 0 && r[r.length - 1] === tMax &&
        r.every((x, i) => Number.isInteger(x) && (i === 0 || x > r[i - 1]!));
      if (!ok) fail('recordSteps must be sorted distinct integers from 0 to tMax');
      times = Float64Array.from(r);
    } else {
      times = integerLogGrid(tMax, pointsPerDecade);
    }
  } else {
    times = flowGrid(tMax, pointsPerDecade, tStart);
  }
  return {
    p: { alpha, beta, gamma, eta, M, form, tMax, pointsPerDecade, exactModes, binsPerDecade, tStart, method, deflationTol, recordSteps: params.recordSteps },
    bins, times,
  };
}

/** Throws the RangeError solveRichOde would throw for these parameters (cost limit included), without running. */
export function validateRichOdeParams(params: RichOdeParams): void {
  resolve(params);
}

async function runKernel(args: OdeKernelArgs, opts: TheoryRunOptions): Promise<OdeKernelResult> {
  if (opts.signal?.aborted) throw new CancelledError();
  if (opts.backend === 'reference') {
    const r = referenceOde(args);
    opts.onProgress?.(1);
    return r;
  }
  const job = nativeFunction<OdeRichFn>('odeRich')(args, opts.onProgress ? (f) => opts.onProgress?.(f) : undefined);
  const abort = (): void => job.cancel();
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    return await job.promise;
  } catch (err) {
    if (opts.signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw new CancelledError();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

async function solveOnce(r: Resolved, opts: TheoryRunOptions): Promise<{ curve: TheoryCurve; seconds: number }> {
  const t0 = performance.now();
  const res = await runKernel({
    form: r.p.form, gamma: r.p.gamma, eta: r.p.eta, method: r.p.method, deflationTol: r.p.deflationTol,
    lambda: r.bins.lambda, wstar: r.bins.wstar, mult: r.bins.mult, times: r.times,
  }, opts);
  const seconds = (performance.now() - t0) / 1000;
  if (res.diverged) {
    const at = r.times[res.divergedAt] ?? NaN;
    throw new Error(`solveRichOde: the ${r.p.form === 'map' ? 'unit-step map' : 'gradient flow'} diverged near step ${at} (loss non-finite or > 1e4·L(0)); use a smaller eta (SPEC 8.2, Stability)`);
  }
  const cFinal = res.c[res.c.length - 1] ?? 0;
  const notes: string[] = [];
  if (r.p.form === 'flow') {
    notes.push('gradient flow (continuous time in units of SGD steps); compare with simulations only when η·λ_1·(1 + γc) ≪ 1 (SPEC 8.2)');
  } else {
    notes.push('unit-step map at N = B = ∞ (exact when A(0)ᵀA(0)/N = I)');
  }
  if (r.p.form === 'map' && r.p.eta * r.bins.lambda[0]! * (1 + r.p.gamma * cFinal) >= 2) {
    notes.push(`η·λ_1·(1+γc) reached ${(r.p.eta * r.bins.lambda[0]! * (1 + r.p.gamma * cFinal)).toFixed(2)} ≥ 2: the map is past its stability limit (loss spikes, chaotic; SPEC 8.2)`);
  }
  notes.push('loss excludes the truncation floor of the modes k > M (reported separately)');
  const curve: TheoryCurve = {
    solver: r.p.form === 'flow' ? 'ode-flow' : 'ode-map',
    steps: r.times.slice(0, res.loss.length),
    loss: res.loss,
    lossStderr: null,
    truncationFloor: r.bins.truncationFloor,
    diagnostics: {
      modeBins: r.bins.n, exactModes: Math.min(r.p.exactModes, r.p.M), binsPerDecade: r.p.binsPerDecade,
      gridPoints: r.times.length, pointsPerDecade: r.p.pointsPerDecade,
      cFinal, kernelBoostFinal: 1 + r.p.gamma * cFinal, etaLambda1BoostFinal: r.p.eta * r.bins.lambda[0]! * (1 + r.p.gamma * cFinal),
      seconds, backend: opts.backend ?? 'native',
      ...(r.p.form === 'flow' ? { method: r.p.gamma === 0 ? 'closed form (γ = 0)' : r.p.method, maxMatrixDim: res.maxDim ?? r.bins.n, sumMatrixDim3: res.sumDim3 ?? 0 } : {}),
      ...(r.p.form === 'flow' && r.p.method === 'fast' && r.p.gamma !== 0 ? { deflationTol: r.p.deflationTol } : {}),
    },
    notes,
  };
  return { curve, seconds };
}

/** Slopes over the decades ending at tMax (as many as fit above t = 1). */
function decadeSlopes(curve: TheoryCurve, tMax: number): number[] {
  const out: number[] = [];
  for (let hi = tMax; hi / 10 >= 1 && out.length < 3; hi /= 10) out.push(logSlope(curve, hi / 10, hi));
  return out;
}

/**
 * Solves SPEC 3.3 (N = B = ∞) for any γ. Rejects inputs outside its assumptions with a one-line RangeError.
 * With `convergenceCheck`, reruns with 2× pointsPerDecade (flow) and 2× binsPerDecade and puts
 * the max relative change of the loss and of the late decade slopes into `diagnostics`.
 */
export async function solveRichOde(params: RichOdeParams, opts: TheoryRunOptions = {}): Promise<TheoryCurve> {
  const r = resolve(params);
  const { curve } = await solveOnce(r, opts);
  const slopes = decadeSlopes(curve, r.p.tMax);
  slopes.forEach((s, i) => { curve.diagnostics[`slopeDecade${i}FromEnd`] = s; });
  if (params.convergenceCheck) {
    const fine = resolve({
      ...params,
      pointsPerDecade: r.p.form === 'flow' ? 2 * r.p.pointsPerDecade : r.p.pointsPerDecade,
      binsPerDecade: 2 * r.p.binsPerDecade,
      recordSteps: r.p.form === 'map' ? r.times : undefined,
    });
    const { curve: f } = await solveOnce(fine, opts);
    let maxRel = 0;
    for (let i = 1; i < curve.steps.length; i++) {
      const t = curve.steps[i]!;
      const lf = Math.exp(logInterp(f.steps, f.loss, t));
      maxRel = Math.max(maxRel, Math.abs(lf / curve.loss[i]! - 1));
    }
    const fs = decadeSlopes(f, r.p.tMax);
    let maxSlope = 0;
    slopes.forEach((s, i) => { maxSlope = Math.max(maxSlope, Math.abs(s - (fs[i] ?? s))); });
    curve.diagnostics.convergenceMaxRelLossChange = maxRel;
    curve.diagnostics.convergenceMaxLateSlopeChange = maxSlope;
    curve.diagnostics.convergenceFineModeBins = fine.bins.n;
    curve.diagnostics.convergenceFinePointsPerDecade = fine.p.pointsPerDecade;
  }
  return curve;
}
