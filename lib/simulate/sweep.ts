/**
 * Ensembles and sweeps of the simulator: S seeds for each (N, γ) of a config, run on the local cores,
 * aggregated into mean / std / stderr per recorded step (SPEC 8.1).
 *
 * Threading: OpenBLAS's pool is process-wide. When there are at least as many seed jobs as threads, jobs run
 * concurrently with one BLAS thread each (best for small N); otherwise jobs run one at a time with all threads
 * given to BLAS (best for one large N). Each seed's result depends only on (seed, seed index, config) and, with
 * one BLAS thread, is bit-reproducible; with several BLAS threads the summation order of gemv can depend on the
 * thread split, so results are reproducible only to rounding.
 */
import { availableParallelism } from 'node:os';
import { logGrid, everyStep } from '../grid.js';
import { loadNative } from '../native.js';
import { initialLoss, makeTask, truncationFloor } from '../task.js';
import { flopsPerStep } from './flops.js';
import { kernelSampler } from './kernelChoice.js';
import { runSeedCheckpointed, type SeedCheckpointing } from './checkpointedSeed.js';
import { runSeed, CancelledError, type Backend } from './seedRunner.js';
import { seedStats, type SeedStats } from './stats.js';
import type { InitKind, ModelKind, Precision, SamplerKind, SeedKernelArgs, SeedKernelResult } from './types.js';

export type { SeedStats } from './stats.js';
export { CancelledError } from './seedRunner.js';

export interface ResolvedSimulateConfig {
  alpha: number; beta: number; M: number; N: number[]; gamma: number[]; eta: number;
  /** Infinity = population gradient (or full batch when data is finite). */
  batch: number;
  /** Infinity = fresh samples every step (online SGD). */
  data: number;
  model: ModelKind; sampler: SamplerKind; init: InitKind;
  steps: number; record: 'log' | 'all'; recordPoints: number;
  seeds: number; seed: number; perSeed: boolean;
  /** Native simulator arithmetic (absent = 'float64'; docs/performance.md). */
  precision?: Precision;
}

export interface EnsembleResult {
  N: number; gamma: number;
  steps: Float64Array;
  loss: SeedStats;
  trainLoss: SeedStats | null;
  perSeedLoss: Float64Array[];
  perSeedTrainLoss: Float64Array[] | null;
  flops: number;
  /** 'span': stepped in the span of A(0) (sampler 'span', chosen or automatic at B = ∞); 'modes': over all M modes. */
  kernel: 'span' | 'modes';
  /** Wall time of this run's seeds (they may overlap with other runs' seeds). */
  seconds: number;
}

export interface BlasInfo { config: string; corename: string; threads: number }

export interface SweepResult {
  config: ResolvedSimulateConfig;
  runs: EnsembleResult[];
  truncationFloor: number;
  initialLoss: number;
  flops: number;
  seconds: number;
  backend: Backend;
  blas: BlasInfo | null;
  concurrency: number;
}

export interface RunOptions {
  backend?: Backend;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Checkpoint every seed (native backend only): resumes seeds found in the store. */
  checkpoint?: SeedCheckpointing;
  /** Called when a seed continues from a checkpoint (stepsDone = steps for a finished seed). */
  onResumed?: (key: string, stepsDone: number) => void;
}

/** The checkpoint key of one seed of one (N, γ) run. */
// A span seed's state holds other variables than an M-space seed's (docs/algorithm.md section 5b): its own key.
export const seedKey = (N: number, gamma: number, seedIndex: number, sampler?: SeedKernelArgs['sampler']): string =>
  `g${gamma}_N${N}_s${seedIndex}${sampler === 'span' ? '_span' : ''}`;

export class DivergenceError extends Error {
  constructor(readonly step: number, readonly gamma: number, readonly N: number, readonly seedIndex: number, eta: number) {
    super(
      `diverged at step ${step} (γ = ${gamma}, N = ${N}, seed index ${seedIndex}): the loss became non-finite or ` +
      `exceeded 1e4·L(0); use a smaller learning rate, e.g. --eta ${+Math.min(eta / 2, 1).toPrecision(3)} (now ${eta})` +
      (gamma > 0
        ? `, or a smaller γ than ${gamma}: stability needs η·λ_max < 2, and the kernel grows by 1 + γ|w|²`
        : ': stability needs η·λ_max < 2, and λ_max ≥ λ_1 = 1'),
    );
    this.name = 'DivergenceError';
  }
}

export function recordStepsFor(config: Pick<ResolvedSimulateConfig, 'steps' | 'record' | 'recordPoints'>): Float64Array {
  return config.record === 'all' ? everyStep(config.steps) : logGrid(config.steps, config.recordPoints);
}

