/** frontier.json, frontier.csv and the Fig. 4-style plots of a frontier run. */
import { join } from 'node:path';
import { atomicWrite } from '../io/atomicWrite.js';
import { configToJson, jsonSafe } from '../io/runJson.js';
import { writePlot, type PlotSpec, type Series } from '../plot/index.js';
import { PALETTE } from '../plot/svg.js';
import type { FrontierResult } from './run.js';

/** A fitted number with 3 decimals, or 'n/a' when the fit has none (NaN: too few frontier points). */
const fx = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const fmtCi = (ci: [number, number] | null): string => (ci && Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? `[${fx(ci[0])}, ${fx(ci[1])}]` : 'n/a');

export function frontierSummary(r: FrontierResult): string {
  const lines = [
    `frontier α = ${r.config.alpha}, β = ${r.config.beta}, N = ${r.config.N.join(',')}, T = ${r.config.steps}, ` +
      `M = ${r.config.M}, ${r.config.seeds} seeds (${r.computedPoints} points computed, ${r.resumedPoints} resumed)`,
    'γ     L* exponent (95% CI)        theory  N* exponent (95% CI)        theory  window C',
  ];
  for (const g of r.results) {
    const w = g.fit.window ? `${g.fit.window[0].toExponential(1)}–${g.fit.window[1].toExponential(1)}` : 'none';
    lines.push(
      `${String(g.gamma).padEnd(5)} ${fx(g.fit.lossExponent.value)} ${fmtCi(g.fit.lossExponent.ci).padEnd(18)}  ` +
        `${g.theory.lossExponent.toFixed(3)}   ${fx(g.fit.modelExponent.value)} ${fmtCi(g.fit.modelExponent.ci).padEnd(18)}  ` +
        `${g.theory.modelExponent.toFixed(3)}   ${w}`,
    );
    for (const warning of g.fit.warnings) lines.push(`  warning (γ = ${g.gamma}): ${warning}`);
  }
  return lines.join('\n');
}

export function frontierJson(r: FrontierResult): Record<string, unknown> {
  return jsonSafe({
    config: configToJson(r.config), configHash: r.configHash, seconds: r.seconds,
    computedPoints: r.computedPoints, resumedPoints: r.resumedPoints,
    computeConvention: 'C = N·t (SPEC 4.5)',
    results: r.results.map((g) => ({
      gamma: g.gamma, dynamics: g.dynamics,
      lossExponent: { ...g.fit.lossExponent, theory: g.theory.lossExponent },
      modelExponent: { ...g.fit.modelExponent, theory: g.theory.modelExponent },
      window: g.fit.window, interiorPoints: g.fit.interiorPoints, warnings: g.fit.warnings,
      frontier: g.fit.points,
    })),
  }) as Record<string, unknown>;
}

function frontierCsv(r: FrontierResult): string {
  const rows = ['gamma,C,loss_star,N_star,edge'];
  for (const g of r.results) for (const p of g.fit.points) rows.push(`${g.gamma},${p.C},${p.loss},${p.Nstar},${p.edge}`);
  return rows.join('\n') + '\n';
}

/** Loss vs compute C = N·t for each width (thin) and the frontier (thick), one plot per γ, plus an overlay. */
function plots(r: FrontierResult): Array<[string, PlotSpec]> {
  const out: Array<[string, PlotSpec]> = [];
  const overlay: Series[] = [];
  r.results.forEach((g, gi) => {
    const series: Series[] = g.curves.map((c, i) => {
      const mean = c.steps.map((_, j) => c.perSeed.reduce((a, s) => a + s[j]!, 0) / c.perSeed.length);
      return { label: `N = ${c.N}`, x: c.steps.map((t) => t * c.N), y: mean, color: PALETTE[i % PALETTE.length] };
    });
    const env = g.fit.points;
    const fitLabel = Number.isFinite(g.fit.lossExponent.value) ? `fit C^-${fx(g.fit.lossExponent.value)}` : 'no fit';
    const frontier: Series = { label: `frontier L*(C), ${fitLabel}`, x: env.map((p) => p.C), y: env.map((p) => p.loss), color: '#000000', dashed: true };
    out.push([`frontier-gamma${g.gamma}`, {
      title: `compute-optimal frontier, γ = ${g.gamma} (${g.dynamics}), α = ${r.config.alpha}, β = ${r.config.beta}`,
      xLabel: 'compute C = N·t', yLabel: 'loss L', logX: true, logY: true,
      series: [...series, frontier],
      notes: [`theory L* ~ C^-${g.theory.lossExponent.toFixed(3)}, N* ~ C^${g.theory.modelExponent.toFixed(3)} (SPEC 4.5)`,
        `fit: L* exponent ${fx(g.fit.lossExponent.value)}, N* exponent ${fx(g.fit.modelExponent.value)}`],
    }]);
    overlay.push({ label: `γ = ${g.gamma} (${g.dynamics}): fit ${fx(g.fit.lossExponent.value)}, theory ${g.theory.lossExponent.toFixed(3)}`,
      x: env.map((p) => p.C), y: env.map((p) => p.loss), color: PALETTE[gi % PALETTE.length] });
  });
  out.push(['frontier', {
    title: `compute-optimal frontiers L*(C), α = ${r.config.alpha}, β = ${r.config.beta}`,
    xLabel: 'compute C = N·t', yLabel: 'frontier loss L*(C)', logX: true, logY: true, series: overlay,
    notes: [`widths N = ${r.config.N.join(', ')}; ${r.config.seeds} seeds`],
  }]);
  return out;
}

export async function writeFrontierOutputs(r: FrontierResult, dir: string): Promise<string[]> {
  const files: string[] = [];
  await atomicWrite(join(dir, 'frontier.csv'), frontierCsv(r));
  files.push('frontier.csv');
  for (const [name, spec] of plots(r)) {
    await writePlot(spec, dir, name);
    files.push(`${name}.png`, `${name}.svg`);
  }
  await atomicWrite(join(dir, 'frontier.json'), JSON.stringify({ ...frontierJson(r), files: [...files, 'frontier.json'] }, null, 2) + '\n');
  files.push('frontier.json');
  return files;
}
