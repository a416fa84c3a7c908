/**
 * A native job (a promise plus cancel(), as every async binding returns) tied to an AbortSignal: aborting the signal
 * cancels the job, and the rejection then surfaces as CancelledError (code 'ABORT_ERR').
 */
export class CancelledError extends Error {
  readonly code = 'ABORT_ERR';
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface NativeJob<T> { promise: Promise<T>; cancel: () => void }

export async function awaitNativeJob<T>(job: NativeJob<T>, signal?: AbortSignal): Promise<T> {
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
