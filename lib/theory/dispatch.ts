/**
 * Picks and runs the theory solver for one (N, γ) of a simulate config, and resamples its curve onto the config's
 * recorded steps, so theory and simulation share `curve.csv`'s layout (docs/theory.md lists the solvers).
 *
 * auto: B = ∞ → finite-N DMFT (march solver, while its memory formula fits: T ≤ 2000 for auto, up to T ≤ 4618 at 128 bins on 24 GiB with --solver dmft) else
 * the N = ∞ unit-step map; finite B, γ = 0 → DMFT (Picard, T ≤ 1000) else the exact lazy recursion (N = ∞);
 * finite B, γ > 0 → the N = ∞ stochastic DMFT plus the finite-N (B = ∞, march) DMFT shift when it fits.
 * The unprojected model and identity features have no finite-N bottleneck in these theories: N = ∞ solvers are used.
 */
import type { ResolvedSimulateConfig } from '../simulate/sweep.js';
import { truncationFloor } from '../task.js';
import { DmftError, dmftStepsFit, solveDmft, validateDmftParams, type DmftParams, type DmftSolver } from './dmft.js';
import { logInterp, solveRichOde, validateRichOdeParams, type RichOdeParams } from './ode.js';
import { resolveStochasticParams, solveStochasticDmft, type StochasticDmftParams } from './stochasticDmft.js';
import type { TheoryCurve, TheoryRunOptions } from './types.js';
import { solveLazyVolterra, validateLazyVolterraParams, type LazyVolterraParams } from './volterra.js';

export const SOLVERS = ['auto', 'dmft', 'ode-map', 'ode-flow', 'volterra', 'stochastic'] as const;
export type SolverChoice = (typeof SOLVERS)[number];
export type Solver = Exclude<SolverChoice, 'auto'>;

export class TheoryChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TheoryChoiceError';
  }
}

export function chooseSolver(c: ResolvedSimulateConfig, N: number, gamma: number, choice: SolverChoice, dmftSolver?: DmftSolver): Solver {
  if (Number.isFinite(c.data)) {
    throw new TheoryChoiceError('theory: finite data (data = P) has no theory solver yet (docs/theory.md); use data: inf');
  }
  const finiteN = c.model === 'projected' && c.init === 'gaussian';
  // auto takes the DMFT only up to DMFT_AUTO_MAX_STEPS (run time); --solver dmft goes up to its memory limit.
  const short = c.steps <= DMFT_AUTO_MAX_STEPS && dmftStepsFit({ batch: c.batch, M: c.M, ...(dmftSolver ? { solver: dmftSolver } : {}) }, c.steps);
  const finiteB = Number.isFinite(c.batch);
  if (choice !== 'auto') {
    if (choice === 'dmft' && !finiteN) throw new TheoryChoiceError('theory: the dmft solver models the projected model with Gaussian A(0)');
    if (choice === 'dmft' && finiteB && gamma > 0) throw new TheoryChoiceError(`theory: dmft needs B = inf when γ > 0 (γ = ${gamma}): use --solver stochastic`);
    if ((choice === 'ode-map' || choice === 'ode-flow') && finiteB) throw new TheoryChoiceError('theory: the ODE is the B = inf limit: use --batch inf, or --solver volterra / stochastic');
    if (choice === 'volterra' && gamma > 0) throw new TheoryChoiceError(`theory: volterra is the lazy (γ = 0) theory, got γ = ${gamma}`);
    if (choice === 'stochastic' && !finiteB) throw new TheoryChoiceError('theory: the stochastic solver needs a finite batch; with B = inf use dmft or ode-map');
    return choice;
  }
  // The unit-step map has the simulator's discrete steps; past its cost limit (long T, γ > 0) the gradient flow on a
  // log grid is the B = ∞ theory that fits.
  if (!finiteB) return finiteN && short ? 'dmft' : mapExactModes(c, gamma) !== null ? 'ode-map' : 'ode-flow';
  if (gamma === 0) return finiteN && short ? 'dmft' : 'volterra';
  return 'stochastic';
}

export interface DispatchOptions extends TheoryRunOptions {
  threads?: number;
  /** The finite-N DMFT's solver (default: march for B = ∞, picard for finite B). */
  dmftSolver?: DmftSolver;
}

