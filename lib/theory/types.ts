/**
 * Common shapes of the theory solvers (SPEC 3). Every solver returns a loss curve on its own time grid (in SGD
 * steps), plus what it needs to say about its own validity.
 */
export interface TheoryCurve {
  /** Solver name, e.g. 'ode-flow', 'ode-map', 'volterra', 'dmft', 'dmft-stochastic'. */
  solver: string;
  /** Time grid in SGD steps (t = η-scaled time / η for gradient flow). Increasing, starts at 0. */
  steps: Float64Array;
  /** Predicted population loss at each grid point. */
  loss: Float64Array;
  /** Standard error of `loss` where the solver itself averages over noise realisations; else null. */
  lossStderr: Float64Array | null;
  /** Σ_{k>M} λ_k w*_k² for the modes the solver dropped (0 if none). */
  truncationFloor: number;
  /** Convergence and validity diagnostics (residuals, iterations, grid/mode refinement deltas, diverged counts). */
  diagnostics: Record<string, number | string | boolean>;
  /** Human-readable caveats: where the solver's assumptions stop holding. */
  notes: string[];
}

/** Progress of a solver: a fraction in [0, 1] and an optional short message (e.g. the current residual). */
export type TheoryProgressFn = (fraction: number, message?: string) => void;

export interface TheoryRunOptions {
  signal?: AbortSignal;
  onProgress?: TheoryProgressFn;
  /** Use the pure-TS twin instead of the native kernel (small sizes; tests). */
  backend?: 'native' | 'reference';
}
