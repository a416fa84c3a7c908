/**
 * One seed run in chunks with a checkpoint after each (docs/algorithm.md section 8). The native kernel runs
 * from a saved state to a stop step and returns the new state; the chunk length adapts so that a chunk takes
 * about `intervalSeconds`. Chunk boundaries do not change the arithmetic, so a resumed run gives the same
 * result as an uninterrupted one (bit-identical with one BLAS thread). On abort the kernel returns the state
 * it reached, which is saved before CancelledError is thrown, so an interrupt loses nothing.
 */
import type { CheckpointStore, SavedSeed } from './checkpoint.js';
import { CancelledError, runSeed } from './seedRunner.js';
import type { ProgressFn, SeedKernelArgs, SeedKernelResult } from './types.js';

export interface SeedCheckpointing {
  store: CheckpointStore;
  /** Target seconds of work between checkpoints. */
  intervalSeconds: number;
}

/** Length of the state vector the native kernel returns for these args (native/simulate/simulate.h). */
export function stateLength(a: Pick<SeedKernelArgs, 'model' | 'N' | 'M' | 'gamma'>): number {
  const header = 9;
  if (a.model === 'unprojected') return header + a.N + a.N * a.M;
  return header + a.N + (a.gamma !== 0 ? a.N * a.N : 0);
}

const FIRST_CHUNK = 64;

function concat(a: Float64Array, b: Float64Array): Float64Array<ArrayBuffer> {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export async function runSeedCheckpointed(
  args: SeedKernelArgs, key: string, ck: SeedCheckpointing, signal?: AbortSignal, onProgress?: ProgressFn,
  onResumed?: (stepsDone: number) => void,
): Promise<SeedKernelResult> {
  const len = stateLength(args);
  const saved = await ck.store.load(key, len);
  const finish = (s: SavedSeed): SeedKernelResult => ({
    loss: s.loss, trainLoss: s.trainLoss, diverged: s.diverged, divergedAt: s.divergedAt, stepsDone: s.stepsDone,
    finalResidual: new Float64Array(0),
  });
  if (saved?.done) {
    onResumed?.(saved.stepsDone);
    onProgress?.(saved.stepsDone);
    return finish(saved);
  }
  let t = 0;
  let state: Float64Array | null = null;
  let loss: Float64Array = new Float64Array(0);
  let trainLoss: Float64Array = new Float64Array(0);
  if (saved && saved.state) {
    ({ stepsDone: t, state, loss, trainLoss } = saved);
    onResumed?.(t);
    onProgress?.(t);
  }
  let chunk = FIRST_CHUNK;
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    const stopAt = Math.min(args.steps, t + chunk);
    const t0 = performance.now();
    const res = await runSeed(
      { ...args, stopAt, wantState: true, ...(state ? { startState: state } : {}), wantFinal: false },
      'native', signal, onProgress,
    );
    const seconds = (performance.now() - t0) / 1000;
    loss = concat(loss, res.loss);
    trainLoss = concat(trainLoss, res.trainLoss);
    const done = res.diverged || res.stepsDone === args.steps;
    const moved = res.stepsDone - t;
    t = res.stepsDone;
    state = done ? null : res.state ?? null;
    if (!done && (state === null || state.length !== len)) throw new Error(`checkpoint: the kernel returned no state at step ${t}`);
    const record: SavedSeed = {
      stepsDone: t, done, diverged: res.diverged, divergedAt: res.divergedAt, loss, trainLoss, state,
    };
    // Completed seeds are recorded too, so a resumed sweep skips them.
    if (done || moved > 0) await ck.store.save(key, record);
    if (done) return finish(record);
    if (res.interrupted) throw new CancelledError();
    const rate = moved / Math.max(seconds, 1e-3);
    chunk = Math.max(1, Math.min(args.steps - t, Math.round(rate * ck.intervalSeconds)));
  }
}
