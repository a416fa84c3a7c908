/**
 * `richscale sobolev` (SPEC 5, Fig. 5; docs/mlp.md): for every seed, the initial NTK of the ReLU MLP on the circle
 * → its eigendecomposition → α (eigenvalue decay) and, per target q, β (source condition); then online SGD over
 * every (q, γ0) with seed ensembles, fitted time exponents with windows and seed-bootstrap intervals, and the
 * χ(β) predictions lazy and rich (lib/scaling/exponents.ts).
 */
import { logGrid } from '../grid.js';
import { fitExponent, type ExponentResult } from '../fit/fitCurves.js';
import type { Curve } from '../fit/readCurves.js';
import { timeExponent } from '../scaling/exponents.js';
import { nativeMlp } from './bindings.js';
import type { SobolevConfig } from './config.js';
import {
  circulantSpectrum, estimateSpectrum, lazyKernelLoss, modeSpectrum, seedInterval, sortDescending, targetPower, type ModeSpectrum, type SpectrumEstimate,
} from './spectrum.js';
import { CancelledError, MlpDivergedError, pool, runMlpSeed, type EnsembleResult } from './train.js';
import type { MlpTrainKernelResult } from './bindings.js';
import { seedStats } from '../simulate/stats.js';
import { ReferenceTarget } from '../reference/mlp.js';

const TWO_PI = 6.283185307179586;

export interface SeedSpectrum {
  seedIndex: number;
  /** Operator eigenvalues (Gram eigenvalues / n), descending. */
  lambda: Float64Array;
  /** Per q: target power per eigenvector. */
  power: Float64Array[];
  /** Per q: the estimate on the configured window (raw eigenvectors of the finite-width NTK). */
  estimates: SpectrumEstimate[];
  /** Per q: the same from the rotation-averaged (circulant) NTK, whose eigenvectors are exactly Fourier modes. */
  symmetric: SpectrumEstimate[];
  /** Rotation-averaged eigenvalues (first q's target power). */
  symmetricSpectrum: ModeSpectrum;
  /** Per q: the rotation-averaged mode spectrum (Fourier target power). */
  symmetricSpectra: ModeSpectrum[];
}

export interface Interval95 { mean: number; se: number; lower: number; upper: number; seeds: number }

export interface TaskSummary {
  q: number;
  /** (2q − 1)/α̂ with α̂ the seed mean of the rotation-averaged NTK. */
  betaExpected: number;
  /** The estimator applied to the exact power-law model with α̂, q, K on the same window (modelBeta). */
  betaModel: number;
  /** β from the rotation-averaged NTK (Fourier eigenvectors): the one compared with (2q − 1)/α̂. */
  betaSymmetric: Interval95;
  /** β from the raw eigenvectors of the finite-width NTK (what its lazy dynamics sees; leakage lowers it). */
  beta: Interval95;
  /** Lazy NTK theory Σ_i p_i (1 − η0 λ_i)^{2t} (seed mean over the initial NTKs) at the record steps, and its fit. */
  lazyTheory: { steps: Float64Array; loss: Float64Array; fit: ExponentResult | null };
  /**
   * The same lazy theory from the rotation-averaged (circulant) NTK, whose eigenvectors are exactly Fourier modes:
   * Σ_k P_k (1 − η0 μ_k)^{2t} (seed mean). It is the lazy curve without the finite-width eigenvector leakage (≈ the
   * infinite-width lazy network), fitted on the same window: the baseline of the easy-target comparison (docs/mlp.md).
   */
  lazyTheorySymmetric: { steps: Float64Array; loss: Float64Array; fit: ExponentResult | null };
  betaFromModes: Interval95;
  /** Predicted χ: lazy β̂, rich 2β̂/(1+β̂) (β̂ < 1) else β̂. */
  chiLazy: number;
  chiRich: number;
  /** Expected gain 2β/(1+β) − β (0 for β ≥ 1). */
  expectedGain: number;
  runs: RunSummary[];
}

