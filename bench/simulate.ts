/**
 * The performance suite (issue 6, docs/performance.md): one table and bench/results.json. For each workload the
 * native kernel, the pure-TS twin and a numpy peer (bench/peers/*.py, run with python3 when numpy imports), the
 * ratios, peak memory next to the essential arrays, and the fraction of the machine limit reached, the limits
 * (dgemm/sgemm GFLOP/s with the addon's OpenBLAS, memory bandwidth) measured in the same run.
 *
 * Every workload runs in its own child process (so its peak RSS, VmHWM, is its own). Per-step times come from
 * the difference of two run lengths (set-up excluded), repeated; medians with [min, max] are reported. The pure
 * TS twin runs fewer steps at large sizes (its per-step time is extrapolated to the same step count).
 * Usage: npm run bench [-- --quick] [-- --out FILE] [-- --dmft-full]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative, nativeFunction } from '../lib/native.js';
import { simulateSeedReference } from '../lib/reference/simulate.js';
import { makeTask } from '../lib/task.js';
import { solveRichOde, flowGrid } from '../lib/theory/ode.js';
import { makeModeBins } from '../lib/theory/modes.js';
import { DMFT_MARCH_BLOCK, dmftMarchBytes, solveDmft } from '../lib/theory/dmft.js';
import { printTable } from './table.js';
import type { ModelKind, Precision, SamplerKind, SeedKernelArgs } from '../lib/simulate/types.js';

// ---- workloads --------------------------------------------------------------------------------------------
interface SimCase {
  kind: 'sim'; model: ModelKind; N: number; M: number; B: number; sampler: SamplerKind; gamma: number;
  precision: Precision; threads: number; backend: 'native' | 'reference'; steps: [number, number]; repeats: number;
}
interface BatchCase { kind: 'batch'; K: number; N: number; M: number; B: number; sampler: SamplerKind; threads: number; steps: [number, number]; repeats: number }
interface LimitsCase { kind: 'limits'; threads: number }
interface OdeCase { kind: 'ode'; backend: 'native' | 'reference'; threads: number; tMax: number; method: 'fast' | 'eig' }
interface DmftCase { kind: 'dmft'; T: number; threads: number; solver: 'picard' | 'march' }
interface EnsembleCase { kind: 'ensemble'; mode: 'one-core' | 'jobs' | 'blas2'; seeds: number; steps: number }
interface AccuracyCase { kind: 'accuracy'; N: number; M: number; B: number; sampler: SamplerKind; steps: number; threads: number }
type Case = SimCase | BatchCase | LimitsCase | OdeCase | DmftCase | EnsembleCase | AccuracyCase;

interface Limits { threads: number; dgemmGflops: number; sgemmGflops: number; copyGBs: number; readGBs: number; triadGBs: number }
interface Timed { samples: number[]; peakMiB: number; extra?: Record<string, number> }

const ODE_PARAMS = { alpha: 2, beta: 0.4, eta: 0.25, gamma: 0.5, M: 1e12, form: 'flow' as const, exactModes: 100, binsPerDecade: 40 };
const TASK = { alpha: 2, beta: 0.5, eta: 0.05 };

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function simArgs(c: { model: ModelKind; N: number; M: number; B: number; sampler: SamplerKind; gamma: number; precision?: Precision },
  steps: number): SeedKernelArgs {
  const task = makeTask(TASK.alpha, TASK.beta, c.M);
  return {
    model: c.model, N: c.N, M: c.M, gamma: c.gamma, eta: TASK.eta, batch: c.B, data: Infinity, sampler: c.sampler,
    init: 'gaussian', steps, recordSteps: Float64Array.of(0, steps), lambda: task.lambda, wstar: task.wstar,
    seed: 1, stream: 0, wantFinal: false, ...(c.precision === 'float32' ? { precision: 'float32' as const } : {}),
  };
}

/**
 * Seconds per step from (time(s2) - time(s1)) / (s2 - s1), `repeats` times. Each difference uses the fastest time
 * of each length seen so far (timing noise only adds time), so a slow run of the short length cannot make a step
 * negative; a difference that is still ≤ 0 (the set-up dominates and the noise exceeds the steps) is NaN ('n/a').
 */
