/**
 * Files of `richscale sobolev` (docs/mlp.md): curve.csv (long format: q, gamma0, step, loss mean/std/stderr, one
 * column per seed), spectrum.csv (per seed and frequency: λ̄_k and the target power of every q), run.json (config,
 * (α, β) with intervals, fitted exponents with windows and intervals, χ(β) predictions, timings), and the plots
 * loss-q<q>.svg/.png (Fig. 5 style, log-log, one curve per γ0) and spectrum.svg/.png.
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { atomicWrite } from '../io/atomicWrite.js';
import { formatNumber } from '../io/curveCsv.js';
import { jsonSafe, shellQuote } from '../io/runJson.js';
import { richscaleVersion } from '../io/version.js';
import { lossPlotSpec, writePlot, PALETTE, type PlotSpec, type Series } from '../plot/index.js';
import { modeSpectrum } from './spectrum.js';
import type { SobolevResult } from './sobolev.js';

export function sobolevCurveCsv(r: SobolevResult): string {
  const S = r.config.seeds;
  const head = ['q', 'gamma0', 'step', 'loss_mean', 'loss_std', 'loss_stderr', ...Array.from({ length: S }, (_, s) => `seed_${s}`)];
  const lines = [head.join(',')];
  for (const t of r.tasks) {
    for (const run of t.runs) {
      const e = run.ensemble;
      if (!e) continue;
      for (let i = 0; i < e.steps.length; i++) {
        const spread = S >= 2;
        lines.push([t.q, run.gamma0, e.steps[i], e.stats.mean[i], spread ? e.stats.std[i] : undefined, spread ? e.stats.stderr[i] : undefined,
          ...e.perSeed.map((c) => c[i])].map(formatNumber).join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

export function sobolevSpectrumCsv(r: SobolevResult): string {
  const head = ['seed', 'k', 'lambda', 'lambda_rotation_averaged', ...r.config.q.map((q) => `power_q${q}`), ...r.config.q.map((q) => `tail_q${q}`)];
  const lines = [head.join(',')];
  for (const sp of r.spectra) {
    const ms = sp.power.map((p) => modeSpectrum(sp.lambda, p, 'circle'));
    const m0 = ms[0]!;
    lines.push([sp.seedIndex, 0, m0.constant!.lambda, sp.symmetricSpectrum.constant!.lambda, ...ms.map((m) => m.constant!.power), ...ms.map(() => undefined)].map(formatNumber).join(',')); // k = 0 has no tail sum: empty
    for (let i = 0; i < m0.k.length; i++) {
      lines.push([sp.seedIndex, m0.k[i], m0.lambda[i], sp.symmetricSpectrum.lambda[i], ...ms.map((m) => m.power[i]), ...ms.map((m) => m.tail[i])].map(formatNumber).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

export function sobolevJson(r: SobolevResult): Record<string, unknown> {
  const c = r.config;
  return jsonSafe({
    spectrum: {
      method: 'initial empirical NTK on ntkPoints equispaced angles, K = γ0²·N·J Jᵀ; eigenvalues/n; frequency k pairs ranks 2k−1, 2k',
      window: c.specWindow,
      alpha: { ...r.alpha, regressionSe: r.alphaRegressionSe, perSeed: r.spectra.map((s) => s.estimates[0]!.alpha.value) },
      alphaSymmetric: { ...r.alphaSymmetric, perSeed: r.spectra.map((s) => s.symmetric[0]!.alpha.value),
        method: 'rotation-averaged (circulant) NTK: eigenvectors exactly Fourier modes' },
      alphaKnown: r.alphaKnown,
    },
    tasks: r.tasks.map((t) => ({
      q: t.q,
      betaSymmetric: { ...t.betaSymmetric, perSeed: r.spectra.map((s) => s.symmetric[r.config.q.indexOf(t.q)]!.beta!.value),
        regressionSe: r.spectra.map((s) => s.symmetric[r.config.q.indexOf(t.q)]!.beta!.se) },
      betaExpected: t.betaExpected,
      betaModel: t.betaModel,
      betaModelNote: 'the same estimator on λ_k = k^-α̂, P_k = k^-2q (k ≤ K): includes the window\'s discreteness and truncation biases',
      betaModelWithinInterval: t.betaModel >= t.betaSymmetric.lower && t.betaModel <= t.betaSymmetric.upper,
      betaWithinInterval: t.betaExpected >= t.betaSymmetric.lower && t.betaExpected <= t.betaSymmetric.upper,
      betaRawEigenvectors: { ...t.beta, perSeed: r.spectra.map((s) => s.estimates[r.config.q.indexOf(t.q)]!.beta!.value),
        note: 'projections on the finite-width NTK eigenvectors; leakage of low-frequency target power into slow eigenvectors lowers it' },
      lazyNtkTheory: t.lazyTheory.fit ? { exponent: t.lazyTheory.fit.fit.exponent, regressionSe: t.lazyTheory.fit.fit.exponentSe,
        window: { tStart: t.lazyTheory.fit.window.tStart, tEnd: t.lazyTheory.fit.window.tEnd },
        finalLoss: t.lazyTheory.loss[t.lazyTheory.loss.length - 1] } : null,
      lazyNtkTheoryRotationAveraged: t.lazyTheorySymmetric.fit ? {
        exponent: t.lazyTheorySymmetric.fit.fit.exponent, regressionSe: t.lazyTheorySymmetric.fit.fit.exponentSe,
        window: { tStart: t.lazyTheorySymmetric.fit.window.tStart, tEnd: t.lazyTheorySymmetric.fit.window.tEnd },
        finalLoss: t.lazyTheorySymmetric.loss[t.lazyTheorySymmetric.loss.length - 1],
        note: 'Σ_k P_k (1 − η0 μ_k)^{2t} from the rotation-averaged NTK (Fourier eigenvectors, no finite-width leakage)' } : null,
      betaFromModes: t.betaFromModes,
      class: t.betaSymmetric.mean < 1 ? 'hard (β < 1)' : 'easy (β > 1)',
      chiLazy: t.chiLazy, chiRich: t.chiRich, expectedGain: t.expectedGain,
      runs: t.runs.map((run) => ({
        gamma0: run.gamma0,
        diverged: run.diverged,
        exponent: run.fit ? run.fit.fit.exponent : null,
        interval: run.fit?.interval ? { level: run.fit.interval.level, lower: run.fit.interval.lower, upper: run.fit.interval.upper, se: run.fit.interval.se } : null,
        regressionSe: run.fit ? run.fit.fit.exponentSe : null,
        window: run.fit ? { tStart: run.fit.window.tStart, tEnd: run.fit.window.tEnd, points: run.fit.window.points, rule: run.fit.window.rule, halves: run.fit.window.halves } : null,
        uncertainty: run.fit?.uncertainty ?? null,
        gainOverLazy: run.gain,
        gainOverRotationAveragedLazy: run.gainOverSymmetricLazy,
        finalLoss: run.ensemble ? run.ensemble.stats.mean[run.ensemble.stats.mean.length - 1] : null,
        warnings: run.fit?.warnings ?? [],
      })),
    })),
    seconds: r.seconds,
    flops: r.flops,
    warnings: r.warnings,
  }) as Record<string, unknown>;
}

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

export function sobolevSummary(r: SobolevResult): string {
  const c = r.config;
  const out: string[] = [];
  out.push(`ReLU MLP width ${c.width}, depth ${c.depth}, batch ${c.batch}, ${c.steps} steps, η0 = ${c.lr}, ${c.seeds} seeds`);
  out.push(`α = ${f3(r.alphaSymmetric.mean)} [${f3(r.alphaSymmetric.lower)}, ${f3(r.alphaSymmetric.upper)}] (rotation-averaged NTK; raw eigenvalues ${f3(r.alpha.mean)} [${f3(r.alpha.lower)}, ${f3(r.alpha.upper)}]; 95% over seeds) on k ∈ [${c.specWindow.join(', ')}]; known α = ${r.alphaKnown.value}`);
  for (const t of r.tasks) {
    out.push(`q = ${t.q}: β = ${f3(t.betaSymmetric.mean)} [${f3(t.betaSymmetric.lower)}, ${f3(t.betaSymmetric.upper)}] vs (2q−1)/α̂ = ${f3(t.betaExpected)}, same-window power-law model ${f3(t.betaModel)} (raw eigenvectors: ${f3(t.beta.mean)}); χ lazy ${f3(t.chiLazy)}, rich ${f3(t.chiRich)} (gain ${f3(t.expectedGain)})`);
    if (t.lazyTheory.fit) out.push(`  lazy NTK theory (B = ∞): χ = ${f3(t.lazyTheory.fit.fit.exponent)} on t ∈ [${t.lazyTheory.fit.window.tStart}, ${t.lazyTheory.fit.window.tEnd}]`);
    if (t.lazyTheorySymmetric.fit) out.push(`  lazy NTK theory, rotation-averaged NTK (no eigenvector leakage): χ = ${f3(t.lazyTheorySymmetric.fit.fit.exponent)} on the same window`);
    for (const run of t.runs) {
      if (!run.fit) {
        out.push(`  γ0 = ${run.gamma0}: ${run.diverged ?? 'no fit'}`);
        continue;
      }
      const iv = run.fit.interval;
      const ivs = iv ? ` [${f3(iv.lower)}, ${f3(iv.upper)}]` : '';
      const gain = (run.gain ? `, Δχ = ${f3(run.gain.value)} ± ${f3(run.gain.se)}` : '') +
        (run.gainOverSymmetricLazy ? `; vs the rotation-averaged lazy theory ${f3(run.gainOverSymmetricLazy.value)} ± ${f3(run.gainOverSymmetricLazy.se)}` : '');
      out.push(`  γ0 = ${run.gamma0}: χ = ${f3(run.fit.fit.exponent)}${ivs} on t ∈ [${run.fit.window.tStart}, ${run.fit.window.tEnd}]${gain}`);
    }
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

function lossPlot(r: SobolevResult, qi: number): PlotSpec {
  const t = r.tasks[qi]!;
  const curves = t.runs.filter((run) => run.ensemble).map((run, i) => ({
    label: `γ0 = ${run.gamma0}${run.fit ? `: χ = ${run.fit.fit.exponent.toFixed(3)}` : ''}`,
    steps: run.ensemble!.steps, mean: run.ensemble!.stats.mean,
    stderr: r.config.seeds >= 2 ? run.ensemble!.stats.stderr : new Float64Array(0), color: PALETTE[i % PALETTE.length],
  }));
  curves.push({
    label: `lazy NTK theory (B = ∞)${t.lazyTheory.fit ? `: χ = ${t.lazyTheory.fit.fit.exponent.toFixed(3)}` : ''}`,
    steps: t.lazyTheory.steps, mean: t.lazyTheory.loss, stderr: new Float64Array(0), color: '#000000', dashed: true,
  } as (typeof curves)[number]);
  curves.push({
    label: `lazy NTK theory, rotation-averaged NTK${t.lazyTheorySymmetric.fit ? `: χ = ${t.lazyTheorySymmetric.fit.fit.exponent.toFixed(3)}` : ''}`,
    steps: t.lazyTheorySymmetric.steps, mean: t.lazyTheorySymmetric.loss, stderr: new Float64Array(0), color: '#7a4fa0', dashed: true,
  } as (typeof curves)[number]);
  const spec = lossPlotSpec({
    title: `ReLU MLP on the circle, q = ${t.q} (β̂ = ${t.betaSymmetric.mean.toFixed(2)}, ${t.betaSymmetric.mean < 1 ? 'hard' : 'easy'})`,
    curves,
    xLabel: 'SGD step t',
    yLabel: 'population loss L(t)',
    notes: [`width ${r.config.width}, depth ${r.config.depth}, B = ${r.config.batch}, η0 = ${r.config.lr}, ${r.config.seeds} seeds (mean ± SE)`,
      `dashed: t^-χ lazy ${t.chiLazy.toFixed(3)} / rich ${t.chiRich.toFixed(3)} (χ(β̂), SPEC 4.1)`],
  });
  // Reference slopes anchored on the smallest-γ0 curve (lazy) and the largest (rich), over the fit window.
  const add = (run: (typeof t.runs)[number] | undefined, chi: number, label: string, color: string): void => {
    if (!run?.ensemble || !run.fit) return;
    const { tStart, tEnd } = run.fit.window;
    const i = run.ensemble.steps.findIndex((s) => s >= tStart);
    const y0 = run.ensemble.stats.mean[i]!;
    const s: Series = { label, x: [tStart, tEnd], y: [y0 * 1.5, y0 * 1.5 * Math.pow(tEnd / tStart, -chi)], dashed: true, color };
    spec.series.push(s);
  };
  add(t.runs[0], t.chiLazy, `t^-${t.chiLazy.toFixed(3)} (lazy χ = β̂)`, '#9a9a9a');
  if (t.chiRich !== t.chiLazy) add(t.runs[t.runs.length - 1], t.chiRich, `t^-${t.chiRich.toFixed(3)} (rich χ = 2β̂/(1+β̂))`, '#b03030');
  return spec;
}

function spectrumPlot(r: SobolevResult): PlotSpec {
  const sp = r.spectra[0]!;
  const series: Series[] = [];
  const m = modeSpectrum(sp.lambda, sp.power[0]!, 'circle');
  series.push({ label: 'NTK eigenvalue λ̄_k, raw pairs (seed 0)', x: m.k, y: m.lambda, color: PALETTE[0] });
  const sym = r.spectra[0]!.symmetricSpectrum;
  if (sym) {
    const keep = Array.from(sym.k.keys()).filter((i) => sym.lambda[i]! > 0);
    series.push({ label: 'rotation-averaged NTK λ_k (seed 0)', x: keep.map((i) => sym.k[i]!), y: keep.map((i) => sym.lambda[i]!), color: PALETTE[4], dashed: true });
  }
  const [k1, k2] = r.config.specWindow;
  const i1 = m.k.findIndex((k) => k >= k1);
  const a = r.alphaSymmetric.mean;
  const c = m.lambda[i1]! * Math.pow(k1, a);
  series.push({ label: `fit k^-${a.toFixed(3)} on k ∈ [${k1}, ${k2}] (×2 offset)`, x: [k1, k2], y: [c * Math.pow(k1, -a) * 2, c * Math.pow(k2, -a) * 2], dashed: true, color: '#707070' });
  r.config.q.forEach((q, qi) => {
    const color = PALETTE[(qi + 1) % PALETTE.length];
    const ms = r.spectra[0]!.symmetricSpectra[qi]!;
    const keepS = Array.from(ms.k.keys()).filter((i) => ms.power[i]! > 1e-14);
    series.push({ label: `target power P_k (Fourier), q = ${q}`, x: keepS.map((i) => ms.k[i]!), y: keepS.map((i) => ms.power[i]!), color });
    const mq = modeSpectrum(sp.lambda, sp.power[qi]!, 'circle');
    const keep = Array.from(mq.k.keys()).filter((i) => mq.power[i]! > 1e-14);
    series.push({ label: `target power in raw NTK eigenvector pairs, q = ${q}`, x: keep.map((i) => mq.k[i]!), y: keep.map((i) => mq.power[i]!), color, dashed: true });
  });
  return {
    title: `Initial NTK spectrum: ReLU MLP width ${r.config.width}, depth ${r.config.depth}, n = ${r.config.ntkPoints}`,
    xLabel: 'frequency k', yLabel: 'eigenvalue λ̄_k / target power P_k', series, logX: true, logY: true,
    notes: [`α̂ = ${a.toFixed(3)} (known 2); β̂ = ${r.tasks.map((t) => `${t.betaSymmetric.mean.toFixed(3)} (q = ${t.q})`).join(', ')}`],
  };
}

export async function writeSobolevOutputs(
  r: SobolevResult, outDir: string, meta: { argv: readonly string[]; startedAt: Date; endedAt: Date; threads: number },
): Promise<string[]> {
  const files: string[] = [];
  await atomicWrite(join(outDir, 'curve.csv'), sobolevCurveCsv(r));
  files.push('curve.csv');
  await atomicWrite(join(outDir, 'spectrum.csv'), sobolevSpectrumCsv(r));
  files.push('spectrum.csv');
  for (let qi = 0; qi < r.tasks.length; qi++) {
    if (!r.tasks[qi]!.runs.some((x) => x.ensemble)) continue;
    const base = `loss-q${r.tasks[qi]!.q}`;
    await writePlot(lossPlot(r, qi), outDir, base);
    files.push(`${base}.svg`, `${base}.png`);
  }
  await writePlot(spectrumPlot(r), outDir, 'spectrum');
  files.push('spectrum.svg', 'spectrum.png');
  files.push('run.json');
  const run = {
    richscale: richscaleVersion(),
    command: ['richscale', ...meta.argv].map(shellQuote).join(' '),
    argv: [...meta.argv],
    startedAt: meta.startedAt.toISOString(), endedAt: meta.endedAt.toISOString(),
    wallSeconds: (meta.endedAt.getTime() - meta.startedAt.getTime()) / 1000,
    node: process.version, cpus: availableParallelism(), threads: meta.threads,
    model: 'ReLU MLP, mean-field/μP: f = (w·φ(h^L)/N − same at init)/γ0, η = η0·γ0²·N, x̃ = (cos θ, sin θ, 1)/√2 (docs/mlp.md)',
    config: jsonSafe(r.config),
    seeds: { seed: r.config.seed, count: r.config.seeds, streams: `0..${r.config.seeds - 1}` },
    // Undefined statistics (an interval or SE over a single seed) are null, as in simulate's run.json.
    ...(nanToNull(sobolevJson(r)) as Record<string, unknown>),
    files,
  };
  await atomicWrite(join(outDir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
  return files;
}

/** Deep copy with the 'nan' strings of jsonSafe (undefined values) as null; 'inf' strings stay. */
function nanToNull(v: unknown): unknown {
  if (v === 'nan' || (typeof v === 'number' && Number.isNaN(v))) return null;
  if (Array.isArray(v)) return v.map(nanToNull);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nanToNull(x)]));
  }
  return v;
}
