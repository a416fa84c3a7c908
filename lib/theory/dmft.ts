/**
 * Finite-N DMFT of the projected model (SPEC 3.1–3.2) on the discrete step grid: one grid point per SGD step,
 * exactly as the simulator steps. B = ∞ for any γ; finite B (SGD noise, SPEC 3.1) only at γ = 0 — at γ > 0
 * the deterministic closure is wrong at finite B (SPEC 3.2) and the stochastic N = ∞ solver is the tool.
 * Equations and derivation: docs/theory-dmft.md.
 *
 * Two solvers of the same fixed point (SPEC 3.2):
 *  - 'march' (default for B = ∞): forward in time, block by block of rows, using that every memory term is strictly
 *    causal. Kernel native/theory/dmft_march.cc; twin lib/reference/theory/dmftMarch.ts.
 *  - 'picard' (the reference; the only one for finite B): damped global fixed-point iteration over whole T×T
 *    matrices. Kernel native/theory/dmft.cc; twin lib/reference/theory/dmft.ts.
 */
import { totalmem } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { nativeFunction, type NativeJob } from '../native.js';
import { dmftCoreReference, type DmftCoreArgs, type DmftCoreResult, type DmftState } from '../reference/theory/dmft.js';
import { dmftMarchReference } from '../reference/theory/dmftMarch.js';
import { truncationFloor } from '../task.js';
import { dmftModes } from './dmftModes.js';
import type { TheoryCurve, TheoryRunOptions } from './types.js';

export interface DmftParams {
  alpha: number;
  beta: number;
  /** Number of modes (the simulator's M), modelled exactly or log-binned (modeBins). */
  M: number;
  /** Width N (finite; the proportional limit with M and N both finite is what is solved). */
  N: number;
  gamma: number;
  eta: number;
  /** Infinity, or a positive integer with gamma = 0. */
  batch: number;
  /** Number of SGD steps T; the curve has T + 1 points t = 0..T. */
  steps: number;
  /** Mode representatives (default: all M modes if M ≤ 256, else 128: 64 exact + 64 log bins). */
  modeBins?: number;
  /** Damping θ of X ← (1-θ)X + θF(X) (default 0.5). */
  damping?: number;
  /** Residual (max relative change of the order parameters) to stop at (default 1e-9). */
  tol?: number;
  /** Maximum iterations per continuation stage (default 400). */
  maxIter?: number;
  /** 'march' (default when batch = ∞) or 'picard' (the reference; always used for finite batch). */
  solver?: DmftSolver;
  /** march: rows per block (default DMFT_MARCH_BLOCK). */
  block?: number;
  /** march: a block is done when its rows change by less than this between passes (default 1e-12). */
  innerTol?: number;
  /** march: worker threads over the mode bins (default 2). */
  threads?: number;
}

export type DmftSolver = 'picard' | 'march';

/** What the native kernel takes (native/theory/dmft_binding.cc). */
export interface DmftKernelArgs {
  eta: number; gamma: number; N: number; batch: number; steps: number;
  damping: number; tol: number; maxIter: number;
  lambda: Float64Array; wstar2: Float64Array; mult: Float64Array;
  init: DmftState | null;
}
interface DmftKernelResult {
  state: DmftState; residuals: Float64Array; iterations: number; converged: boolean; failure: string;
}
type DmftSolveFn = (args: DmftKernelArgs, onProgress?: (v: number) => void) => NativeJob<DmftKernelResult>;

/** Largest T the Picard solver accepts: memory ~ 20 n² doubles, time ~ bins · 4 n³ flops per iteration. */
export const DMFT_MAX_STEPS = 1000;
/** Hard cap of the march solver (native binding); below it the memory formula (dmftMarchBytes) decides. */
export const DMFT_MARCH_MAX_STEPS = 20000;
/** Default rows per block of the march solver (docs/performance.md: block-size sweep). */
export const DMFT_MARCH_BLOCK = 1;

