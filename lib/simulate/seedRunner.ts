/**
 * Runs one seed on the chosen backend: the native kernel (off the main thread, cancellable) or the pure-TS
 * reference (synchronous; for tests and as the bench baseline).
 */
import { loadNative } from '../native.js';
import { simulateSeedReference } from '../reference/simulate.js';
import type { ProgressFn, SeedKernelArgs, SeedKernelResult } from './types.js';

export type Backend = 'native' | 'reference';

export class CancelledError extends Error {
  readonly code = 'ABORT_ERR';
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export async function runSeed(
  args: SeedKernelArgs, backend: Backend, signal?: AbortSignal, onProgress?: ProgressFn,
): Promise<SeedKernelResult> {
  if (signal?.aborted) throw new CancelledError();
  if (backend === 'reference') {
    const result = simulateSeedReference(args);
    onProgress?.(result.stepsDone);
    return result;
  }
  const job = loadNative().simulateSeed(args, onProgress);
  const abort = (): void => job.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await job.promise;
  } catch (err) {
    if (signal?.aborted || (err as { code?: string }).code === 'ABORT_ERR') throw new CancelledError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