export interface RunSummary {
  gamma0: number;
  diverged: string | null;
  ensemble: EnsembleResult | null;
  fit: ExponentResult | null;
  /** χ(γ0) − χ(smallest γ0) with SE from the two bootstrap SEs in quadrature. */
  gain: { value: number; se: number } | null;
  /** χ(γ0) − χ of the rotation-averaged lazy NTK theory on the same window, with this run's bootstrap SE. */
  gainOverSymmetricLazy: { value: number; se: number } | null;
}

export interface SobolevResult {
  config: SobolevConfig;
  spectra: SeedSpectrum[];
  alpha: Interval95;
  alphaRegressionSe: number;
  /** α from the rotation-averaged NTK. */
  alphaSymmetric: Interval95;
  alphaKnown: { value: number; source: string };
  tasks: TaskSummary[];
  seconds: { ntk: number; train: number };
  flops: number;
  warnings: string[];
}

export const KNOWN_ALPHA = {
  value: 2,
  source:
    'ReLU NTK on S^(d-1) has eigenvalues decaying as k^-d (Bietti & Mairal 2019, arXiv 1905.12173, two layers; with a bias all ' +
    'frequencies appear, Geifman et al. 2020, arXiv 2007.01580; deep ReLU NTKs keep the rate, Chen & Xu 2021, arXiv 2009.10683): ' +
    'd = 2 on the circle gives α = 2',
};

/**
 * β that the estimator returns for an exact power-law model on the same window: λ_k = k^-α, target power k^-2q for
 * k ≤ K (0 beyond), modes k < n/2. It tends to (2q − 1)/α for 1 ≪ k1 < k2 ≪ K; on a finite window it carries the same
 * discreteness (T_k is a sum, not an integral) and truncation (T_k stops at K) biases as the estimate itself.
 */
export function modelBeta(alpha: number, q: number, K: number, n: number, window: [number, number]): number {
  const kmax = Math.floor((n - 1) / 2);
  const k = Float64Array.from({ length: kmax }, (_, i) => i + 1);
  const lambda = k.map((x) => Math.pow(x, -alpha));
  const power = k.map((x) => (x <= K ? Math.pow(x, -2 * q) : 0));
  const tail = new Float64Array(kmax);
  let s = 0;
  for (let i = kmax - 1; i >= 0; i--) {
    tail[i] = s;
    s += power[i]!;
  }
  return estimateSpectrum({ mode: 'circle', k, lambda, power, tail, constant: null }, window).beta!.value;
}

/**
 * Lazy loss Σ_k P_k (1 − η0 μ_k)^{2t} of a rotation-averaged mode spectrum (constant mode included): the lazy NTK
 * theory with exact Fourier eigenvectors.
 */
export function lazySymmetricLoss(m: ModeSpectrum, eta0: number, steps: ArrayLike<number>): Float64Array {
  const lambda = [m.constant?.lambda ?? 0, ...m.lambda].map((v) => Math.max(v, 0)); // PSD: clamp rounding
  const power = [m.constant && Number.isFinite(m.constant.power) ? m.constant.power : 0, ...m.power];
  return lazyKernelLoss(lambda, power, eta0, steps);
}

/** Target values on the n-point grid θ_j = 2πj/n. */
export function targetOnGrid(K: number, q: number, n: number): Float64Array {
  const t = new ReferenceTarget(K, q);
  return Float64Array.from({ length: n }, (_, j) => t.at((TWO_PI * j) / n));
}

/** NTK spectrum of one seed's initial network, with the target power of every q. */
export async function seedSpectrum(c: SobolevConfig, seedIndex: number): Promise<SeedSpectrum> {
  const shape = { width: c.width, depth: c.depth };
  const params = nativeMlp.init({ ...shape, seed: c.seed, stream: seedIndex });
  const n = c.ntkPoints;
  const K = await nativeMlp.ntk({ ...shape, params, n }).promise;
  const eig = await nativeMlp.symmetricEigen({ matrix: K, n }).promise;
  const { values, vectors } = sortDescending(eig.values, eig.vectors, n);
  const lambda = values.map((v) => v / n);
  const power = c.q.map((q) => targetPower(vectors, targetOnGrid(c.K, q, n), n, n));
  const estimates = power.map((p) => estimateSpectrum(modeSpectrum(lambda, p, 'circle'), c.specWindow));
  const symSpectra = c.q.map((q) => circulantSpectrum(K, n, targetOnGrid(c.K, q, n)));
  const symmetric = symSpectra.map((m) => estimateSpectrum(m, c.specWindow));
  return { seedIndex, lambda, power, estimates, symmetric, symmetricSpectrum: symSpectra[0]!, symmetricSpectra: symSpectra };
}