/**
 * Bytes the march solver allocates (native/theory/dmft_march.cc, MarchBytes): with n = T + 1 and b the block,
 * 8·[9n² + bins·(n² + n·S)/2 + (14 + 2·bins)·n·b + 3·bins·n], S = b·⌈64/b⌉ — nine n×n order parameters, each
 * bin's H_k lower triangle (packed by storage blocks of S rows), the stacked H rows and W = H C_z, the block scratch.
 */
export function dmftMarchBytes(steps: number, bins: number, block: number = DMFT_MARCH_BLOCK): number {
  const n = steps + 1, b = Math.max(1, Math.min(block, n)), S = b * Math.max(1, Math.ceil(64 / b));
  return 8 * (9 * n * n + (bins * (n * n + n * S)) / 2 + (14 + 2 * bins) * n * b + 3 * bins * n);
}

/** Memory the march solver may use: half of this machine's RAM. */
export function dmftMarchBudget(): number {
  return totalmem() / 2;
}

/** The solver a parameter set runs with: 'march' for B = ∞ unless 'picard' is asked for; 'picard' for finite B. */
export function dmftSolverFor(p: Pick<DmftParams, 'batch' | 'solver'>): DmftSolver {
  if (Number.isFinite(p.batch)) return 'picard';
  return p.solver ?? 'march';
}

/** Default mode representatives: all M modes if M ≤ 256, else 128. */
export function dmftDefaultBins(p: Pick<DmftParams, 'M' | 'modeBins'>): number {
  return p.modeBins ?? (p.M <= 256 ? p.M : 128);
}

/** Whether T steps fit the solver that these parameters select (step cap and, for march, memory). */
export function dmftStepsFit(p: Pick<DmftParams, 'batch' | 'solver' | 'M' | 'modeBins' | 'block'>, steps: number): boolean {
  if (dmftSolverFor(p) === 'picard') return steps <= DMFT_MAX_STEPS;
  const bins = Math.min(p.M, dmftDefaultBins(p));
  return steps <= DMFT_MARCH_MAX_STEPS && dmftMarchBytes(steps, bins, p.block ?? DMFT_MARCH_BLOCK) <= dmftMarchBudget();
}

export class DmftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DmftError';
  }
}

function isPosInt(x: number): boolean {
  return Number.isInteger(x) && x >= 1;
}

