/**
 * Training the ReLU MLP on the Sobolev task (docs/mlp.md): one seed on the native kernel or the pure-TS twin,
 * and seed ensembles (mean, std, stderr per recorded step, SPEC 8.1) with a bounded number of concurrent jobs.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadNative } from '../native.js';
import { referenceTrain } from '../reference/mlp.js';
import { seedStats, type SeedStats } from '../simulate/stats.js';
import { awaitNativeJob, CancelledError } from '../nativeJob.js';
import { nativeMlp, type MlpTrainKernelArgs, type MlpTrainKernelResult } from './bindings.js';

export { CancelledError } from '../simulate/seedRunner.js';

export type MlpBackend = 'native' | 'reference';

/** The loss left its finite range or grew past divergenceFactor × its initial value. */
export class MlpDivergedError extends Error {
  constructor(
    readonly gamma0: number, readonly eta0: number, readonly seedIndex: number, readonly step: number, readonly loss: number,
    readonly factor: number,
  ) {
    const what = Number.isFinite(loss) ? `the loss reached ${loss.toPrecision(3)} (> ${factor} × its initial value)` : 'the loss became non-finite';
    super(
      `mlp training diverged at step ${step} (γ0 = ${gamma0}, seed index ${seedIndex}): ${what}; ` +
        `use a smaller learning rate, e.g. --lr ${(eta0 / 4).toPrecision(3)} (now ${eta0})`,
    );
    this.name = 'MlpDivergedError';
  }
}

/** One seed. The reference backend runs synchronously (small sizes only). */
export async function runMlpSeed(
  args: MlpTrainKernelArgs, backend: MlpBackend = 'native', signal?: AbortSignal, onProgress?: (steps: number) => void,
): Promise<MlpTrainKernelResult> {
  if (signal?.aborted) throw new CancelledError();
  if (backend === 'reference') {
    const r = referenceTrain(args);
    return { loss: r.loss, diverged: r.diverged, divergedStep: r.divergedStep, divergedLoss: NaN, flops: NaN };
  }
  loadNative();
  return awaitNativeJob(nativeMlp.train(args, onProgress), signal);
}

export interface EnsembleArgs extends Omit<MlpTrainKernelArgs, 'stream'> {
  seeds: number;
}

export interface EnsembleResult {
  steps: Float64Array;
  perSeed: Float64Array[];
  stats: SeedStats;
  flops: number;
  seconds: number;
}

/** Runs `tasks` with at most `limit` at once; rejects with the first failure (and aborts the rest via `onFail`). */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number, onFail?: () => void): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  let failed: unknown = null;
  const worker = async (): Promise<void> => {
    while (failed === null && next < tasks.length) {
      const i = next++;
      try {
        out[i] = await tasks[i]!();
      } catch (err) {
        if (failed === null) {
          failed = err;
          onFail?.();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  if (failed !== null) throw failed;
  return out;
}

/**
 * S seeds (streams 0..S−1) of one configuration; throws MlpDivergedError if any seed diverges.
 * onProgress(stepsDone summed over seeds).
 */
export async function runMlpEnsemble(
  a: EnsembleArgs, opts: { concurrency?: number; signal?: AbortSignal; backend?: MlpBackend; onProgress?: (steps: number) => void } = {},
): Promise<EnsembleResult> {
  const t0 = performance.now();
  const done = new Array<number>(a.seeds).fill(0);
  const report = (): void => opts.onProgress?.(done.reduce((x, y) => x + y, 0));
  const inner = new AbortController();
  const onOuter = (): void => inner.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  const { seeds, ...base } = a;
  try {
    const results = await pool(
      Array.from({ length: seeds }, (_, s) => async () => {
        const r = await runMlpSeed({ ...base, stream: s }, opts.backend ?? 'native', inner.signal, (d) => { done[s] = d; report(); });
        if (r.diverged) throw new MlpDivergedError(a.gamma0, a.eta0, s, r.divergedStep, r.divergedLoss, a.divergenceFactor ?? 1e4);
        done[s] = a.steps;
        report();
        if (opts.backend === 'reference') await nextTurn();
        return r;
      }),
      opts.concurrency ?? 1,
      () => inner.abort(),
    );
    const perSeed = results.map((r) => r.loss);
    return {
      steps: Float64Array.from(a.record),
      perSeed,
      stats: seedStats(perSeed),
      flops: results.reduce((x, r) => x + r.flops, 0),
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onOuter);
  }
}