async function perStep(run: (steps: number) => Promise<void> | void, [s1, s2]: [number, number], repeats: number): Promise<number[]> {
  const time = async (n: number): Promise<number> => { const t0 = performance.now(); await run(n); return (performance.now() - t0) / 1000; };
  const out: number[] = [];
  let best1 = Infinity, best2 = Infinity;
  for (let r = 0; r < repeats; r++) {
    best1 = Math.min(best1, await time(s1));
    best2 = Math.min(best2, await time(s2));
    const d = (best2 - best1) / (s2 - s1);
    out.push(d > 0 ? d : NaN);
  }
  const ok = out.filter(Number.isFinite);
  return ok.length > 0 ? ok : [NaN];
}

/**
 * Seconds per step of a native job from its own progress reports (about 20 a second): the steps done between the
 * first and the last report over the time between them, so the set-up (drawing A(0)) and the job start are not
 * in it. Robust to a busy machine in a way that differences of two run lengths are not. `repeats` jobs.
 */
async function progressRate(start: (onProgress: (done: number) => void) => Promise<unknown>, repeats: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let first: [number, number] | null = null, last: [number, number] | null = null;
    await start((done) => {
      const now = performance.now() / 1000;
      if (first === null) first = [now, done];
      else last = [now, done];
    });
    if (first !== null && last !== null && last[1] > first[1]) out.push((last[0] - first[0]) / (last[1] - first[1]));
  }
  return out;
}

type MachineLimitsFn = (threads: number) => Limits;

async function child(c: Case): Promise<unknown> {
  const native = loadNative();
  const base = peakRssMiB();
  const done = (samples: number[], extra?: Record<string, number>): Timed =>
    ({ samples, peakMiB: Math.max(0, peakRssMiB() - base), ...(extra ? { extra } : {}) });
  switch (c.kind) {
    case 'limits':
      return nativeFunction<MachineLimitsFn>('machineLimits')(c.threads);
    case 'sim': {
      native.setNumThreads(c.threads);
      if (c.backend === 'native') {
        // The set-up (drawing A(0); for sampler 'span' also K and its eigenbasis): the time to the first report.
        let setup = NaN;
        const t0 = performance.now();
        const samples = await progressRate((p) => native.simulateSeed(simArgs(c, c.steps[1]), (d) => {
          if (!Number.isFinite(setup)) setup = (performance.now() - t0) / 1000;
          p(d);
        }).promise, c.repeats);
        return done(samples, { setup });
      }
      return done(await perStep((n) => { simulateSeedReference(simArgs(c, n)); }, c.steps, c.repeats));
    }
    case 'batch': {
      native.setNumThreads(c.threads);
      const gammas = Float64Array.from({ length: c.K }, (_, j) => (c.K === 1 ? 1 : (2 * j) / (c.K - 1)));
      const a = { model: 'projected' as const, N: c.N, M: c.M, B: c.B, sampler: c.sampler, gamma: gammas[0]! };
      return done(await progressRate((p) => native.simulateBatch({ ...simArgs(a, c.steps[1]), gammas }, p).promise, c.repeats));
    }
    case 'accuracy': {
      // float32 vs float64, same seed: max over the recorded steps of |L32 - L64| / L64, and the speed of each.
      native.setNumThreads(c.threads);
      const a = { model: 'projected' as const, N: c.N, M: c.M, B: c.B, sampler: c.sampler, gamma: 1 };
      const rec = Float64Array.from({ length: 41 }, (_, i) => Math.round((i * c.steps) / 40));
      const r64 = await native.simulateSeed({ ...simArgs(a, c.steps), recordSteps: rec }).promise;
      const r32 = await native.simulateSeed({ ...simArgs({ ...a, precision: 'float32' }, c.steps), recordSteps: rec }).promise;
      let worst = 0;
      for (let i = 0; i < r64.loss.length; i++) worst = Math.max(worst, Math.abs(r32.loss[i]! - r64.loss[i]!) / r64.loss[i]!);
      return { worst, finalRel: Math.abs(r32.loss.at(-1)! - r64.loss.at(-1)!) / r64.loss.at(-1)!, L0: r64.loss[0]!, Lend: r64.loss.at(-1)! };
    }
    case 'ode': {
      native.setNumThreads(c.threads);
      const t0 = performance.now();
      const curve = await solveRichOde({ ...ODE_PARAMS, tMax: c.tMax, method: c.method }, { backend: c.backend });
      const s = (performance.now() - t0) / 1000;
      return done([s], {
        bins: Number(curve.diagnostics.modeBins), grid: Number(curve.diagnostics.gridPoints), lossEnd: curve.loss.at(-1)!,
        maxDim: Number(curve.diagnostics.maxMatrixDim), sumDim3: Number(curve.diagnostics.sumMatrixDim3),
      });
    }
    case 'dmft': {
      native.setNumThreads(c.threads);
      const t0 = performance.now();
      const curve = await solveDmft({ alpha: 2, beta: 0.5, eta: 0.25, M: 2048, N: 256, gamma: 0.5, batch: Infinity, steps: c.T,
        solver: c.solver, threads: c.threads }, { backend: 'native' });
      return done([(performance.now() - t0) / 1000], { iterations: Number(curve.diagnostics.iterations), lossEnd: curve.loss.at(-1)! });
    }
    case 'ensemble': {
      // 32 seeds of a mid-size projected run. one-core: one job at a time, 1 BLAS thread; jobs: 2 concurrent jobs
      // with 1 BLAS thread each; blas2: one job at a time with 2 BLAS threads.
      const a = { model: 'projected' as const, N: 256, M: 2048, B: 32, sampler: 'exact' as const, gamma: 1 };
      native.setNumThreads(c.mode === 'blas2' ? 2 : 1);
      const seed = (s: number) => native.simulateSeed({ ...simArgs(a, c.steps), stream: s }).promise;
      const t0 = performance.now();
      if (c.mode === 'jobs') {
        let next = 0;
        await Promise.all([0, 1].map(async () => { while (next < c.seeds) await seed(next++); }));
      } else {
        for (let s = 0; s < c.seeds; s++) await seed(s);
      }
      return done([(performance.now() - t0) / 1000]);
    }
  }
}