/** Refuses inputs outside the solver's assumptions, with one-line messages. */
export function validateDmftParams(p: DmftParams): void {
  const bad = (m: string): never => { throw new DmftError(`dmft: ${m}`); };
  if (!(Number.isFinite(p.alpha) && p.alpha > 1)) bad(`alpha must be a finite number > 1 (Tr Λ < ∞, SPEC 1), got ${p.alpha}`);
  if (!(Number.isFinite(p.beta) && p.beta > 0)) bad(`beta must be a finite number > 0, got ${p.beta}`);
  if (!isPosInt(p.M)) bad(`M must be a positive integer, got ${p.M}`);
  if (!isPosInt(p.N)) bad(`N must be a positive integer (use the N = ∞ solvers for infinite width), got ${p.N}`);
  if (!(Number.isFinite(p.gamma) && p.gamma >= 0)) bad(`gamma must be a finite number >= 0, got ${p.gamma}`);
  if (!(Number.isFinite(p.eta) && p.eta > 0 && p.eta < 2)) bad(`eta must be in (0, 2) (stability needs η·λ_1 < 2, λ_1 = 1), got ${p.eta}`);
  if (!(p.batch === Infinity || isPosInt(p.batch))) bad(`batch must be a positive integer or Infinity, got ${p.batch}`);
  if (Number.isFinite(p.batch) && p.gamma > 0) {
    bad(`finite batch with gamma > 0 is outside this solver (its order parameters do not self-average, SPEC 3.2): use the stochastic N = ∞ DMFT solver`);
  }
  if (!isPosInt(p.steps)) bad(`steps must be a positive integer, got ${p.steps}`);
  if (p.solver !== undefined && p.solver !== 'picard' && p.solver !== 'march') bad(`solver must be 'picard' or 'march', got ${String(p.solver)}`);
  if (p.solver === 'march' && Number.isFinite(p.batch)) bad(`solver 'march' is B = ∞ only (finite batch at γ = 0: use solver 'picard')`);
  if (p.block !== undefined && !(Number.isInteger(p.block) && p.block >= 1 && p.block <= 4096)) bad(`block must be an integer in [1, 4096], got ${p.block}`);
  if (p.innerTol !== undefined && !(Number.isFinite(p.innerTol) && p.innerTol > 0)) bad(`innerTol must be a finite number > 0, got ${p.innerTol}`);
  if (p.threads !== undefined && !(Number.isInteger(p.threads) && p.threads >= 1 && p.threads <= 64)) bad(`threads must be an integer in [1, 64], got ${p.threads}`);
  if (dmftSolverFor(p) === 'picard') {
    if (p.steps > DMFT_MAX_STEPS) {
      bad(`steps = ${p.steps} is too many for the Picard solver (O(T²) memory, O(T³) per mode and iteration; max ${DMFT_MAX_STEPS}); use solver 'march' (B = ∞) or the ODE/Volterra solvers on a log grid for long runs`);
    }
  } else {
    if (p.steps > DMFT_MARCH_MAX_STEPS) bad(`steps = ${p.steps} is too many for the march solver (max ${DMFT_MARCH_MAX_STEPS}); use the ODE solvers on a log grid for long runs`);
    if (isPosInt(p.M)) {
      const bins = Math.min(p.M, dmftDefaultBins(p)), block = p.block ?? DMFT_MARCH_BLOCK;
      const need = dmftMarchBytes(p.steps, bins, block), budget = dmftMarchBudget();
      if (need > budget) {
        const gib = (x: number): string => (x / 2 ** 30).toFixed(1);
        bad(`steps = ${p.steps} is too many for the march solver on this machine: it needs ≈ ${gib(need)} GiB (≈ 8·[9n² + bins·n²/2] bytes, n = ${p.steps + 1}, bins = ${bins}, b = ${block}), more than the ${gib(budget)} GiB allowed (half the RAM); use fewer steps (or, through the API, fewer modeBins)`);
      }
    }
  }
  if (p.modeBins !== undefined && !(Number.isInteger(p.modeBins) && p.modeBins >= 2)) bad(`modeBins must be an integer >= 2, got ${p.modeBins}`);
  if (p.damping !== undefined && !(p.damping > 0 && p.damping <= 1)) bad(`damping must be in (0, 1], got ${p.damping}`);
  if (p.tol !== undefined && !(Number.isFinite(p.tol) && p.tol > 0)) bad(`tol must be a finite number > 0, got ${p.tol}`);
  if (p.maxIter !== undefined && !isPosInt(p.maxIter)) bad(`maxIter must be a positive integer, got ${p.maxIter}`);
}

class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

