/**
 * Runs one seed on the chosen backend: the native kernel (off the main thread, cancellable) or the pure-TS
 * reference (synchronous; for tests and as the bench baseline).
 */
import { loadNative } from '../native.js';
import { awaitNativeJob, CancelledError } from '../nativeJob.js';
import { referenceSteps } from '../reference/simulate.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ProgressFn, SeedKernelArgs, SeedKernelResult } from './types.js';

export type Backend = 'native' | 'reference';

export { CancelledError } from '../nativeJob.js';

export async function runSeed(
  args: SeedKernelArgs, backend: Backend, signal?: AbortSignal, onProgress?: ProgressFn,
): Promise<SeedKernelResult> {
  if (signal?.aborted) throw new CancelledError();
  if (backend === 'reference') {
    if (args.precision === 'float32') {
      throw new Error("precision 'float32' is a native-simulator mode: the pure-TS reference computes in float64 only");
    }
    // Run in slices of ~50 ms so that progress, SIGINT and abort get a turn of the event loop.
    const steps = referenceSteps(args);
    let sliceStart = performance.now();
    for (;;) {
      const next = steps.next();
      if (next.done) {
        onProgress?.(next.value.stepsDone);
        return next.value;
      }
      if (performance.now() - sliceStart > 50) {
        onProgress?.(next.value);
        await nextTurn();
        if (signal?.aborted) throw new CancelledError();
        sliceStart = performance.now();
      }
    }
  }
  return awaitNativeJob(loadNative().simulateSeed(args, onProgress), signal);
}
