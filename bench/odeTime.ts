/**
 * Times the rich ODE bench workload (bench/simulate.ts case 'ode': α = 2, β = 0.4, η = 0.25, γ = 0.5, M = 1e12,
 * 500 mode bins, 322 grid points to t = 1e6) with each method and BLAS thread count, in this process, and prints
 * wall and CPU seconds (median and min over the repeats), the largest matrix dimension and, for the comparison,
 * the max relative loss difference to method 'eig'.
 *
 *   node dist/bench/odeTime.js [--threads 2,1] [--methods fast,eig] [--repeats 5]
 */
import { loadavg } from 'node:os';
import { loadNative } from '../lib/native.js';
import { solveRichOde, type RichOdeParams } from '../lib/theory/ode.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const threads = arg('--threads', '2,1').split(',').map(Number);
const methods = arg('--methods', 'fast,eig').split(',') as Array<'fast' | 'eig'>;
const repeats = Number(arg('--repeats', '5'));

const PARAMS: RichOdeParams = {
  alpha: 2, beta: 0.4, eta: 0.25, gamma: 0.5, M: 1e12, form: 'flow', exactModes: 100, binsPerDecade: 40, tMax: 1e6,
};
const median = (x: number[]): number => { const s = [...x].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2; };

async function main(): Promise<void> {
  const native = loadNative();
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  let eigLoss: Float64Array | null = null;
  for (const method of [...methods].reverse()) {
    if (method !== 'eig') continue;
    native.setNumThreads(threads[0]!);
    eigLoss = (await solveRichOde({ ...PARAMS, method: 'eig' })).loss;
  }
  for (const method of methods) {
    for (const t of threads) {
      native.setNumThreads(t);
      const wall: number[] = [], cpu: number[] = [];
      let last = null as Awaited<ReturnType<typeof solveRichOde>> | null;
      for (let r = 0; r < (method === 'eig' ? Math.min(repeats, 2) : repeats); r++) {
        const c0 = process.cpuUsage(), t0 = performance.now();
        last = await solveRichOde({ ...PARAMS, method });
        wall.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
      let rel = NaN;
      if (eigLoss && last) { rel = 0; for (let i = 0; i < eigLoss.length; i++) rel = Math.max(rel, Math.abs(last.loss[i]! / eigLoss[i]! - 1)); }
      console.log(`method ${method.padEnd(4)} ${t} thr: wall median ${median(wall).toFixed(3)} s (min ${Math.min(...wall).toFixed(3)}), `
        + `cpu median ${median(cpu).toFixed(3)} s; ${wall.length} runs; grid ${last!.diagnostics.gridPoints}, bins ${last!.diagnostics.modeBins}, `
        + `max matrix dim ${last!.diagnostics.maxMatrixDim}; max rel loss vs eig ${rel.toExponential(2)}`);
    }
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

void main();
