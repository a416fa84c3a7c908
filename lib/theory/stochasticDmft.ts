/**
 * Stochastic DMFT for N = ∞, finite batch B and γ ≥ 0 (SPEC 3.2, "What is exact at N = ∞, finite B"), with an
 * optional additive finite-N correction (SPEC 3.2, "Finite N and finite B together"). See docs/theory-stochastic.md.
 *
 * The deterministic finite-B closure is wrong at γ > 0 (SPEC 3.2: the overlaps C_b, C_w do not self-average at
 * finite B). What is exact is the DMFT per noise realisation with random order parameters, which is the unit-step map
 * of the N = ∞ projected network in mode space (A(0)ᵀA(0)/N → I). This solver samples R realisations of that map
 * (each with a fresh exact batch gradient per step, SPEC 8.2 sampler) and reports the mean loss E_ξ[L(t)] and its
 * standard error, dropping and counting divergent realisations (SPEC 3.2, last paragraphs; SPEC 8.2 Stability).
 *
 * Finite N: `finiteNCorrection` (a Float64Array over steps 0..T) is added to the mean, meant to be
 * L_DMFT(N, B = ∞) − L_DMFT(N = ∞, B = ∞) from the B = ∞ finite-N DMFT (SPEC 3.2 grid solver). This additive
 * combination is a heuristic: SPEC reports it within ~2σ early and 3–5σ off later (γ = 1, N = 128, B = 16).
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { nativeFunction, loadNative, type NativeJob } from '../native.js';
import {
  referenceStochasticRealisations, type StochasticRealisationArgs, type StochasticRealisationResult,
  type StochasticRepresentation,
} from '../reference/theory/stochasticDmft.js';
import { makeTask, truncationFloor } from '../task.js';
import { DIVERGENCE_FACTOR } from '../simulate/types.js';
import type { TheoryCurve, TheoryRunOptions } from './types.js';
import { solveDmft } from './dmft.js';

/** The width standing in for N = ∞ in the B = ∞ DMFT difference (its 1/N terms are then ~1e-9 relative). */
export const DMFT_INFINITE_N = 1e9;

/**
 * L_DMFT(N, B = ∞) − L_DMFT(N = ∞, B = ∞) on steps 0..T from the finite-N DMFT of SPEC 3.2 (solveDmft), the
 * additive finite-N correction of SPEC 3.2 "Finite N and finite B together".
 */
export async function dmftFiniteNCorrection(
  p: Pick<StochasticDmftParams, 'alpha' | 'beta' | 'M' | 'gamma' | 'eta' | 'steps' | 'dmftModeBins'> & { N: number },
  opts: TheoryRunOptions = {},
): Promise<Float64Array> {
  const base = { alpha: p.alpha, beta: p.beta, M: p.M, gamma: p.gamma, eta: p.eta, batch: Infinity, steps: p.steps,
    ...(p.dmftModeBins !== undefined ? { modeBins: p.dmftModeBins } : {}) };
  const sub = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.backend ? { backend: opts.backend } : {}) };
  const finite = await solveDmft({ ...base, N: p.N }, sub);
  const inf = await solveDmft({ ...base, N: DMFT_INFINITE_N }, sub);
  const out = new Float64Array(p.steps + 1);
  for (let t = 0; t <= p.steps; t++) out[t] = finite.loss[t]! - inf.loss[t]!;
  return out;
}

export type { StochasticRepresentation } from '../reference/theory/stochasticDmft.js';