/** One damped fixed-point solve on the chosen backend (native job wrapped with the AbortSignal, as seedRunner). */
async function runCore(
  a: DmftCoreArgs, backend: 'native' | 'reference', signal: AbortSignal | undefined,
  onIter: (iter: number, res: number) => void,
): Promise<DmftCoreResult> {
  if (signal?.aborted) throw new AbortError();
  if (backend === 'reference') {
    await nextTurn();
    return dmftCoreReference(a, onIter);
  }
  const solve = nativeFunction<DmftSolveFn>('dmftSolve');
  const job = solve({
    eta: a.eta, gamma: a.gamma, N: a.N, batch: a.batch, steps: a.steps, damping: a.damping, tol: a.tol,
    maxIter: a.maxIter, lambda: a.modes.lambda, wstar2: a.modes.wstar2, mult: a.modes.mult, init: a.init,
  }, (v) => {
    const it = Math.floor(v);
    const f = v - it;
    onIter(it, f / (1 - f));
  });
  const abort = (): void => job.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const r = await job.promise;
    return { state: r.state, residuals: Array.from(r.residuals), iterations: r.iterations, converged: r.converged, failure: r.failure };
  } catch (err) {
    if (signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw new AbortError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

interface DmftMarchKernelArgs {
  eta: number; gamma: number; N: number; steps: number;
  lambda: Float64Array; wstar2: Float64Array; mult: Float64Array;
  block: number; innerTol: number; maxPasses: number; threads: number;
}
type DmftMarchFn = (args: DmftMarchKernelArgs, onProgress?: (v: number) => void) => NativeJob<DmftKernelResult & { profile: Float64Array }>;

/** One march solve on the chosen backend (SPEC 3.2 causal structure; native/theory/dmft_march.cc). */
async function runMarch(
  p: DmftParams, modes: DmftCoreArgs['modes'], backend: 'native' | 'reference', signal: AbortSignal | undefined,
  onRows: (rows: number) => void,
): Promise<DmftCoreResult & { profile?: number[] }> {
  if (signal?.aborted) throw new AbortError();
  const block = p.block ?? DMFT_MARCH_BLOCK, innerTol = p.innerTol ?? 1e-12;
  if (backend === 'reference') {
    await nextTurn();
    return dmftMarchReference({ eta: p.eta, gamma: p.gamma, N: p.N, steps: p.steps, modes, block, innerTol, maxPasses: 0 },
      (rows) => onRows(rows));
  }
  const march = nativeFunction<DmftMarchFn>('dmftMarch');
  const job = march({
    eta: p.eta, gamma: p.gamma, N: p.N, steps: p.steps, lambda: modes.lambda, wstar2: modes.wstar2, mult: modes.mult,
    block, innerTol, maxPasses: 0, threads: p.threads ?? 2,
  }, onRows);
  const abort = (): void => job.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const r = await job.promise;
    return { state: r.state, residuals: Array.from(r.residuals), iterations: r.iterations, converged: r.converged, failure: r.failure,
      profile: Array.from(r.profile) };
  } catch (err) {
    if (signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw new AbortError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Solves the finite-N DMFT and returns L(t), t = 0..T. With solver 'march' (default for B = ∞): one forward sweep
 * (no continuation needed). With 'picard': strategy (SPEC 3.2 "Iteration"): start from the lazy
 * N = ∞ solution and iterate at the target γ; if that fails (NaN, stall, max iterations) and γ > 0, continue
 * in γ over K = 4, then 8, then 16 equal stages, each started from the previous stage's solution. Throws a
 * DmftError saying why when nothing converges.
 */
export async function solveDmft(params: DmftParams, opts: TheoryRunOptions = {}): Promise<TheoryCurve> {
  validateDmftParams(params);
  const backend = opts.backend ?? 'native';
  const modeBins = dmftDefaultBins(params);
  const modes = dmftModes(params.alpha, params.beta, params.M, modeBins);
  if (dmftSolverFor(params) === 'march') return solveMarch(params, modes, backend, opts);
  const base: DmftCoreArgs = {
    eta: params.eta, gamma: params.gamma, N: params.N, batch: params.batch, steps: params.steps, modes,
    damping: params.damping ?? 0.5, tol: params.tol ?? 1e-9, maxIter: params.maxIter ?? 400, init: null,
  };
  const t0 = performance.now();
  let totalIter = 0;
  const progress = (stage: number, stages: number) => (iter: number, res: number): void => {
    opts.onProgress?.(Math.min(1, (stage + Math.min(1, iter / base.maxIter)) / stages),
      `γ-stage ${stage + 1}/${stages}, iteration ${iter}, residual ${res.toExponential(2)}`);
  };
  const attempts: string[] = [];
  let result: DmftCoreResult | null = null;
  let stagesUsed = 1;
  const schedules = params.gamma > 0 ? [1, 4, 8, 16] : [1];
  for (const K of schedules) {
    let init: DmftState | null = null;
    let last: DmftCoreResult | null = null;
    let ok = true;
    for (let j = 1; j <= K; j++) {
      const r = await runCore({ ...base, gamma: (params.gamma * j) / K, init }, backend, opts.signal, progress(j - 1, K));
      totalIter += r.iterations;
      last = r;
      if (!r.converged) {
        const lastRes = r.residuals.length > 0 ? r.residuals[r.residuals.length - 1]! : NaN;
        attempts.push(`K=${K}: stage ${j} (γ = ${+((params.gamma * j) / K).toPrecision(4)}) ${r.failure} after ${r.iterations} iterations, residual ${lastRes.toExponential(2)}`);
        ok = false;
        break;
      }
      init = r.state;
    }
    if (ok && last) { result = last; stagesUsed = K; break; }
  }
  if (!result) {
    throw new DmftError(`dmft: did not converge (${attempts.join('; ')}); try a smaller eta, smaller gamma, fewer steps or damping 0.3`);
  }
  const n = params.steps + 1;
  const steps = new Float64Array(n);
  for (let t = 0; t < n; t++) steps[t] = t;
  const notes = [
    'finite-N DMFT in the proportional limit (SPEC 3.1–3.2): the first few steps deviate from simulation by O(1/N)',
  ];
  if (modes.lambda.length < params.M) notes.push(`modes log-binned: ${modes.lambda.length} representatives for M = ${params.M}`);
  if (Number.isFinite(params.batch)) notes.push('finite B at γ = 0: diagonal SGD noise (λ_k L + λ_k² ⟨v_k²⟩)/B; the dropped rank-one (coherent) part makes the loss ~0.5–1.5% low at finite N, B = 8 (docs/theory-dmft.md §5)');
  const lastRes = result.residuals[result.residuals.length - 1] ?? NaN;
  return {
    solver: 'dmft',
    steps,
    loss: Float64Array.from(result.state.loss),
    lossStderr: null,
    truncationFloor: truncationFloor(params.alpha, params.beta, params.M),
    diagnostics: {
      solver: 'picard', backend, iterations: totalIter, finalIterations: result.iterations, residual: lastRes,
      gammaStages: stagesUsed, modeRepresentatives: modes.lambda.length, damping: base.damping, tol: base.tol,
      seconds: (performance.now() - t0) / 1000,
    },
    notes,
  };
}

async function solveMarch(
  params: DmftParams, modes: DmftCoreArgs['modes'], backend: 'native' | 'reference', opts: TheoryRunOptions,
): Promise<TheoryCurve> {
  const t0 = performance.now();
  const n = params.steps + 1;
  const r = await runMarch(params, modes, backend, opts.signal, (rows) => {
    opts.onProgress?.(Math.min(1, rows / n), `march: ${rows}/${n} rows`);
  });
  if (!r.converged) {
    const last = r.residuals.length > 0 ? r.residuals[r.residuals.length - 1]! : NaN;
    throw new DmftError(`dmft: the march solver failed (${r.failure}) in the block ending near row ${Math.min(n, r.residuals.length * (params.block ?? DMFT_MARCH_BLOCK))} (last change ${last.toExponential(2)}); try a smaller eta or gamma, or solver 'picard'`);
  }
  const steps = new Float64Array(n);
  for (let t = 0; t < n; t++) steps[t] = t;
  const notes = ['finite-N DMFT in the proportional limit (SPEC 3.1–3.2): the first few steps deviate from simulation by O(1/N)'];
  if (modes.lambda.length < params.M) notes.push(`modes log-binned: ${modes.lambda.length} representatives for M = ${params.M}`);
  const block = params.block ?? DMFT_MARCH_BLOCK;
  return {
    solver: 'dmft',
    steps,
    loss: Float64Array.from(r.state.loss),
    lossStderr: null,
    truncationFloor: truncationFloor(params.alpha, params.beta, params.M),
    diagnostics: {
      solver: 'march', backend, iterations: r.iterations, passes: r.iterations, block, blocks: r.residuals.length,
      innerTol: params.innerTol ?? 1e-12, modeRepresentatives: modes.lambda.length,
      seconds: (performance.now() - t0) / 1000,
      ...(r.profile ? { profile: `N-site ${r.profile[0]!.toFixed(2)} s, per-bin H ${r.profile[1]!.toFixed(2)} s, stacked H·C_z ${r.profile[2]!.toFixed(2)} s, per-bin P ${r.profile[3]!.toFixed(2)} s, rest ${r.profile[4]!.toFixed(2)} s` } : {}),
    },
    notes,
  };
}
