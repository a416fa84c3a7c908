/**
 * Theory-solver costs (issue 3, must-show 4): wall time and peak memory of each solver versus its time grid
 * (T or t_max) and mode count M, native vs the pure-TS twin where the twin finishes in reasonable time, and the
 * largest T the finite-N DMFT handles in one minute. Each case runs in its own child process so its peak RSS
 * (VmHWM from /proc) is its own. Prints a table. Usage: npm run bench:theory [-- --quick]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../lib/native.js';
import { solveDmft } from '../lib/theory/dmft.js';

/** Longest T of the DMFT scan (the march solver, the default for B = ∞). */
const DMFT_SCAN_MAX = 2000;
import { solveRichOde } from '../lib/theory/ode.js';
import { solveStochasticDmft } from '../lib/theory/stochasticDmft.js';
import type { TheoryCurve } from '../lib/theory/types.js';
import { solveLazyVolterra } from '../lib/theory/volterra.js';
import { printTable } from './table.js';

type Backend = 'native' | 'reference';
type Case =
  | { solver: 'ode-flow' | 'ode-map'; tMax: number; M: number; exactModes?: number; backend: Backend }
  | { solver: 'volterra'; tMax: number; M: number; batch: number; backend: Backend }
  | { solver: 'dmft'; T: number; M: number; modeBins?: number; gamma: number; backend: Backend }
  | { solver: 'stochastic'; T: number; M: number; batch: number; realisations: number; backend: Backend };

interface Measured { seconds: number; peakMiB: number; detail: string }

const THREADS = 2;
const TASK = { alpha: 2, beta: 0.5, eta: 0.25 };

/** Peak resident set size so far, MiB (Linux /proc/self/status VmHWM). */
function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function runCase(c: Case): Promise<TheoryCurve> {
  const opts = { backend: c.backend };
  switch (c.solver) {
    case 'ode-flow':
    case 'ode-map':
      return solveRichOde({ ...TASK, beta: 0.4, gamma: 0.5, M: c.M, form: c.solver === 'ode-flow' ? 'flow' : 'map',
        tMax: c.tMax, ...(c.exactModes ? { exactModes: c.exactModes } : {}) }, opts);
    case 'volterra':
      return solveLazyVolterra({ ...TASK, batch: c.batch, M: c.M, tMax: c.tMax }, opts);
    case 'dmft':
      return solveDmft({ ...TASK, M: c.M, N: 256, gamma: c.gamma, batch: Infinity, steps: c.T,
        ...(c.modeBins ? { modeBins: c.modeBins } : {}) }, opts);
    case 'stochastic':
      return solveStochasticDmft({ ...TASK, M: c.M, gamma: 0.5, batch: c.batch, steps: c.T, realisations: c.realisations,
        seed: 1 }, { ...opts, threads: THREADS });
  }
}

/** Child side: run one case, print {seconds, peakMiB, detail} as JSON. */
async function child(c: Case): Promise<void> {
  loadNative().setNumThreads(THREADS);
  const base = peakRssMiB();
  const t0 = performance.now();
  const curve = await runCase(c);
  const seconds = (performance.now() - t0) / 1000;
  const d = curve.diagnostics;
  const detail = c.solver === 'dmft'
    ? `${String(d.iterations)} iterations, ${String(d.modeRepresentatives)} mode reps`
    : c.solver === 'ode-flow' || c.solver === 'ode-map' || c.solver === 'volterra'
      ? `${String(d.gridPoints ?? curve.steps.length)} grid points${d.modeBins !== undefined ? `, ${String(d.modeBins)} mode bins` : ''}`
      : `${'realisations' in c ? c.realisations : 0} realisations, ${String(d.diverged ?? 0)} diverged`;
  const out: Measured = { seconds, peakMiB: Math.max(0, peakRssMiB() - base), detail };
  process.stdout.write(JSON.stringify(out));
}