interface Job { run: number; seedIndex: number; args: SeedKernelArgs }

export async function runSweep(config: ResolvedSimulateConfig, opts: RunOptions = {}): Promise<SweepResult> {
  const backend = opts.backend ?? 'native';
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const task = makeTask(config.alpha, config.beta, config.M);
  const recordSteps = recordStepsFor(config);
  const pairs = config.N.flatMap((N) => config.gamma.map((gamma) => ({ N, gamma })));
  const jobs: Job[] = [];
  pairs.forEach(({ N, gamma }, run) => {
    const sampler = kernelSampler({ ...config, N }, backend);
    for (let s = 0; s < config.seeds; s++) {
      jobs.push({
        run, seedIndex: s,
        args: {
          model: config.model, N, M: config.M, gamma, eta: config.eta, batch: config.batch, data: config.data,
          sampler, init: config.init, steps: config.steps, recordSteps,
          lambda: task.lambda, wstar: task.wstar, seed: config.seed, stream: s, wantFinal: false,
          ...(config.precision !== undefined && config.precision !== 'float64' ? { precision: config.precision } : {}),
        },
      });
    }
  });

  let concurrency = 1;
  let blas: BlasInfo | null = null;
  if (backend === 'native') {
    const native = loadNative();
    concurrency = jobs.length >= threads && threads > 1 ? threads : 1;
    native.setNumThreads(concurrency > 1 ? 1 : threads);
    blas = native.blasInfo();
  }

  const total = jobs.length * config.steps;
  const doneBySlot = new Float64Array(jobs.length);
  let doneTotal = 0;
  const report = (j: number, done: number): void => {
    doneTotal += done - doneBySlot[j]!;
    doneBySlot[j] = done;
    opts.onProgress?.(doneTotal, total);
  };

  // An internal controller stops the other jobs on the first failure; the user's signal feeds it.
  const inner = new AbortController();
  const forward = (): void => inner.abort();
  opts.signal?.addEventListener('abort', forward, { once: true });
  if (opts.signal?.aborted) inner.abort();

  const results: (SeedKernelResult | undefined)[] = new Array(jobs.length);
  const runStart = new Array<number>(pairs.length).fill(Infinity);
  const runEnd = new Array<number>(pairs.length).fill(0);
  const t0 = performance.now();
  let nextJob = 0;
  let failure: unknown = null;

  const worker = async (): Promise<void> => {
    while (failure === null && nextJob < jobs.length) {
      const j = nextJob++;
      const job = jobs[j]!;
      runStart[job.run] = Math.min(runStart[job.run]!, performance.now());
      try {
        const key = seedKey(job.args.N, job.args.gamma, job.seedIndex, job.args.sampler);
        const res = opts.checkpoint && backend === 'native'
          ? await runSeedCheckpointed(job.args, key, opts.checkpoint, inner.signal, (d) => report(j, d),
            (done) => opts.onResumed?.(key, done))
          : await runSeed(job.args, backend, inner.signal, (d) => report(j, d));
        report(j, res.stepsDone);
        if (res.diverged) {
          throw new DivergenceError(res.divergedAt, job.args.gamma, job.args.N, job.seedIndex, config.eta);
        }
        results[j] = res;
      } catch (err) {
        if (failure === null) failure = err;
        inner.abort();
      }
      runEnd[job.run] = Math.max(runEnd[job.run]!, performance.now());
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', forward);
  }
  if (failure !== null) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw failure;
  }

  const finiteData = Number.isFinite(config.data);
  const runs: EnsembleResult[] = pairs.map(({ N, gamma }, run) => {
    const mine = jobs.map((job, j) => ({ job, res: results[j]! })).filter((x) => x.job.run === run);
    const perSeedLoss = mine.map((x) => x.res.loss);
    const perSeedTrainLoss = finiteData ? mine.map((x) => x.res.trainLoss) : null;
    const kernel = mine[0]!.job.args.sampler === 'span' ? 'span' : 'modes';
    const flops = config.seeds * config.steps * flopsPerStep({ ...config, N, gamma, sampler: mine[0]!.job.args.sampler });
    return {
      N, gamma, steps: recordSteps, kernel,
      loss: seedStats(perSeedLoss),
      trainLoss: perSeedTrainLoss ? seedStats(perSeedTrainLoss) : null,
      perSeedLoss, perSeedTrainLoss, flops,
      seconds: (runEnd[run]! - runStart[run]!) / 1000,
    };
  });
  return {
    config, runs,
    truncationFloor: truncationFloor(config.alpha, config.beta, config.M),
    initialLoss: initialLoss(task),
    flops: runs.reduce((a, r) => a + r.flops, 0),
    seconds: (performance.now() - t0) / 1000,
    backend, blas, concurrency,
  };
}