export interface StochasticDmftParams {
  alpha: number;
  beta: number;
  /** Number of modes (k = 1..M). */
  M: number;
  gamma: number;
  eta: number;
  /** Finite batch size B ≥ 1 (B = ∞ is the deterministic DMFT, not this solver). */
  batch: number;
  /** T: the curve has T + 1 points, steps 0..T. */
  steps: number;
  /** R noise realisations (streams 0..R−1 of `seed`, docs/algorithm.md §1). */
  realisations: number;
  seed: number;
  /**
   * Optional L_DMFT(N, ∞) − L_DMFT(∞, ∞) on steps 0..T (length T + 1), added to the realisation mean. Its own
   * error is not included in `lossStderr`.
   */
  finiteNCorrection?: Float64Array;
  /**
   * Alternatively a finite width N: the correction is then computed with the B = ∞ finite-N DMFT (solveDmft,
   * lib/theory/dmft.ts) as L_DMFT(N, ∞) − L_DMFT(N_∞, ∞), N_∞ = DMFT_INFINITE_N, both with the same mode bins so
   * that the binning error cancels. Costs two deterministic DMFT solves (O(bins·T³) each). Exclusive with
   * finiteNCorrection.
   */
  finiteN?: number;
  /** Mode representatives for the finite-N DMFT (solveDmft's modeBins; default: its own default). */
  dmftModeBins?: number;
  /** How K − I is held: 'explicit' M×M (O(M²)/step), 'implicit' rank-1/2 history (O(Mt)/step), 'auto' (default). */
  representation?: StochasticRepresentation | 'auto';
}

export interface StochasticRunOptions extends TheoryRunOptions {
  /** Concurrent native jobs (one BLAS thread each); default: available parallelism. */
  threads?: number;
}

type NativeStochastic = (
  args: StochasticRealisationArgs, onProgress?: (done: number) => void,
) => NativeJob<StochasticRealisationResult>;

/** Per-realisation output of the kernel, before averaging (exposed for tests and diagnostics). */
export interface StochasticRealisations extends StochasticRealisationResult {
  steps: number;
  count: number;
  representation: StochasticRepresentation;
}

function fail(message: string): never {
  throw new RangeError(`solveStochasticDmft: ${message}`);
}

function checkNumber(name: string, x: unknown, ok: (x: number) => boolean, expect: string): number {
  if (typeof x !== 'number' || !ok(x)) fail(`${name} must be ${expect}, got ${String(x)}`);
  return x;
}

const isPosInt = (x: number): boolean => Number.isSafeInteger(x) && x >= 1;

/** Limit on the numbers one realisation stores (its T×M histories): 2e8 doubles, 1.6 GB. */
export const STOCHASTIC_MAX_HISTORY = 2e8;