// ---- parent ----------------------------------------------------------------------------------------------
const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
function inChild<T>(c: Case): T {
  const text = execFileSync(process.execPath, [self, '--case', JSON.stringify(c)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(text) as T;
}

function havePython(): string | null {
  try {
    return execFileSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

interface PeerOut { seconds_per_step?: number[]; seconds?: number; peak_rss_mib: number; loss_final?: number }
function peer(script: string, arg: string): PeerOut {
  const text = execFileSync('python3', [join(root, 'bench', 'peers', script), arg], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(text) as PeerOut;
}

const median = (x: number[]): number => { const s = [...x].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2; };
const fmtT = (s: number): string => (!Number.isFinite(s) ? 'n/a' : s >= 1 ? `${s.toPrecision(3)} s` : s >= 1e-3 ? `${(s * 1e3).toPrecision(3)} ms` : `${(s * 1e6).toPrecision(3)} µs`);
const spread = (x: number[]): string => (x.length > 1 ? ` [${fmtT(Math.min(...x))}–${fmtT(Math.max(...x))}]` : '');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? `${(b / a).toPrecision(3)}×` : 'n/a');
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : 'n/a');
const MiB = (bytes: number): number => bytes / 2 ** 20;

interface Row {
  workload: string; unit: string; bound: string;
  native: number[]; ts?: number; numpy?: number; numpyNaive?: number;
  limitFraction?: number; limitNote: string; peakMiB?: number; essentialMiB?: number; note?: string;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const outIdx = process.argv.indexOf('--out');
  const outFile = outIdx >= 0 ? process.argv[outIdx + 1]! : join(root, 'bench', 'results.json');
  const reps = quick ? 3 : 5;
  const py = havePython();
  const info = loadNative().blasInfo();
  const started = performance.now();
  const load0 = loadavg();
  const log = (s: string): void => { process.stderr.write(`${s}\n`); };

  log('machine limits …');
  const limits = { 1: inChild<Limits>({ kind: 'limits', threads: 1 }), 2: inChild<Limits>({ kind: 'limits', threads: 2 }) };
  const rows: Row[] = [];

  // Simulation steps. Bytes per step (the step is bound by reading A(0) and G; docs/performance.md):
  // fused pass (B = ∞, exact): N·M + 4N² scalars (A(0) once; G read by Gᵀw and G b, read+written by ger);
  // explicit: 2N·M + 4N² scalars + 3·B·M doubles (Ψ written, then read by Ψv and Ψᵀs).
  // Sampler 'span' (span_model.h): one read and one write of H = GQ (N²) per step, fused; no A(0). Its pure-TS
  // column is the M-space twin of the same model and distribution (sampler 'exact'): the span twin's set-up (a
  // Jacobi eigensolver in JS) is far too slow at N = 1024 to time; its numpy column is the same span algorithm.
  const sims: Array<Omit<SimCase, 'kind' | 'backend' | 'steps' | 'repeats' | 'threads'> & { tsSteps: [number, number]; nat: [number, number]; target?: boolean; numpyNaive?: boolean }> = [
    { model: 'projected', N: 1024, M: 8192, B: 256, sampler: 'span', gamma: 1, precision: 'float64', tsSteps: [1, 4], nat: [0, 3000], target: true, numpyNaive: true },
    { model: 'projected', N: 1024, M: 8192, B: Infinity, sampler: 'span', gamma: 1, precision: 'float64', tsSteps: [0, 0], nat: [0, 3000] },
    { model: 'projected', N: 2048, M: 16384, B: 256, sampler: 'span', gamma: 1, precision: 'float64', tsSteps: [0, 0], nat: [0, 800] },
    { model: 'projected', N: 256, M: 2048, B: Infinity, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [10, 110], nat: [0, 4000] },
    { model: 'projected', N: 1024, M: 8192, B: Infinity, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [1, 4], nat: [0, 150] },
    { model: 'projected', N: 1024, M: 8192, B: 256, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [1, 4], nat: [0, 150], target: true, numpyNaive: true },
    { model: 'projected', N: 1024, M: 8192, B: 256, sampler: 'explicit', gamma: 1, precision: 'float64', tsSteps: [1, 3], nat: [0, 25], target: true, numpyNaive: true },
    { model: 'projected', N: 1024, M: 8192, B: 256, sampler: 'exact', gamma: 1, precision: 'float32', tsSteps: [0, 0], nat: [0, 300] },
    { model: 'projected', N: 2048, M: 16384, B: Infinity, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [1, 3], nat: [0, 50] },
    { model: 'projected', N: 2048, M: 16384, B: Infinity, sampler: 'exact', gamma: 1, precision: 'float32', tsSteps: [0, 0], nat: [0, 100] },
    { model: 'projected', N: 2048, M: 16384, B: 256, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [0, 0], nat: [0, 50] },
    { model: 'unprojected', N: 1024, M: 8192, B: Infinity, sampler: 'exact', gamma: 1, precision: 'float64', tsSteps: [1, 4], nat: [0, 150] },
  ];
  for (const s of sims) {
    const label = `${s.model === 'projected' ? 'proj' : 'unproj'} N=${s.N} M=${s.M} B=${Number.isFinite(s.B) ? `${s.B} ${s.sampler}` : s.sampler === 'span' ? '∞ span' : '∞'}${s.precision === 'float32' ? ' f32' : ''}`;
    log(`${label} …`);
    const base = { kind: 'sim' as const, model: s.model, N: s.N, M: s.M, B: s.B, sampler: s.sampler, gamma: s.gamma, precision: s.precision };
    const nat1 = inChild<Timed>({ ...base, backend: 'native', threads: 1, steps: quick ? [0, Math.ceil(s.nat[1] / 2)] : s.nat, repeats: reps });
    const nat2 = inChild<Timed>({ ...base, backend: 'native', threads: 2, steps: quick ? [0, Math.ceil(s.nat[1] / 2)] : s.nat, repeats: reps });
    const span = s.sampler === 'span';
    const ts = s.tsSteps[1] > 0 && s.precision === 'float64'
      ? inChild<Timed>({ ...base, ...(span ? { sampler: 'exact' as const } : {}), backend: 'reference', threads: 1, steps: s.tsSteps, repeats: quick ? 1 : 3 }) : null;
    let numpy: number | undefined, numpyNaive: number | undefined;
    if (py && s.model === 'projected') {
      const cfg = JSON.stringify({ N: s.N, M: s.M, B: Number.isFinite(s.B) ? s.B : null, sampler: s.sampler, gamma: s.gamma, steps: quick ? 4 : 8, threads: 1, dtype: s.precision });
      numpy = median(peer(span ? 'simulate_span.py' : 'simulate_projected.py', cfg).seconds_per_step!);
      if (s.numpyNaive && !quick) numpyNaive = median(peer('simulate_naive.py', cfg).seconds_per_step!);
    }
    if (span) {
      // H = GQ read and written once (16 N² bytes), plus O(N) vectors; the limit is the copy bandwidth (DRAM: an
      // upper bound on the time once H no longer fits in L3; at N = 1024, H is 8 MiB and stays in the 32 MiB L3).
      const bytesSpan = 16 * s.N * s.N;
      const t1s = median(nat1.samples), t2s = median(nat2.samples);
      const setup = nat1.extra?.setup;
      rows.push({
        workload: `${label} (1 thr)`, unit: 'per step', bound: 'memory (H read+write)', native: nat1.samples,
        ...(ts ? { ts: median(ts.samples) } : {}), ...(numpy !== undefined ? { numpy } : {}), ...(numpyNaive !== undefined ? { numpyNaive } : {}),
        limitFraction: bytesSpan / t1s / 1e9 / limits[1].copyGBs, limitNote: `${(bytesSpan / t1s / 1e9).toFixed(1)} GB/s of ${limits[1].copyGBs.toFixed(1)} copy`,
        peakMiB: nat1.peakMiB, essentialMiB: MiB(8 * (s.N * s.M + 2 * s.N * s.N)),
        note: `${s.target ? 'target; ' : ''}pure TS = the M-space twin (sampler exact); set-up ${setup !== undefined ? fmtT(setup) : 'n/a'} once`,
      });
      rows.push({
        workload: `${label} (2 thr)`, unit: 'per step', bound: 'memory (H read+write)', native: nat2.samples,
        limitFraction: bytesSpan / t2s / 1e9 / limits[2].copyGBs, limitNote: `${(bytesSpan / t2s / 1e9).toFixed(1)} GB/s of ${limits[2].copyGBs.toFixed(1)} copy`,
        peakMiB: nat2.peakMiB, essentialMiB: MiB(8 * (s.N * s.M + 2 * s.N * s.N)),
      });
      continue;
    }
    const bytesPerScalar = s.precision === 'float32' ? 4 : 8;
    const fused = !Number.isFinite(s.B) || s.sampler === 'exact';
    const G = s.model === 'projected' && s.gamma !== 0 ? s.N * s.N : 0;
    const bytes = s.model === 'projected'
      ? bytesPerScalar * ((fused ? 1 : 2) * s.N * s.M + 4 * G) + (fused ? 0 : 3 * 8 * s.B * s.M)
      : bytesPerScalar * (fused ? 2 : 4) * s.N * s.M;  // unprojected: At read + written (fused) or 3 reads + 1 write
    const essential = bytesPerScalar * (s.N * s.M + G) + (s.sampler === 'explicit' && Number.isFinite(s.B) ? 8 * s.B * s.M : 0);
    const t1 = median(nat1.samples), t2 = median(nat2.samples);
    const bw = s.model === 'projected' ? limits[1].readGBs : limits[1].copyGBs;
    rows.push({
      workload: `${label} (1 thr)`, unit: 'per step', bound: s.model === 'projected' ? 'memory (read)' : 'memory (read+write)',
      native: nat1.samples, ...(ts ? { ts: median(ts.samples) } : {}), ...(numpy !== undefined ? { numpy } : {}),
      ...(numpyNaive !== undefined ? { numpyNaive } : {}),
      limitFraction: bytes / t1 / 1e9 / bw, limitNote: `${(bytes / t1 / 1e9).toFixed(1)} GB/s of ${bw.toFixed(1)}`,
      peakMiB: nat1.peakMiB, essentialMiB: MiB(essential), ...(s.target ? { note: 'target' } : {}),
    });
    const bw2 = s.model === 'projected' ? limits[2].readGBs : limits[2].copyGBs;
    rows.push({
      workload: `${label} (2 thr)`, unit: 'per step', bound: rows.at(-1)!.bound, native: nat2.samples,
      limitFraction: bytes / t2 / 1e9 / bw2, limitNote: `${(bytes / t2 / 1e9).toFixed(1)} GB/s of ${bw2.toFixed(1)}`,
      peakMiB: nat2.peakMiB, essentialMiB: MiB(essential),
    });
  }

  // Batched γ sweep sharing A(0): K lanes in one job vs K separate seeds (per lane-step).
  const batchRows: Array<{ K: number; B: number; sampler: SamplerKind; perLane: number[]; single: number; threads: number }> = [];
  for (const [B, sampler] of [[256, 'exact'], [256, 'explicit']] as Array<[number, SamplerKind]>) {
    if (quick && sampler === 'explicit') continue;
    const single = rows.find((r) => r.workload === `proj N=1024 M=8192 B=256 ${sampler} (1 thr)`)!;
    for (const K of quick ? [8] : [4, 8, 16]) {
      log(`batch K=${K} B=${B} ${sampler} …`);
      const steps: [number, number] = sampler === 'explicit' ? [0, Math.max(8, Math.round(60 / K))] : [0, Math.max(40, Math.round(800 / K))];
      const r = inChild<Timed>({ kind: 'batch', K, N: 1024, M: 8192, B, sampler, threads: 1, steps, repeats: quick ? 2 : 3 });
      const perLane = r.samples.map((x) => x / K);
      batchRows.push({ K, B, sampler, perLane, single: median(single.native), threads: 1 });
      rows.push({
        workload: `γ-batch K=${K} N=1024 M=8192 B=${B} ${sampler} (1 thr)`, unit: 'per lane-step', bound: 'memory → compute as K grows',
        native: perLane, limitNote: `vs unbatched ${fmtT(median(single.native))}: ${ratio(median(perLane), median(single.native))}`,
        peakMiB: r.peakMiB, essentialMiB: MiB(8 * (1024 * 8192 + K * 1024 * 1024) + (sampler === 'explicit' ? 8 * B * 8192 : 0)),
      });
    }
  }

  // float32 accuracy cost.
  log('float32 accuracy …');
  const acc = inChild<{ worst: number; finalRel: number; L0: number; Lend: number }>({ kind: 'accuracy', N: 1024, M: 8192, B: 256, sampler: 'exact', steps: quick ? 200 : 1000, threads: 2 });

  // Rich ODE, ~500 bins to t = 1e6: method 'fast' (the default: the untouched tail deflated, SPEC 3.2) and the
  // reference method 'eig' (every bin in every step; the method before issue 6's ODE work), each against a numpy
  // peer of the same method.
  log('rich ODE …');
  const odeRows: Array<{ method: 'fast' | 'eig'; peerScript: string }> = [{ method: 'fast', peerScript: 'ode_flow_fast.py' }, { method: 'eig', peerScript: 'ode_flow.py' }];
  for (const { method, peerScript } of odeRows) {
    const odeN = inChild<Timed>({ kind: 'ode', backend: 'native', threads: 2, tMax: 1e6, method });
    const odeN1 = quick ? null : inChild<Timed>({ kind: 'ode', backend: 'native', threads: 1, tMax: 1e6, method });
    // The pure-TS 'eig' twin costs ~1 s per grid point at 500 bins: time its first ~40 grid points (t ≤ 0.1) and
    // scale. The 'fast' twin's cost per point grows with the active set, so it is not extrapolated (n/a).
    const odeTs = quick || method === 'fast' ? null : inChild<Timed>({ kind: 'ode', backend: 'reference', threads: 1, tMax: 0.1, method });
    let odePy: PeerOut | null = null;
    if (py && !(quick && method === 'eig')) {
      const bins = makeModeBins(ODE_PARAMS.alpha, ODE_PARAMS.beta, ODE_PARAMS.M, { exactModes: ODE_PARAMS.exactModes, binsPerDecade: ODE_PARAMS.binsPerDecade });
      const times = flowGrid(1e6, 40, 0.01);
      const dir = mkdtempSync(join(tmpdir(), 'richscale-bench-'));
      const file = join(dir, 'ode.json');
      writeFileSync(file, JSON.stringify({ lambda: Array.from(bins.lambda), wstar: Array.from(bins.wstar), mult: Array.from(bins.mult), times: Array.from(times), gamma: ODE_PARAMS.gamma, eta: ODE_PARAMS.eta, threads: 2, deflation_tol: 1e-3 }));
      odePy = peer(peerScript, file);
      rmSync(dir, { recursive: true, force: true });
    }
    const odeGrid = odeN.extra!.grid!, odeBins = odeN.extra!.bins!, odeDim = odeN.extra!.maxDim!;
    // Per grid step: dsyevd (≈ 4/3 d³ tridiagonalisation + ≈ 2d³ back-transformation + D&C) and two d³ GEMMs
    // (4d³), d = that step's dimension (n for 'eig'; active bins + 2 for 'fast'): ≈ (22/3) Σ d³.
    const odeFlops = (22 / 3) * odeN.extra!.sumDim3!;
    const label = method === 'fast' ? `rich ODE 'fast' ${odeBins} bins (≤ ${odeDim} active), t ≤ 1e6, ${odeGrid} grid pts` : `rich ODE 'eig' (same method as before) ${odeBins} bins, t ≤ 1e6, ${odeGrid} grid pts`;
    rows.push({
      workload: `${label} (2 thr)`, unit: 'solve', bound: 'compute (dgemm, dsyevd)',
      native: odeN.samples, ...(odePy ? { numpy: odePy.seconds! } : {}),
      limitFraction: odeFlops / median(odeN.samples) / 1e9 / limits[2].dgemmGflops,
      limitNote: `≈${(odeFlops / median(odeN.samples) / 1e9).toFixed(0)} GFLOP/s of ${limits[2].dgemmGflops.toFixed(0)} (flops estimated)`,
      peakMiB: odeN.peakMiB, essentialMiB: MiB(8 * 6 * odeDim * odeDim),
      ...(method === 'fast' ? { note: `target < 1 s: ${median(odeN.samples) < 1 ? 'met' : 'NOT met'}` } : {}),
    });
    if (odeN1) {
      rows.push({
        workload: `${label} (1 thr)`, unit: 'solve', bound: 'compute (dgemm, dsyevd)', native: odeN1.samples,
        ...(odeTs ? { ts: odeTs.samples[0]! * (odeGrid / odeTs.extra!.grid!) } : {}),
        limitFraction: odeFlops / median(odeN1.samples) / 1e9 / limits[1].dgemmGflops,
        limitNote: `≈${(odeFlops / median(odeN1.samples) / 1e9).toFixed(0)} GFLOP/s of ${limits[1].dgemmGflops.toFixed(0)}`,
        peakMiB: odeN1.peakMiB, essentialMiB: MiB(8 * 6 * odeDim * odeDim),
      });
    }
  }

  // Finite-N DMFT (N = 256, M = 2048 in 128 bins, γ = 0.5, B = ∞; SPEC 3.2). The march solver (default) is measured
  // at T ∈ {250, 500, 1000, 2000} (quick: 100, 250); the Picard reference once at T = 100 for the ratio (its cost
  // is O(bins·T³) per iteration with an iteration count growing with T: 52 iterations, 14 s at T = 200).
  const marchRun = quick ? [100, 250] : [250, 500, 1000, 2000];
  const picardRun = quick ? [60] : [100];
  for (const T of picardRun) {
    log(`DMFT (Picard) T=${T} …`);
    const d = inChild<Timed>({ kind: 'dmft', T, threads: 2, solver: 'picard' });
    rows.push({
      workload: `finite-N DMFT, Picard reference, T=${T} (${d.extra!.iterations} iterations, 2 thr)`, unit: 'solve', bound: 'compute (T×T dgemm, triangular solves)',
      native: d.samples, limitNote: 'n/a (flops not counted)', peakMiB: d.peakMiB, essentialMiB: MiB(8 * 12 * (T + 1) ** 2),
    });
  }
  for (const T of marchRun) {
    log(`DMFT (march) T=${T} …`);
    const d = inChild<Timed>({ kind: 'dmft', T, threads: 2, solver: 'march' });
    const s = d.samples[0]!;
    rows.push({
      workload: `finite-N DMFT, march, T=${T} (${d.extra!.iterations} passes of ${DMFT_MARCH_BLOCK}-row blocks, 2 thr)`, unit: 'solve',
      bound: 'compute (b×T dgemm per bin and pass)', native: d.samples, limitNote: 'n/a (flops not counted)', peakMiB: d.peakMiB,
      essentialMiB: MiB(dmftMarchBytes(T, 128)), ...(T === 2000 ? { note: `target < 60 s: ${s < 60 ? 'met' : 'NOT met'} (measured)` } : {}),
    });
  }

  // Ensembles: 32 seeds.
  log('ensembles …');
  const ensSteps = quick ? 100 : 200, seeds = 32;
  const ens = {
    oneCore: inChild<Timed>({ kind: 'ensemble', mode: 'one-core', seeds, steps: ensSteps }),
    jobs: inChild<Timed>({ kind: 'ensemble', mode: 'jobs', seeds, steps: ensSteps }),
    blas2: inChild<Timed>({ kind: 'ensemble', mode: 'blas2', seeds, steps: ensSteps }),
  };
  for (const [name, r] of [['1 core (1 job, 1 BLAS thread)', ens.oneCore], ['2 jobs × 1 BLAS thread', ens.jobs], ['1 job × 2 BLAS threads', ens.blas2]] as const) {
    rows.push({
      workload: `ensemble 32 seeds N=256 M=2048 B=32 exact, ${ensSteps} steps: ${name}`, unit: 'ensemble', bound: 'memory (per seed)',
      native: r.samples, limitNote: `speed-up vs 1 core ${ratio(r.samples[0]!, ens.oneCore.samples[0]!)}`, peakMiB: r.peakMiB,
      essentialMiB: MiB((name.startsWith('2 jobs') ? 2 : 1) * 8 * (256 * 2048 + 256 * 256)),
    });
  }

  // ---- print -------------------------------------------------------------------------------------------
  const table: string[][] = [['workload', 'native (median [min–max])', 'pure TS', 'numpy', 'numpy naive', '× TS', '× numpy', '× naive', 'bound', 'limit reached', 'peak / essential MiB']];
  for (const r of rows) {
    const n = median(r.native);
    table.push([
      `${r.workload}${r.note ? ` ← ${r.note}` : ''}`, `${fmtT(n)}${spread(r.native)}`,
      r.ts !== undefined ? fmtT(r.ts) : '', r.numpy !== undefined ? fmtT(r.numpy) : '', r.numpyNaive !== undefined ? fmtT(r.numpyNaive) : '',
      r.ts !== undefined ? ratio(n, r.ts) : '', r.numpy !== undefined ? ratio(n, r.numpy) : '', r.numpyNaive !== undefined ? ratio(n, r.numpyNaive) : '',
      r.bound, r.limitFraction !== undefined ? `${pct(r.limitFraction)} (${r.limitNote})` : r.limitNote,
      r.peakMiB !== undefined ? `${r.peakMiB.toFixed(0)} / ${r.essentialMiB!.toFixed(0)}` : '',
    ]);
  }
  console.log(`OpenBLAS: ${info.config.trim()} (${info.corename}); numpy: ${py ?? 'not importable: numpy columns skipped'}; load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${availableParallelism()} cores)`);
  console.log(`limits, 1 thread: dgemm ${limits[1].dgemmGflops.toFixed(0)} GFLOP/s, sgemm ${limits[1].sgemmGflops.toFixed(0)}, read ${limits[1].readGBs.toFixed(1)} GB/s, copy ${limits[1].copyGBs.toFixed(1)}, triad ${limits[1].triadGBs.toFixed(1)}; ` +
    `2 threads: dgemm ${limits[2].dgemmGflops.toFixed(0)}, sgemm ${limits[2].sgemmGflops.toFixed(0)}, read ${limits[2].readGBs.toFixed(1)}, copy ${limits[2].copyGBs.toFixed(1)}, triad ${limits[2].triadGBs.toFixed(1)}`);
  console.log('simulation rows: native per-step time from its progress reports (set-up excluded); numpy per step inside its loop, same BLAS thread count; pure TS timed over 1-2 steps (difference of two run lengths) and reported per step (extrapolated);' +
    ' × = how many times faster native is. Memory-bound limit = bytes per step / time vs the read (projected) or copy (unprojected) bandwidth.');
  printTable(table);
  console.log(`\nfloat32 vs float64 (proj N=1024 M=8192 B=256 exact γ=1, ${quick ? 200 : 1000} steps, same seed): max relative loss difference ${acc.worst.toExponential(2)}, at the end ${acc.finalRel.toExponential(2)} (loss ${acc.L0.toPrecision(3)} → ${acc.Lend.toPrecision(3)})`);
  const jobsSpeed = ens.oneCore.samples[0]! / ens.jobs.samples[0]!, blasSpeed = ens.oneCore.samples[0]! / ens.blas2.samples[0]!;
  console.log(`ensembles: 2 jobs × 1 thread ${jobsSpeed.toFixed(2)}× the one-core throughput, 1 job × 2 BLAS threads ${blasSpeed.toFixed(2)}×`);
  console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick)' : ''}`);

  writeFileSync(outFile, `${JSON.stringify({
    date: new Date().toISOString(), quick, openblas: info.config.trim(), corename: info.corename, numpy: py,
    limits, rows: rows.map((r) => ({ ...r, nativeMedian: median(r.native) })), batch: batchRows,
    float32Accuracy: acc, ensemble: { seeds, steps: ensSteps, oneCoreSeconds: ens.oneCore.samples[0], jobsSeconds: ens.jobs.samples[0], blas2Seconds: ens.blas2.samples[0], jobsSpeedup: jobsSpeed, blas2Speedup: blasSpeed },
  }, null, 2)}\n`);
  console.log(`results: ${outFile}`);
}

const i = process.argv.indexOf('--case');
// JSON has no Infinity: a batch size B of Infinity arrives as null.
const revive = (key: string, value: unknown): unknown => (key === 'B' && value === null ? Infinity : value);
if (i >= 0) process.stdout.write(JSON.stringify(await child(JSON.parse(process.argv[i + 1]!, revive) as Case)));
else await main();