function measure(c: Case): Measured {
  const self = fileURLToPath(import.meta.url);
  const text = execFileSync(process.execPath, [self, '--case', JSON.stringify(c)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(text) as Measured;
}

const fmtT = (x: number): string => (x >= 1e4 ? x.toExponential(0).replace('e+', 'e') : String(x));
const fmtS = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toPrecision(2));

function label(c: Case): [string, string, string] {
  switch (c.solver) {
    case 'ode-flow': case 'ode-map':
      return [`${c.solver} γ=0.5`, `t≤${fmtT(c.tMax)}`, `${fmtT(c.M)}${c.exactModes ? ` (${c.exactModes} exact)` : ''}`];
    case 'volterra':
      return [`volterra (exact lazy) B=${c.batch}`, `t≤${fmtT(c.tMax)}`, fmtT(c.M)];
    case 'dmft':
      return [`dmft N=256 γ=${c.gamma}`, `T=${c.T}`, `${c.M}${c.modeBins ? ` (${c.modeBins} bins)` : ''}`];
    case 'stochastic':
      return [`stochastic γ=0.5 B=${c.batch}`, `T=${c.T}`, String(c.M)];
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const cases: Case[] = quick
    ? [
      { solver: 'ode-flow', tMax: 1e6, M: 1e12, backend: 'native' },
      { solver: 'volterra', tMax: 1e6, M: 1e9, batch: 8, backend: 'native' },
      { solver: 'dmft', T: 100, M: 2048, gamma: 0.5, backend: 'native' },
      { solver: 'stochastic', T: 100, M: 1024, batch: 16, realisations: 32, backend: 'native' },
    ]
    : [
      { solver: 'ode-flow', tMax: 1e4, M: 1e9, backend: 'native' },
      { solver: 'ode-flow', tMax: 1e6, M: 1e9, backend: 'native' },
      { solver: 'ode-flow', tMax: 1e6, M: 1e12, backend: 'native' },
      { solver: 'ode-flow', tMax: 1e6, M: 1e12, backend: 'reference' },
      { solver: 'ode-map', tMax: 1e4, M: 1e9, backend: 'native' },
      { solver: 'ode-map', tMax: 1e5, M: 1e9, backend: 'native' },
      { solver: 'ode-map', tMax: 1e5, M: 1e9, backend: 'reference' },
      { solver: 'ode-map', tMax: 1e4, M: 4096, exactModes: 1000, backend: 'native' },
      { solver: 'volterra', tMax: 1e4, M: 1e9, batch: 8, backend: 'native' },
      { solver: 'volterra', tMax: 1e6, M: 1e9, batch: 8, backend: 'native' },
      { solver: 'volterra', tMax: 1e6, M: 1e9, batch: 8, backend: 'reference' },
      { solver: 'dmft', T: 100, M: 1024, gamma: 0.5, backend: 'reference' },
      { solver: 'dmft', T: 100, M: 1024, gamma: 0.5, backend: 'native' },
      { solver: 'dmft', T: 100, M: 256, gamma: 0.5, backend: 'native' },
      { solver: 'dmft', T: 100, M: 1024, modeBins: 64, gamma: 0.5, backend: 'native' },
      { solver: 'dmft', T: 100, M: 1024, modeBins: 256, gamma: 0.5, backend: 'native' },
      { solver: 'dmft', T: 100, M: 1024, gamma: 0, backend: 'native' },
      { solver: 'stochastic', T: 150, M: 1024, batch: 16, realisations: 32, backend: 'native' },
      { solver: 'stochastic', T: 150, M: 4096, batch: 16, realisations: 32, backend: 'native' },
      { solver: 'stochastic', T: 150, M: 1024, batch: 16, realisations: 32, backend: 'reference' },
    ];
  const rows: string[][] = [['solver', 'grid', 'modes M', 'backend', 'time (s)', 'peak mem (MiB)', 'detail']];
  for (const c of cases) {
    const m = measure(c);
    rows.push([...label(c), c.backend === 'native' ? 'native' : 'pure TS', fmtS(m.seconds), m.peakMiB.toFixed(0), m.detail]);
  }
  // DMFT time versus T at the default 128 mode bins (M = 2048), doubling T until a solve takes over a minute or the
  // scan's cap (T = 2000) is reached; the last two points fix the local power law used to place the one-minute T.
  const scan: { T: number; m: Measured }[] = [];
  for (let T = quick ? 100 : 125; T <= DMFT_SCAN_MAX; T = T * 2 > DMFT_SCAN_MAX && T < DMFT_SCAN_MAX ? DMFT_SCAN_MAX : T * 2) {
    const c: Case = { solver: 'dmft', T, M: 2048, gamma: 0.5, backend: 'native' };
    const m = measure(c);
    scan.push({ T, m });
    rows.push([...label(c), 'native', fmtS(m.seconds), m.peakMiB.toFixed(0), m.detail]);
    if (m.seconds > 60 || (quick && scan.length >= 2)) break;
  }
  console.log(`OpenBLAS: ${loadNative().blasInfo().config.trim()}; ${THREADS} BLAS threads; task α=2, β=0.5 (ODE: β=0.4), η=0.25`);
  printTable(rows);
  if (scan.length >= 2) {
    const a = scan[scan.length - 2]!;
    const b = scan[scan.length - 1]!;
    const p = Math.log(b.m.seconds / a.m.seconds) / Math.log(b.T / a.T);
    const T60 = b.T * Math.pow(60 / b.m.seconds, 1 / p);
    const within = scan.filter((s) => s.m.seconds <= 60).map((s) => s.T);
    console.log(`\nfinite-N DMFT (γ=0.5, N=256, M=2048, 128 bins): time ∝ T^${p.toFixed(2)} between T=${a.T} and T=${b.T};` +
      ` largest measured T within one minute: ${within.length ? Math.max(...within) : 'none'};` +
      (p > 1 ? ` one minute at T ≈ ${Math.round(T60)}${T60 > DMFT_SCAN_MAX ? ` (above the scan's cap T ≤ ${DMFT_SCAN_MAX})` : ''}`
        : ' the timings do not grow with T: the machine was busy, rerun on an idle machine'));
  }
}

const i = process.argv.indexOf('--case');
if (i >= 0) await child(JSON.parse(process.argv[i + 1]!) as Case);
else await main();
