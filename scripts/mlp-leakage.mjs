#!/usr/bin/env node
// Lazy baseline of the ReLU MLP from its initial NTK alone (docs/mlp.md section 5.1; no training).
// For every width N and seed (streams 0..S−1 of --seed, = the networks `richscale sobolev` trains) and target q:
//   raw     lazy NTK theory Σ_i p_i (1 − η0 λ_i)^{2t} from the raw eigenvectors (= the lazy network),
//   Fourier the same from the rotation-averaged NTK (exact Fourier eigenvectors, no leakage),
// fitted on [1e2, 1e4], [1e3, 1e5], [1e4, 1e5]; and the target power in raw eigenvectors beyond rank 2k minus the
// Fourier tail T_k ("excess": what leaked into slow modes) for k = 16, 32, 64. Mean ± SD over seeds per N.
// Needs the built addon and dist/ (npm ci). Usage:
//   nice -n 15 node scripts/mlp-leakage.mjs N=256,512,1024,2048,4096,8192 seeds=3 q=1,1.75 [depth=2 n=1024 K=512 seed=1]
import { loadNative } from '../dist/lib/native.js';
import { nativeMlp } from '../dist/lib/mlp/bindings.js';
import { circulantSpectrum, lazyKernelLoss, sortDescending, targetPower } from '../dist/lib/mlp/spectrum.js';
import { lazySymmetricLoss, targetOnGrid } from '../dist/lib/mlp/sobolev.js';
import { fitPowerLaw, logSpacingWeights } from '../dist/lib/fit/powerLaw.js';
import { logGrid } from '../dist/lib/grid.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const Ns = (args.N ?? '256,1024').split(',').map(Number);
const seeds = Number(args.seeds ?? 3);
const depth = Number(args.depth ?? 2);
const n = Number(args.n ?? 1024);
const qs = (args.q ?? '1,1.75').split(',').map(Number);
const K = Number(args.K ?? 512);
const seed = Number(args.seed ?? 1);
const eta0 = Number(args.lr ?? 0.25);
const windows = [[1e2, 1e4], [1e3, 1e5], [1e4, 1e5]];
const ks = [16, 32, 64];
loadNative().setNumThreads(1);
const record = logGrid(1e6, 121).filter((t) => t > 0);

function slope(L, a, b) {
  const idx = Array.from(record.keys()).filter((i) => record[i] >= a && record[i] <= b);
  const t = Float64Array.from(idx, (i) => record[i]);
  return fitPowerLaw(t, Float64Array.from(idx, (i) => L[i]), logSpacingWeights(t)).exponent;
}
const stats = (v) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : NaN;
  return { m, sd };
};

console.log(`# depth ${depth}, n = ${n}, K = ${K}, η0 = ${eta0}, seed ${seed}, streams 0..${seeds - 1}; windows ${windows.map((w) => `[${w}]`).join(' ')}`);
for (const q of qs) {
  console.log(`q = ${q}`);
  for (const N of Ns) {
    const raw = windows.map(() => []), four = windows.map(() => []), excess = ks.map(() => []);
    let tails = null;
    for (let s = 0; s < seeds; s++) {
      const params = nativeMlp.init({ width: N, depth, seed, stream: s });
      const Km = await nativeMlp.ntk({ width: N, depth, params, n }).promise;
      const e = await nativeMlp.symmetricEigen({ matrix: Km, n }).promise;
      const { values, vectors } = sortDescending(e.values, e.vectors, n);
      const y = targetOnGrid(K, q, n);
      const p = targetPower(vectors, y, n, n);
      const c = circulantSpectrum(Km, n, y);
      const Lr = lazyKernelLoss(values.map((v) => v / n), p, eta0, record);
      const Lf = lazySymmetricLoss(c, eta0, record);
      windows.forEach(([a, b], w) => { raw[w].push(slope(Lr, a, b)); four[w].push(slope(Lf, a, b)); });
      ks.forEach((k, j) => {
        let beyond = 0;
        for (let i = 2 * k + 1; i < n; i++) beyond += p[i];
        excess[j].push(beyond - c.tail[k - 1]);
      });
      tails = ks.map((k) => c.tail[k - 1]);
    }
    const r = raw.map(stats), f = four.map(stats), x = excess.map(stats);
    console.log(`  N ${String(N).padStart(5)}: raw ${r.map((v) => `${v.m.toFixed(3)}±${v.sd.toFixed(3)}`).join(' ')} | Fourier ${f.map((v) => v.m.toFixed(3)).join(' ')}` +
      ` | excess k=${ks.join('/')} ${x.map((v) => v.m.toExponential(1)).join(' ')} (T_k ${tails.map((v) => v.toExponential(2)).join(' ')}) | N·excess(k=${ks[2]}) ${(N * x[2].m).toFixed(3)}`);
  }
}