/** Longest run `auto` hands to the finite-N DMFT (march: ~50 s per (N, γ) at T = 1000, docs/performance.md). */
export const DMFT_AUTO_MAX_STEPS = 1000;

/**
 * Exact modes of the unit-step map: the simulator's modes up to 1000 (O(n²) a step at γ > 0), else 100 exact modes
 * plus log bins; null when even that exceeds the map's cost limit (then only the gradient flow fits).
 */
function mapExactModes(c: ResolvedSimulateConfig, gamma: number): number | null {
  for (const exactModes of [Math.min(c.M, 1000), Math.min(c.M, 100)]) {
    try {
      validateRichOdeParams({ alpha: c.alpha, beta: c.beta, M: c.M, gamma, eta: c.eta, form: 'map', tMax: c.steps, exactModes });
      return exactModes;
    } catch {
      // try fewer exact modes
    }
  }
  return null;
}

/** The parameters the chosen solver is called with for one (N, γ) of a config. */
type SolverCall =
  | { solver: 'dmft'; params: DmftParams }
  | { solver: 'ode-map' | 'ode-flow'; params: RichOdeParams }
  | { solver: 'volterra'; params: LazyVolterraParams }
  | { solver: 'stochastic'; params: StochasticDmftParams };

function solverCall(c: ResolvedSimulateConfig, N: number, gamma: number, solver: Solver, recordSteps: Float64Array, dmftSolver?: DmftSolver): SolverCall {
  const base = { alpha: c.alpha, beta: c.beta, M: c.M, gamma, eta: c.eta };
  switch (solver) {
    case 'dmft':
      return { solver, params: { ...base, N, batch: c.batch, steps: c.steps, ...(dmftSolver ? { solver: dmftSolver } : {}) } };
    case 'ode-map':
      // Exact modes up to 1000 (O(n²) per step): the simulator's modes, not bins, when M is moderate; fewer for long T.
      return { solver, params: { ...base, form: 'map', tMax: c.steps, recordSteps, exactModes: mapExactModes(c, gamma) ?? Math.min(c.M, 1000) } };
    case 'ode-flow':
      return { solver, params: { ...base, form: 'flow', tMax: c.steps } };
    case 'volterra':
      return { solver, params: { alpha: c.alpha, beta: c.beta, eta: c.eta, batch: c.batch, M: c.M, tMax: c.steps, recordSteps } };
    case 'stochastic': {
      // An offset seed: realisation r must not reuse the stream that simulation seed r draws its A(0) from.
      const finiteN = c.model === 'projected' && c.init === 'gaussian' && dmftStepsFit({ batch: Infinity, M: c.M }, c.steps) ? { finiteN: N } : {};
      return { solver, params: { ...base, batch: c.batch, steps: c.steps, realisations: Math.max(32, c.seeds),
        seed: (c.seed + 1_000_003) % 2 ** 53, ...finiteN } };
    }
  }
}

/**
 * Throws the error the solver would throw for this (N, γ) on its parameters (ranges, step and cost limits), without
 * running it: a command checks every (N, γ) first, so that the last one's bad parameters do not surface only after
 * the others have been solved (which can take minutes).
 */
export function checkSolverParams(c: ResolvedSimulateConfig, N: number, gamma: number, solver: Solver, recordSteps: Float64Array, dmftSolver?: DmftSolver): void {
  const call = solverCall(c, N, gamma, solver, recordSteps, dmftSolver);
  switch (call.solver) {
    case 'dmft':
      validateDmftParams(call.params);
      break;
    case 'ode-map':
    case 'ode-flow':
      validateRichOdeParams(call.params);
      break;
    case 'volterra':
      validateLazyVolterraParams(call.params);
      break;
    case 'stochastic': {
      const p = call.params;
      resolveStochasticParams(p);
      if (p.finiteN !== undefined) {
        try {
          validateDmftParams({ alpha: p.alpha, beta: p.beta, M: p.M, gamma: p.gamma, eta: p.eta, batch: Infinity, steps: p.steps, N: p.finiteN });
        } catch (err) {
          // Name the solver the user chose: the DMFT only supplies its finite-N correction.
          if (err instanceof DmftError) throw new DmftError(err.message.replace(/^dmft: /, 'stochastic (finite-N correction by the B = ∞ DMFT): '));
          throw err;
        }
      }
      break;
    }
  }
}