export interface SobolevOptions {
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function runSobolev(c: SobolevConfig, opts: SobolevOptions): Promise<SobolevResult> {
  const warnings: string[] = [];
  const t0 = performance.now();
  const spectra: SeedSpectrum[] = [];
  for (let s = 0; s < c.seeds; s++) spectra.push(await seedSpectrum(c, s));
  const tNtk = (performance.now() - t0) / 1000;
  const alphas = spectra.map((sp) => sp.estimates[0]!.alpha.value);
  const alpha = seedInterval(alphas);
  const alphaRegressionSe = spectra.reduce((a, sp) => a + sp.estimates[0]!.alpha.se, 0) / spectra.length;
  const alphaSymmetric = seedInterval(spectra.map((sp) => sp.symmetric[0]!.alpha.value));
  for (const w of spectra[0]!.symmetric.flatMap((e) => e.warnings)) warnings.push(`seed 0 rotation-averaged spectrum: ${w}`);

  const record = logGrid(c.steps, c.recordPoints);
  const total = c.q.length * c.gamma0.length * c.seeds * c.steps;
  const t1 = performance.now();
  // Every (q, γ0, seed) is one job; all jobs share one pool so both cores stay busy.
  type Job = { qi: number; gi: number; s: number };
  const jobs: Job[] = [];
  for (let qi = 0; qi < c.q.length; qi++) for (let gi = 0; gi < c.gamma0.length; gi++) for (let s = 0; s < c.seeds; s++) jobs.push({ qi, gi, s });
  const done = new Map<number, number>();
  const report = (): void => {
    let d = 0;
    for (const v of done.values()) d += v;
    opts.onProgress?.(d, total);
  };
  const results = new Map<string, MlpTrainKernelResult>();
  const inner = new AbortController();
  const onOuter = (): void => inner.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  try {
    await pool(jobs.map((j, ji) => async () => {
      const r = await runMlpSeed({
        width: c.width, depth: c.depth, gamma0: c.gamma0[j.gi]!, eta0: c.lr, batch: c.batch, steps: c.steps, K: c.K,
        q: c.q[j.qi]!, grid: c.grid, record, seed: c.seed, stream: j.s,
      }, 'native', inner.signal, (d) => { done.set(ji, d); report(); });
      done.set(ji, c.steps);
      report();
      results.set(`${j.qi}/${j.gi}/${j.s}`, r);
    }), opts.concurrency, () => inner.abort());
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onOuter);
  }
  let flops = 0;
  const tasks: TaskSummary[] = [];
  for (let qi = 0; qi < c.q.length; qi++) {
    const q = c.q[qi]!;
    const beta = seedInterval(spectra.map((sp) => sp.estimates[qi]!.beta!.value));
    const betaSymmetric = seedInterval(spectra.map((sp) => sp.symmetric[qi]!.beta!.value));
    const fitTheory = (loss: Float64Array, what: string): ExponentResult | null => {
      const pos = Array.from(record).map((t, i) => [t, i] as const).filter(([t]) => t > 0).map(([, i]) => i);
      const pick = (a: Float64Array): Float64Array => Float64Array.from(pos, (i) => a[i]!);
      try {
        return fitExponent({
          key: { q: String(q) }, label: `${what} q=${q}`, t: pick(record), loss: pick(loss), stderr: null,
          seeds: [], seedNames: [], rowOf: pos, skippedNonPositiveT: 0,
        }, { window: c.fitWindow, bootstrap: 0, level: 0.95, seed: c.seed });
      } catch (err) {
        warnings.push(`q = ${q}: no fit of the ${what}: ${(err as Error).message}`);
        return null;
      }
    };
    const theoryMean = seedStats(spectra.map((sp) => lazyKernelLoss(sp.lambda, sp.power[qi]!, c.lr, record)));
    const theoryFit = fitTheory(theoryMean.mean, 'lazy NTK theory');
    const symMean = seedStats(spectra.map((sp) => lazySymmetricLoss(sp.symmetricSpectra[qi]!, c.lr, record)));
    const symFit = fitTheory(symMean.mean, 'rotation-averaged lazy NTK theory');
    const betaFromModes = seedInterval(spectra.map((sp) => sp.symmetric[qi]!.betaFromModes?.value ?? NaN));
    const b = betaSymmetric.mean;
    const runs: RunSummary[] = [];
    for (let gi = 0; gi < c.gamma0.length; gi++) {
      const gamma0 = c.gamma0[gi]!;
      const per = Array.from({ length: c.seeds }, (_, s) => results.get(`${qi}/${gi}/${s}`)!);
      const bad = per.findIndex((r) => r.diverged);
      let ensemble: EnsembleResult | null = null;
      let diverged: string | null = null;
      if (bad >= 0) {
        const r = per[bad]!;
        diverged = new MlpDivergedError(gamma0, c.lr, bad, r.divergedStep, r.divergedLoss, 1e4).message;
        warnings.push(`q = ${q}: ${diverged}`);
      } else {
        const perSeed = per.map((r) => r.loss);
        const fl = per.reduce((a, r) => a + r.flops, 0);
        flops += fl;
        ensemble = { steps: Float64Array.from(record), perSeed, stats: seedStats(perSeed), flops: fl, seconds: NaN };
      }
      let fit: ExponentResult | null = null;
      if (ensemble) {
        const pos = Array.from(ensemble.steps).map((t, i) => [t, i] as const).filter(([t]) => t > 0).map(([, i]) => i);
        const pick = (a: Float64Array): Float64Array => Float64Array.from(pos, (i) => a[i]!);
        const curve: Curve = {
          key: { q: String(q), gamma0: String(gamma0) }, label: `q=${q} γ0=${gamma0}`, t: pick(ensemble.steps),
          loss: pick(ensemble.stats.mean), stderr: c.seeds >= 2 ? pick(ensemble.stats.stderr) : null,
          seeds: ensemble.perSeed.map(pick), seedNames: ensemble.perSeed.map((_, s) => `seed_${s}`), rowOf: pos,
          skippedNonPositiveT: 0,
        };
        try {
          fit = fitExponent(curve, { window: c.fitWindow, bootstrap: c.seeds >= 2 ? c.bootstrap : 0, level: 0.95, seed: c.seed });
        } catch (err) {
          warnings.push(`q = ${q}, γ0 = ${gamma0}: no exponent fit: ${(err as Error).message}`);
        }
      }
      const gainOverSymmetricLazy = fit && symFit
        ? { value: fit.fit.exponent - symFit.fit.exponent, se: fit.interval?.se ?? fit.fit.exponentSe } : null;
      runs.push({ gamma0, diverged, ensemble, fit, gain: null, gainOverSymmetricLazy });
    }
    const base = runs.find((r) => r.fit !== null);
    for (const r of runs) {
      if (r.fit && base?.fit && r !== base) {
        const se = Math.hypot(r.fit.interval?.se ?? r.fit.fit.exponentSe, base.fit.interval?.se ?? base.fit.fit.exponentSe);
        r.gain = { value: r.fit.fit.exponent - base.fit.fit.exponent, se };
      }
    }
    tasks.push({
      q, betaExpected: (2 * q - 1) / alphaSymmetric.mean,
      betaModel: modelBeta(alphaSymmetric.mean, q, c.K, c.ntkPoints, c.specWindow), betaSymmetric, beta, betaFromModes,
      lazyTheory: { steps: Float64Array.from(record), loss: theoryMean.mean, fit: theoryFit },
      lazyTheorySymmetric: { steps: Float64Array.from(record), loss: symMean.mean, fit: symFit },
      chiLazy: timeExponent(b, 'lazy'), chiRich: timeExponent(b, 'rich'),
      expectedGain: timeExponent(b, 'rich') - timeExponent(b, 'lazy'), runs,
    });
  }
  return {
    config: c, spectra, alpha, alphaRegressionSe, alphaSymmetric, alphaKnown: KNOWN_ALPHA, tasks,
    seconds: { ntk: tNtk, train: (performance.now() - t1) / 1000 }, flops, warnings,
  };
}
