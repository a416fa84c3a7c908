/**
 * The finite-N DMFT march solver alone (issue 6 target "T = 2000 under 60 s"; docs/performance.md): the bench
 * workload of bench/simulate.ts (α = 2, β = 0.5, η = 0.25, M = 2048 in 128 bins, N = 256, γ = 0.5, B = ∞) at each T,
 * one child process per T, reporting wall time, CPU time, peak RSS (VmHWM rise), passes and the kernel's profile.
 *
 *   node dist/bench/dmftMarch.js [--T 250,500,1000,2000] [--block 16] [--threads 2] [--solver march|picard]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dmftMarchBytes, DMFT_MARCH_BLOCK, solveDmft, type DmftSolver } from '../lib/theory/dmft.js';
import { loadNative } from '../lib/native.js';

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Case { T: number; block: number; threads: number; solver: DmftSolver }
interface Out { seconds: number; cpuSeconds: number; peakMiB: number; peakAbsMiB: number; diagnostics: Record<string, unknown>; lossEnd: number }

async function child(c: Case): Promise<void> {
  loadNative().setNumThreads(c.threads);
  const base = peakRssMiB();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const curve = await solveDmft({ alpha: 2, beta: 0.5, eta: 0.25, M: 2048, N: 256, gamma: 0.5, batch: Infinity, steps: c.T,
    solver: c.solver, block: c.block, threads: c.threads });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const out: Out = { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMiB: peakRssMiB() - base, peakAbsMiB: peakRssMiB(), diagnostics: curve.diagnostics, lossEnd: curve.loss.at(-1)! };
  process.stdout.write(JSON.stringify(out));
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const ci = process.argv.indexOf('--case');
if (ci >= 0) {
  await child(JSON.parse(process.argv[ci + 1]!) as Case);
} else {
  const Ts = arg('--T', '250,500,1000,2000').split(',').map(Number);
  const block = Number(arg('--block', String(DMFT_MARCH_BLOCK)));
  const threads = Number(arg('--threads', '2'));
  const solver = arg('--solver', 'march') as DmftSolver;
  const self = fileURLToPath(import.meta.url);
  console.log(`finite-N DMFT (${solver}), α=2 β=0.5 η=0.25 M=2048 (128 bins) N=256 γ=0.5 B=∞; block ${block}, ${threads} threads; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('T\twall s\tCPU s\tpeak RSS rise MiB (VmHWM)\tformula MiB\tpasses\tL(T)\tprofile');
  for (const T of Ts) {
    const text = execFileSync(process.execPath, [self, '--case', JSON.stringify({ T, block, threads, solver })], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const o = JSON.parse(text) as Out;
    console.log(`${T}\t${o.seconds.toFixed(1)}\t${o.cpuSeconds.toFixed(1)}\t${o.peakMiB.toFixed(0)} (${o.peakAbsMiB.toFixed(0)})\t${(dmftMarchBytes(T, 128, block) / 2 ** 20).toFixed(0)}\t` +
      `${String(o.diagnostics.passes ?? o.diagnostics.iterations)}\t${o.lossEnd.toExponential(6)}\t${String(o.diagnostics.profile ?? '')}\t(load ${loadavg()[0]!.toFixed(1)})`);
  }
}