/** Runs the chosen solver and returns its curve resampled on `recordSteps`. */
export async function solveFor(
  c: ResolvedSimulateConfig, N: number, gamma: number, solver: Solver, recordSteps: Float64Array, opts: DispatchOptions = {},
): Promise<TheoryCurve> {
  const run = opts.signal ? { signal: opts.signal, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) } : (opts.onProgress ? { onProgress: opts.onProgress } : {});
  const call = solverCall(c, N, gamma, solver, recordSteps, opts.dmftSolver);
  let curve: TheoryCurve;
  switch (call.solver) {
    case 'dmft':
      curve = await solveDmft(call.params, run);
      break;
    case 'ode-map':
    case 'ode-flow':
      curve = await solveRichOde(call.params, run);
      break;
    case 'volterra':
      curve = await solveLazyVolterra(call.params, run);
      break;
    case 'stochastic':
      curve = await solveStochasticDmft(call.params, { ...run, ...(opts.threads ? { threads: opts.threads } : {}) });
      if (call.params.finiteN === undefined) curve.notes.push('no finite-N correction (N = ∞ theory)');
      break;
  }
  return flagTruncation(resample(curve, recordSteps), c);
}

/**
 * The width a solver's curve is for: N for the finite-N DMFT (and the stochastic solver with its finite-N
 * correction), Infinity for the N = ∞ solvers, whose curve does not depend on the config's N.
 */
export function theoryWidth(c: ResolvedSimulateConfig, N: number, gamma: number, solver: Solver): number {
  const call = solverCall(c, N, gamma, solver, new Float64Array(0));
  if (call.solver === 'dmft') return N;
  if (call.solver === 'stochastic' && call.params.finiteN !== undefined) return N;
  return Infinity;
}

/** A loss below this multiple of the truncation floor is dominated by the cut at M (as in the fit window rule). */
export const TRUNCATION_WARN_FACTOR = 10;

/**
 * Marks the curve truncation-limited from the first recorded step whose loss falls below 10× the truncation floor
 * Σ_{k>M} λ_k w*_k² (SPEC 8.2 "How many modes"): the learning front has reached M, the dropped tail would dominate
 * the true loss, and local slopes there measure the cut, not the task. Adds a 'warning:' note and a diagnostic.
 */
export function flagTruncation(curve: TheoryCurve, c: Pick<ResolvedSimulateConfig, 'alpha' | 'beta' | 'M'>): TheoryCurve {
  const floor = truncationFloor(c.alpha, c.beta, c.M);
  if (!(floor > 0)) return curve;
  const i = curve.loss.findIndex((L, j) => curve.steps[j]! > 0 && L < TRUNCATION_WARN_FACTOR * floor);
  if (i < 0) return curve;
  const t = curve.steps[i]!;
  curve.diagnostics.truncationLimitedFrom = t;
  curve.notes.push(`warning: truncation-limited from step ${t}: the loss (${curve.loss[i]!.toExponential(2)}) is below ` +
    `${TRUNCATION_WARN_FACTOR}× the truncation floor ${floor.toExponential(2)} of M = ${c.M} modes (the learning front has reached M); ` +
    `raise --M (the N = ∞ solvers log-bin modes, so M = 1e9 or more costs little)`);
  return curve;
}

/** The curve at the given steps: exact where the solver has the step, log-log interpolation otherwise. */
export function resample(curve: TheoryCurve, steps: Float64Array): TheoryCurve {
  const index = new Map<number, number>();
  curve.steps.forEach((t, i) => index.set(t, i));
  const loss = new Float64Array(steps.length);
  const se = curve.lossStderr ? new Float64Array(steps.length) : null;
  steps.forEach((t, j) => {
    const i = index.get(t);
    if (i !== undefined) {
      loss[j] = curve.loss[i]!;
      if (se) se[j] = curve.lossStderr![i]!;
    } else {
      loss[j] = t === 0 ? curve.loss[0]! : Math.exp(logInterp(curve.steps, curve.loss, t));
      if (se) se[j] = NaN;
    }
  });
  return { ...curve, steps: Float64Array.from(steps), loss, lossStderr: se };
}
