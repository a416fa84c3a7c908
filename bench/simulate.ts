/**
 * Simulator throughput: SGD steps per second of the native kernel (1 and 2 BLAS threads) vs the pure-TS
 * reference, for a few (model, N, M, B). Prints a table. Usage: npm run bench [-- --quick]
 */
import { loadNative } from '../lib/native.js';
import { simulateSeedReference } from '../lib/reference/simulate.js';
import { makeTask } from '../lib/task.js';
import { printTable } from './table.js';
import type { ModelKind, SamplerKind, SeedKernelArgs } from '../lib/simulate/types.js';

interface Case { model: ModelKind; N: number; M: number; B: number; sampler: SamplerKind; gamma: number }

const quick = process.argv.includes('--quick');
const cases: Case[] = [
  { model: 'projected', N: 64, M: 512, B: Infinity, sampler: 'exact', gamma: 1 },
  { model: 'projected', N: 256, M: 2048, B: Infinity, sampler: 'exact', gamma: 1 },
  { model: 'projected', N: 256, M: 2048, B: 32, sampler: 'exact', gamma: 1 },
  { model: 'projected', N: 256, M: 2048, B: 32, sampler: 'explicit', gamma: 1 },
  { model: 'projected', N: 1024, M: 8192, B: Infinity, sampler: 'exact', gamma: 1 },
  { model: 'unprojected', N: 256, M: 2048, B: Infinity, sampler: 'exact', gamma: 1 },
];

function args(c: Case, steps: number): SeedKernelArgs {
  const task = makeTask(2, 0.5, c.M);
  return {
    model: c.model, N: c.N, M: c.M, gamma: c.gamma, eta: 0.05, batch: c.B, data: Infinity, sampler: c.sampler,
    init: 'gaussian', steps, recordSteps: Float64Array.of(0, steps), lambda: task.lambda, wstar: task.wstar,
    seed: 1, stream: 0, wantFinal: false,
  };
}

/** Smallest time difference (s) a rate is computed from: far above timer and scheduling noise. */
const MIN_DIFF_SECONDS = 0.05;
const MAX_STEPS = 1e9;

/**
 * Steps per second from two run lengths: (s2 - s1) / (t2 - t1) removes the set-up cost (drawing A(0),
 * allocation). The longer run is sized to take about `seconds`. When timing noise leaves t2 - t1 below
 * max(MIN_DIFF_SECONDS, seconds/4) (or ≤ 0), both run lengths are doubled and the pair re-measured, so no rate
 * comes from a tiny or negative difference. The median of three rates is reported.
 */
async function rate(run: (steps: number) => Promise<void> | void, seconds: number): Promise<number> {
  const time = async (steps: number): Promise<number> => {
    const t0 = performance.now();
    await run(steps);
    return (performance.now() - t0) / 1000;
  };
  const minDiff = Math.max(MIN_DIFF_SECONDS, seconds / 4);
  // Calibrate: grow the run until it takes a quarter of the budget beyond the set-up time.
  const base = await time(1);
  let steps = 4;
  let t = await time(steps);
  while (t - base < seconds / 4 && steps < MAX_STEPS) {
    steps *= 4;
    t = await time(steps);
  }
  let long = Math.min(MAX_STEPS, Math.max(steps, Math.round((steps * seconds) / Math.max(t - base, 1e-3))));
  const samples: number[] = [];
  for (let attempt = 0; samples.length < 3 && attempt < 30; attempt++) {
    const short = Math.max(1, Math.round(long / 8));
    const t1 = await time(short);
    const t2 = await time(long);
    if (t2 - t1 >= minDiff) samples.push((long - short) / (t2 - t1));
    else if (long < MAX_STEPS) long = Math.min(MAX_STEPS, long * 2);
  }
  if (samples.length === 0) return NaN;
  samples.sort((a, b) => a - b);
  return samples[Math.floor((samples.length - 1) / 2)]!;
}

async function nativeRate(c: Case, threads: number, seconds: number): Promise<number> {
  const native = loadNative();
  native.setNumThreads(threads);
  return rate(async (steps) => { await native.simulateSeed(args(c, steps)).promise; }, seconds);
}

async function referenceRate(c: Case, seconds: number): Promise<number> {
  return rate((steps) => { simulateSeedReference(args(c, steps)); }, seconds);
}

const fmt = (x: number): string => (!Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const label = (c: Case): string =>
  `${c.model === 'projected' ? 'proj' : 'unproj'} N=${c.N} M=${c.M} B=${Number.isFinite(c.B) ? c.B : '∞'}` +
  `${Number.isFinite(c.B) ? ` ${c.sampler}` : ''} γ=${c.gamma}`;

const rows: string[][] = [['case', 'native 1 thr (steps/s)', 'native 2 thr (steps/s)', 'pure TS (steps/s)', 'ratio (1 thr / TS)']];
const budget = quick ? 0.2 : 1.0;
const info = loadNative().blasInfo();
for (const c of cases) {
  const n1 = await nativeRate(c, 1, budget);
  const n2 = await nativeRate(c, 2, budget);
  const ts = await referenceRate(c, budget / 2);
  rows.push([label(c), fmt(n1), fmt(n2), fmt(ts), Number.isFinite(n1 / ts) ? `${fmt(n1 / ts)}×` : 'n/a']);
}
console.log(`OpenBLAS: ${info.config.trim()} (${info.corename})`);
printTable(rows);