/** Validates the parameters (one-line RangeError naming the field) and resolves the representation. */
export function resolveStochasticParams(p: StochasticDmftParams): StochasticRepresentation {
  if (typeof p !== 'object' || p === null) fail('params must be an object');
  checkNumber('alpha', p.alpha, (x) => Number.isFinite(x) && x > 1, 'a finite number > 1');
  checkNumber('beta', p.beta, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  checkNumber('M', p.M, (x) => isPosInt(x) && x <= 2 ** 31 - 1, 'a positive integer');
  checkNumber('gamma', p.gamma, (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0');
  checkNumber('eta', p.eta, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  if (p.batch === Infinity) fail('batch must be finite (for B = ∞ use the deterministic DMFT), got Infinity');
  checkNumber('batch', p.batch, (x) => isPosInt(x) && x <= 2 ** 31 - 1, 'a positive integer');
  checkNumber('steps', p.steps, (x) => isPosInt(x) && x <= 1e7, 'a positive integer <= 1e7');
  checkNumber('realisations', p.realisations, (x) => isPosInt(x) && x <= 2 ** 32, 'a positive integer');
  checkNumber('seed', p.seed, (x) => Number.isSafeInteger(x) && x >= 0, 'an integer in [0, 2^53)');
  if (p.realisations * (p.steps + 1) > 2 ** 31) fail('realisations * (steps + 1) must be at most 2^31');
  // Each realisation keeps its T×M histories of ĝ and β (native/theory/stochastic.cc): bound them like the simulator's A(0).
  if (2 * p.steps * p.M > STOCHASTIC_MAX_HISTORY) {
    fail(`steps = ${p.steps} with M = ${p.M} is too large: each realisation stores 2·steps·M = ${(2 * p.steps * p.M).toExponential(2)} ` +
      `numbers (${((16 * p.steps * p.M) / 2 ** 30).toFixed(1)} GiB), the limit is ${STOCHASTIC_MAX_HISTORY.toExponential(0)}; use fewer modes or steps`);
  }
  if (p.finiteNCorrection !== undefined) {
    const c = p.finiteNCorrection;
    if (!(c instanceof Float64Array)) fail('finiteNCorrection must be a Float64Array');
    if (c.length !== p.steps + 1) fail(`finiteNCorrection must have steps + 1 = ${p.steps + 1} entries, got ${c.length}`);
    const bad = c.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail(`finiteNCorrection[${bad}] must be finite, got ${c[bad]}`);
  }
  if (p.finiteN !== undefined) {
    if (p.finiteNCorrection !== undefined) fail('give either finiteN or finiteNCorrection, not both');
    checkNumber('finiteN', p.finiteN, (x) => isPosInt(x), 'a positive integer');
  }
  const rep = p.representation ?? 'auto';
  if (rep !== 'auto' && rep !== 'implicit' && rep !== 'explicit') {
    fail(`representation must be 'auto' | 'implicit' | 'explicit', got ${String(rep)}`);
  }
  // Explicit K costs ~2M² per step, the implicit history ~4M t (avg 2MT): explicit wins for M ≲ T. Cap its memory.
  if (rep === 'auto') return p.M <= p.steps && p.M <= 4096 ? 'explicit' : 'implicit';
  return rep;
}

/** Runs the realisations (streams 0..R−1) on the chosen backend; no averaging. */
export async function stochasticRealisations(
  p: StochasticDmftParams, opts: StochasticRunOptions = {},
): Promise<StochasticRealisations> {
  const representation = resolveStochasticParams(p);
  const task = makeTask(p.alpha, p.beta, p.M);
  const R = p.realisations;
  const T = p.steps;
  const base = {
    M: p.M, gamma: p.gamma, eta: p.eta, batch: p.batch, steps: T, lambda: task.lambda, wstar: task.wstar,
    seed: p.seed, representation, divergenceFactor: DIVERGENCE_FACTOR,
  };
  const loss = new Float64Array(R * (T + 1));
  const divergedAt = new Float64Array(R);
  const signal = opts.signal;
  const abortError = (): Error => Object.assign(new Error('cancelled'), { name: 'AbortError', code: 'ABORT_ERR' });
  if (signal?.aborted) throw abortError();

  if (opts.backend === 'reference') {
    for (let r = 0; r < R; r++) {
      const out = referenceStochasticRealisations({ ...base, streamStart: r, count: 1 });
      loss.set(out.loss, r * (T + 1));
      divergedAt[r] = out.divergedAt[0]!;
      opts.onProgress?.((r + 1) / R, `${r + 1}/${R} realisations`);
      await nextTurn();
      if (signal?.aborted) throw abortError();
    }
    return { loss, divergedAt, steps: T, count: R, representation };
  }

  const run = nativeFunction<NativeStochastic>('stochasticDmftRealisations');
  const threads = Math.max(1, Math.min(R, Math.floor(opts.threads ?? availableParallelism())));
  const native = loadNative();
  const prevThreads = native.getNumThreads();
  const doneBy = new Float64Array(threads);
  const jobs: NativeJob<StochasticRealisationResult>[] = [];
  const starts: number[] = [];
  const cancelAll = (): void => jobs.forEach((job) => job.cancel());
  signal?.addEventListener('abort', cancelAll, { once: true });
  try {
    native.setNumThreads(threads > 1 ? 1 : prevThreads);
    for (let j = 0; j < threads; j++) {
      const start = Math.floor((j * R) / threads);
      const end = Math.floor(((j + 1) * R) / threads);
      starts.push(start);
      jobs.push(run({ ...base, streamStart: start, count: end - start }, (done) => {
        doneBy[j] = done;
        const total = doneBy.reduce((a, b) => a + b, 0);
        opts.onProgress?.(total / R, `${total}/${R} realisations`);
      }));
    }
    const results = await Promise.all(jobs.map((job) => job.promise));
    results.forEach((res, j) => {
      loss.set(res.loss, starts[j]! * (T + 1));
      divergedAt.set(res.divergedAt, starts[j]!);
    });
  } catch (err) {
    cancelAll();
    await Promise.allSettled(jobs.map((job) => job.promise));
    if (signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw abortError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', cancelAll);
    native.setNumThreads(prevThreads);
  }
  return { loss, divergedAt, steps: T, count: R, representation };
}

/**
 * Mean and standard error of L(t) over the realisations that did not diverge (SPEC 8.1 statistics), plus the
 * optional finite-N correction. Throws if every realisation diverged.
 */
export async function solveStochasticDmft(p: StochasticDmftParams, opts: StochasticRunOptions = {}): Promise<TheoryCurve> {
  const t0 = performance.now();
  resolveStochasticParams(p);
  let correction = p.finiteNCorrection;
  if (p.finiteN !== undefined) {
    correction = await dmftFiniteNCorrection({ ...p, N: p.finiteN }, opts);
  }
  const raw = await stochasticRealisations(p, opts);
  const T = raw.steps;
  const R = raw.count;
  const ok: number[] = [];
  let firstDivergence = Infinity;
  for (let r = 0; r < R; r++) {
    const d = raw.divergedAt[r]!;
    if (d < 0) ok.push(r);
    else firstDivergence = Math.min(firstDivergence, d);
  }
  const diverged = R - ok.length;
  if (ok.length === 0) {
    throw new Error(
      `solveStochasticDmft: all ${R} realisations diverged (first at step ${firstDivergence}): use a smaller eta ` +
      `(now ${p.eta}; stability needs η·λ_max(K + γc) < 2, and the kernel grows with γ)`,
    );
  }
  const n = ok.length;
  const steps = new Float64Array(T + 1);
  const loss = new Float64Array(T + 1);
  const lossStderr = new Float64Array(T + 1);
  for (let t = 0; t <= T; t++) {
    steps[t] = t;
    let m = 0;
    for (const r of ok) m += raw.loss[r * (T + 1) + t]!;
    m /= n;
    let v = 0;
    for (const r of ok) v += (raw.loss[r * (T + 1) + t]! - m) ** 2;
    const sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
    loss[t] = m + (correction?.[t] ?? 0);
    lossStderr[t] = sd / Math.sqrt(n);
  }
  const notes = [
    'N = ∞ stochastic DMFT (SPEC 3.2): exact per-realisation unit-step map at N = ∞, finite B; mean over realisations.',
    'Discrete time: one grid point per SGD step of size η (compare with simulations, not with gradient flow).',
  ];
  if (correction) {
    notes.push('Finite N added as L_DMFT(N,∞) − L_DMFT(∞,∞) (heuristic, SPEC 3.2: ~2σ early, can be 3–5σ off late); its error is not in lossStderr.');
  }
  if (diverged > 0) {
    notes.push(`${diverged} of ${R} realisations diverged (first at step ${firstDivergence}) and were dropped; the mean is conditional on survival.`);
  }
  return {
    solver: 'dmft-stochastic',
    steps, loss, lossStderr,
    truncationFloor: truncationFloor(p.alpha, p.beta, p.M),
    diagnostics: {
      realisations: R,
      survived: n,
      diverged,
      firstDivergenceStep: Number.isFinite(firstDivergence) ? firstDivergence : -1,
      representation: raw.representation,
      backend: opts.backend ?? 'native',
      finiteNCorrection: correction !== undefined,
      finiteN: p.finiteN ?? 'none',
      seconds: (performance.now() - t0) / 1000,
    },
    notes,
  };
}
