/**
 * curve.csv: one row per (run, recorded step), long format, plain CSV (no comments).
 *
 *   gamma,N,step,loss_mean,loss_std,loss_stderr[,train_mean,train_std,train_stderr][,seed_0..][,train_seed_0..]
 *
 * Train columns appear with finite data (P < ∞), per-seed columns with perSeed. Numbers are written with
 * full precision (shortest round-trip form); non-finite values as nan, inf, -inf. With a single seed the std
 * and stderr fields are empty (undefined, not 0).
 */
import type { SweepResult } from '../simulate/sweep.js';
import { atomicWrite } from './atomicWrite.js';

/** Shortest string that round-trips to the same double. */
export function formatNumber(x: number | undefined): string {
  if (x === undefined) return '';
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

function hasTrain(result: SweepResult): boolean {
  return result.runs.some((r) => r.trainLoss !== null);
}

export function curveCsvHeader(result: SweepResult): string[] {
  const cols = ['gamma', 'N', 'step', 'loss_mean', 'loss_std', 'loss_stderr'];
  const train = hasTrain(result);
  if (train) cols.push('train_mean', 'train_std', 'train_stderr');
  if (result.config.perSeed) {
    const S = result.config.seeds;
    for (let s = 0; s < S; s++) cols.push(`seed_${s}`);
    if (train) for (let s = 0; s < S; s++) cols.push(`train_seed_${s}`);
  }
  return cols;
}

/** The CSV, line by line (each chunk ends with '\n'). */
export function* curveCsvLines(result: SweepResult): Generator<string> {
  const train = hasTrain(result);
  const perSeed = result.config.perSeed;
  const S = result.config.seeds;
  yield curveCsvHeader(result).join(',') + '\n';
  // A single seed has no spread: its std and stderr fields are empty.
  const spread = S >= 2;
  const spreadOf = (x: number | undefined): string => (spread ? formatNumber(x) : '');
  for (const run of result.runs) {
    const g = formatNumber(run.gamma);
    const n = formatNumber(run.N);
    for (let i = 0; i < run.steps.length; i++) {
      const row = [g, n, formatNumber(run.steps[i]),
        formatNumber(run.loss.mean[i]), spreadOf(run.loss.std[i]), spreadOf(run.loss.stderr[i])];
      if (train) {
        const t = run.trainLoss;
        row.push(formatNumber(t?.mean[i]), spreadOf(t?.std[i]), spreadOf(t?.stderr[i]));
      }
      if (perSeed) {
        for (let s = 0; s < S; s++) row.push(formatNumber(run.perSeedLoss[s]?.[i]));
        if (train) for (let s = 0; s < S; s++) row.push(formatNumber(run.perSeedTrainLoss?.[s]?.[i]));
      }
      yield row.join(',') + '\n';
    }
  }
}

export function curveCsv(result: SweepResult): string {
  return [...curveCsvLines(result)].join('');
}

export async function writeCurveCsv(path: string, result: SweepResult): Promise<void> {
  await atomicWrite(path, curveCsvLines(result));
}
