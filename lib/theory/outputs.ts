/**
 * Files of `richscale theory` and `richscale compare`, in the layout of `simulate`: curve.csv, run.json, loss.png/svg;
 * compare adds compare.csv (per-step deviations) and compare.png/svg (simulation bands with theory lines).
 */
import { join } from 'node:path';
import { atomicWrite } from '../io/atomicWrite.js';
import { configToJson, jsonSafe } from '../io/runJson.js';
import { richscaleVersion } from '../io/version.js';
import { REFERENCE_COLOR, referenceLine, writePlot, type PlotSpec, type Series } from '../plot/index.js';
import { PALETTE } from '../plot/svg.js';
import type { EnsembleResult, ResolvedSimulateConfig, SweepResult } from '../simulate/sweep.js';
import { theoryWidth, type Solver } from './dispatch.js';
import type { TheoryCurve } from './types.js';

export interface TheoryRun { N: number; gamma: number; solver: Solver; curve: TheoryCurve; seconds: number }

const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(x));

/** The width a run's curve is for, as written: N, or 'inf' for an N = ∞ solver. */
const widthText = (config: ResolvedSimulateConfig, r: TheoryRun): string => {
  const w = theoryWidth(config, r.N, r.gamma, r.solver);
  return Number.isFinite(w) ? String(w) : 'inf';
};

/**
 * theory: one row per step, N = the width the curve is for ('inf' for N = ∞ solvers). compare (`simN`): N is the
 * simulated width the theory line is compared with, and theory_N says which width the theory itself has.
 */
function theoryCsv(config: ResolvedSimulateConfig, runs: TheoryRun[], simN = false): string {
  const rows = [simN ? 'gamma,N,theory_N,step,loss,loss_stderr,solver' : 'gamma,N,step,loss,loss_stderr,solver'];
  for (const r of runs) {
    const n = simN ? `${r.N},${widthText(config, r)}` : widthText(config, r);
    r.curve.steps.forEach((t, i) => rows.push(`${r.gamma},${n},${t},${num(r.curve.loss[i])},${num(r.curve.lossStderr?.[i])},${r.solver}`));
  }
  return rows.join('\n') + '\n';
}

const positive = (steps: Float64Array, y: Float64Array): { x: number[]; y: number[] } => {
  const x: number[] = [];
  const v: number[] = [];
  steps.forEach((t, i) => { if (t > 0 && y[i]! > 0 && Number.isFinite(y[i]!)) { x.push(t); v.push(y[i]!); } });
  return { x, y: v };
};

export function theoryPlotSpec(config: ResolvedSimulateConfig, runs: TheoryRun[], sims: EnsembleResult[] = []): PlotSpec {
  const series: Series[] = [];
  runs.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const sim = sims.find((s) => s.N === r.N && s.gamma === r.gamma);
    if (sim) {
      const idx = Array.from(sim.steps.keys()).filter((j) => sim.steps[j]! > 0 && sim.loss.mean[j]! > 0);
      series.push({
        label: `simulation γ = ${r.gamma}, N = ${r.N} (mean ± SE)`, color,
        x: idx.map((j) => sim.steps[j]!), y: idx.map((j) => sim.loss.mean[j]!),
        lower: idx.map((j) => sim.loss.mean[j]! - sim.loss.stderr[j]!), upper: idx.map((j) => sim.loss.mean[j]! + sim.loss.stderr[j]!),
      });
    }
    const p = positive(r.curve.steps, r.curve.loss);
    const width = widthText(config, r) === 'inf' ? '∞' : String(r.N);
    series.push({ label: `theory (${r.solver}) γ = ${r.gamma}, N = ${width}${sim && width === '∞' ? ` (vs sim N = ${r.N})` : ''}`,
      color, dashed: sim !== undefined, ...p });
  });
  // The lazy reference slope t^-β (as in simulate's plot), anchored on the first theory curve.
  const first = runs[0];
  const ref = first ? referenceLine(first.curve.steps, first.curve.loss, config.beta) : null;
  if (ref) series.push({ label: `lazy reference t^-β (β = ${config.beta})`, x: ref.x, y: ref.y, dashed: true, color: REFERENCE_COLOR });
  return {
    title: `${sims.length > 0 ? 'simulation vs theory' : 'theory'}: α = ${config.alpha}, β = ${config.beta}`,
    xLabel: 'SGD step t', yLabel: 'loss L(t)', logX: true, logY: true, series,
    notes: [`M = ${config.M}, η = ${config.eta}, B = ${Number.isFinite(config.batch) ? config.batch : '∞'}` +
      (sims.length > 0 ? `, ${config.seeds} seeds` : '')],
  };
}

