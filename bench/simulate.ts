/**
 * Simulator throughput: SGD steps per second of the native kernel (1 and 2 BLAS threads) vs the pure-TS
 * reference, for a few (model, N, M, B). Prints a table. Usage: npm run bench [-- --quick]
 */
import { loadNative } from '../lib/native.js';
import { simulateSeedReference } from '../lib/reference/simulate.js';
import { makeTask } from '../lib/task.js';
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

/** Steps per second, timing a run long enough to take about `seconds` (setup cost measured and removed). */
async function nativeRate(c: Case, threads: number, seconds: number): Promise<number> {
  const native = loadNative();
  native.setNumThreads(threads);
  const time = async (steps: number): Promise<number> => {
    const t0 = performance.now();
    await native.simulateSeed(args(c, steps)).promise;
    return (performance.now() - t0) / 1000;
  };
  const setup = await time(1);
  let steps = 16;
  let t = await time(steps);
  while (t < seconds / 4) {
    steps *= 4;
    t = await time(steps);
  }
  steps = Math.max(steps, Math.round((steps * seconds) / t));
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) samples.push(steps / Math.max(1e-9, (await time(steps)) - setup));
  return samples.sort((a, b) => a - b)[1]!;
}

function referenceRate(c: Case, seconds: number): number {
  const time = (steps: number): number => {
    const t0 = performance.now();
    simulateSeedReference(args(c, steps));
    return (performance.now() - t0) / 1000;
  };
  const setup = time(1);
  let steps = 2;
  let t = time(steps);
  while (t < seconds / 2 && steps < 1e6) {
    steps *= 2;
    t = time(steps);
  }
  return steps / Math.max(1e-9, t - setup);
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const label = (c: Case): string =>
  `${c.model === 'projected' ? 'proj' : 'unproj'} N=${c.N} M=${c.M} B=${Number.isFinite(c.B) ? c.B : '∞'}` +
  `${Number.isFinite(c.B) ? ` ${c.sampler}` : ''} γ=${c.gamma}`;

const rows: string[][] = [['case', 'native 1 thr (steps/s)', 'native 2 thr (steps/s)', 'pure TS (steps/s)', 'ratio (1 thr / TS)']];
const budget = quick ? 0.3 : 1.0;
const info = loadNative().blasInfo();
for (const c of cases) {
  const n1 = await nativeRate(c, 1, budget);
  const n2 = await nativeRate(c, 2, budget);
  const ts = referenceRate(c, budget);
  rows.push([label(c), fmt(n1), fmt(n2), fmt(ts), `${fmt(n1 / ts)}×`]);
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
console.log(`OpenBLAS: ${info.config.trim()} (${info.corename})`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
