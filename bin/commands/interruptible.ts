/**
 * Long CLI work that SIGINT/SIGTERM stop cleanly: the signal aborts the work's AbortSignal and the command fails
 * with InterruptedError (exit 130 / 143, one line with `hint`). Optionally a progress bar on a terminal (stderr),
 * never when piped or with --json/--quiet. Used by theory, compare, frontier and sobolev; simulate has its own
 * handling (checkpoints, a second signal while writing).
 */
import cliProgress from 'cli-progress';
import { InterruptedError, type StopSignal } from './simulate.js';

export type ProgressReport = (done: number, total: number) => void;

export interface InterruptibleOptions {
  /** Appended to "interrupted (SIGINT)", e.g. how to resume. */
  hint?: string;
  /** Label of a progress bar shown on a terminal; none when omitted. */
  progressLabel?: string;
}

export async function runInterruptible<T>(
  work: (signal: AbortSignal, onProgress: ProgressReport | undefined) => Promise<T>, opts: InterruptibleOptions = {},
): Promise<T> {
  const controller = new AbortController();
  let stopSignal: StopSignal = 'SIGINT';
  const onSignal = (sig: StopSignal): void => { stopSignal = sig; controller.abort(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = opts.progressLabel !== undefined && process.stderr.isTTY === true
    ? new cliProgress.SingleBar({ stream: process.stderr, format: `${opts.progressLabel} |{bar}| {percentage}% | ETA {eta_formatted}`,
      hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : null;
  let started = false;
  const onProgress: ProgressReport | undefined = bar
    ? (d, t) => { if (!started) { bar.start(t, d); started = true; } else bar.update(d); }
    : undefined;
  try {
    return await work(controller.signal, onProgress);
  } catch (err) {
    if (controller.signal.aborted) throw new InterruptedError(stopSignal, opts.hint ?? '');
    throw err;
  } finally {
    if (started) bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