export interface Deviation { gamma: number; N: number; solver: Solver; worstZ: number; worstZStep: number; worstRel: number; worstRelStep: number }

/** Per-step deviation rows and, per run, the worst |z| and relative deviation after the first `skip` steps. */
export function deviations(runs: TheoryRun[], sims: EnsembleResult[], skip = 5): { csv: string; worst: Deviation[] } {
  const rows = ['gamma,N,step,sim_mean,sim_stderr,theory,theory_stderr,rel_dev,z'];
  const worst: Deviation[] = [];
  for (const r of runs) {
    const sim = sims.find((s) => s.N === r.N && s.gamma === r.gamma)!;
    const w: Deviation = { gamma: r.gamma, N: r.N, solver: r.solver, worstZ: 0, worstZStep: -1, worstRel: 0, worstRelStep: -1 };
    sim.steps.forEach((t, j) => {
      const m = sim.loss.mean[j]!;
      const se = sim.loss.stderr[j]!;
      const th = r.curve.loss[j]!;
      const thSe = r.curve.lossStderr?.[j];
      const rel = (th - m) / m;
      const s = Math.sqrt(se * se + (thSe !== undefined && Number.isFinite(thSe) ? thSe * thSe : 0));
      const z = s > 0 ? (th - m) / s : NaN;
      rows.push(`${r.gamma},${r.N},${t},${m},${num(se)},${num(th)},${num(thSe)},${num(rel)},${num(z)}`);
      if (t > skip) {
        if (Math.abs(z) > Math.abs(w.worstZ)) { w.worstZ = z; w.worstZStep = t; }
        if (Math.abs(rel) > Math.abs(w.worstRel)) { w.worstRel = rel; w.worstRelStep = t; }
      }
    });
    worst.push(w);
  }
  return { csv: rows.join('\n') + '\n', worst };
}

export function formatDeviations(worst: Deviation[]): string {
  const lines = ['γ      N      solver      worst |z| (step)   worst rel. dev. (step)   [after the first 5 steps]'];
  for (const w of worst) {
    lines.push(`${String(w.gamma).padEnd(6)} ${String(w.N).padEnd(6)} ${w.solver.padEnd(11)} ${Math.abs(w.worstZ).toFixed(2).padStart(6)} (${w.worstZStep})`.padEnd(46) +
      `${(100 * w.worstRel).toFixed(2)}% (${w.worstRelStep})`);
  }
  return lines.join('\n');
}

export async function writeTheoryOutputs(
  dir: string, config: ResolvedSimulateConfig, runs: TheoryRun[], meta: { argv: readonly string[]; startedAt: Date; seconds: number },
  sim?: SweepResult,
): Promise<string[]> {
  const files: string[] = [];
  if (sim) {
    const dev = deviations(runs, sim.runs);
    await atomicWrite(join(dir, 'compare.csv'), dev.csv);
    await atomicWrite(join(dir, 'theory.csv'), theoryCsv(config, runs, true));
    await writePlot(theoryPlotSpec(config, runs, sim.runs), dir, 'compare');
    files.push('compare.csv', 'theory.csv', 'compare.png', 'compare.svg');
  } else {
    await atomicWrite(join(dir, 'curve.csv'), theoryCsv(config, runs));
    await writePlot(theoryPlotSpec(config, runs), dir, 'loss');
    files.push('curve.csv', 'loss.png', 'loss.svg');
  }
  const runJson = {
    richscale: richscaleVersion(), command: `richscale ${meta.argv.join(' ')}`, argv: meta.argv,
    startedAt: meta.startedAt.toISOString(), endedAt: new Date().toISOString(), seconds: meta.seconds,
    config: configToJson(config),
    theory: runs.map((r) => ({ gamma: r.gamma, N: r.N, width: widthText(config, r), solver: r.solver, seconds: r.seconds, truncationFloor: r.curve.truncationFloor,
      diagnostics: r.curve.diagnostics, notes: r.curve.notes })),
    ...(sim ? { simulation: { seconds: sim.seconds, flops: sim.flops, backend: sim.backend, truncationFloor: sim.truncationFloor },
      deviations: deviations(runs, sim.runs).worst } : {}),
    files: [...files, 'run.json'],
  };
  await atomicWrite(join(dir, 'run.json'), JSON.stringify(jsonSafe(runJson), null, 2) + '\n');
  files.push('run.json');
  return files;
}
