/** Everything `richscale regimes` reports for a task (SPEC 4): regime, exponents, compute-optimal laws, Paquette map. */
import { computeOptimal, hardComputeGain, type ComputeOptimal } from './computeOptimal.js';
import { crossoverTime } from './crossover.js';
import { modelSizeExponent, timeExponent, type Dynamics } from './exponents.js';
import { toPaquette, type PaquetteMapping } from './paquette.js';
import { classifyTask, regimeDescription, superEasyBoundary, type Regime } from './regimes.js';

export interface RegimeReport {
  alpha: number;
  beta: number;
  /** γ if given: then `dynamics` is the one that applies at late times; else both are listed. */
  gamma: number | null;
  regime: Regime;
  description: string;
  boundaries: { hardEasy: number; easySuperEasy: number };
  timeExponent: Record<Dynamics, number>;
  modelSizeExponent: number;
  computeOptimal: Record<Dynamics, ComputeOptimal>;
  /** Rich/lazy ratio of the compute exponents (hard tasks; 1 otherwise). */
  computeGain: number;
  /** Order-of-magnitude lazy → rich crossover step t_× ~ γ^{-1/(1-β)} (hard tasks with γ > 0). */
  crossoverStep: number | null;
  /** The dynamics that applies at late times for the given γ (null when γ not given). */
  applies: Dynamics | null;
  paquette: PaquetteMapping;
}

export function regimeReport(alpha: number, beta: number, gamma: number | null = null): RegimeReport {
  if (!(alpha > 1) || !Number.isFinite(alpha)) throw new RangeError(`alpha = ${alpha} is out of range: must be a finite number > 1`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`beta = ${beta} is out of range: must be a finite number > 0`);
  if (gamma !== null && (!(gamma >= 0) || !Number.isFinite(gamma))) {
    throw new RangeError(`gamma = ${gamma} is out of range: must be a finite number ≥ 0`);
  }
  const regime = classifyTask(alpha, beta);
  return {
    alpha, beta, gamma, regime,
    description: regimeDescription(regime),
    boundaries: { hardEasy: 1, easySuperEasy: superEasyBoundary(alpha) },
    timeExponent: { lazy: timeExponent(beta, 'lazy'), rich: timeExponent(beta, 'rich') },
    modelSizeExponent: modelSizeExponent(alpha, beta),
    computeOptimal: { lazy: computeOptimal(alpha, beta, 'lazy'), rich: computeOptimal(alpha, beta, 'rich') },
    computeGain: regime === 'hard' ? hardComputeGain(alpha, beta) : 1,
    crossoverStep: gamma !== null && gamma > 0 && regime === 'hard' ? crossoverTime(beta, gamma) : null,
    applies: gamma === null ? null : gamma > 0 ? 'rich' : 'lazy',
    paquette: toPaquette(alpha, beta),
  };
}

const f = (x: number): string => String(+x.toPrecision(4));

/** A plain-text table of the report. */
export function formatRegimeReport(r: RegimeReport): string {
  const rows: Array<[string, string, string]> = [
    ['', 'lazy (γ = 0)', 'rich (γ > 0)'],
    ['time exponent χ: L ~ t^-χ', f(r.timeExponent.lazy), f(r.timeExponent.rich)],
    ['model-size exponent: L ~ N^-x', f(r.modelSizeExponent), f(r.modelSizeExponent)],
    ['compute-optimal L* ~ C^-x', f(r.computeOptimal.lazy.lossExponent), f(r.computeOptimal.rich.lossExponent)],
    ['compute-optimal N* ~ C^x', f(r.computeOptimal.lazy.modelExponent), f(r.computeOptimal.rich.modelExponent)],
    ['compute-optimal t* ~ C^x', f(r.computeOptimal.lazy.timeExponent), f(r.computeOptimal.rich.timeExponent)],
    ['terms balanced', r.computeOptimal.lazy.balance, r.computeOptimal.rich.balance],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = [
    `task α = ${f(r.alpha)}, β = ${f(r.beta)}${r.gamma !== null ? `, γ = ${f(r.gamma)}` : ''}: ${r.description}`,
    `boundaries: hard | easy at β = 1, easy | super-easy at β = 2 - 1/α = ${f(r.boundaries.easySuperEasy)}`,
    '',
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
    '',
    `rich/lazy compute-exponent ratio: ${f(r.computeGain)}`,
  ];
  if (r.applies !== null) lines.push(`at late times γ = ${f(r.gamma!)} follows the ${r.applies} column`);
  if (r.crossoverStep !== null) lines.push(`lazy → rich crossover near t_× ~ γ^{-1/(1-β)} ≈ ${r.crossoverStep.toPrecision(3)} steps (order of magnitude, SPEC 4.7)`);
  lines.push(`Paquette et al. (γ = 0): α_P = ${f(r.paquette.alphaP)}, β_P = ${f(r.paquette.betaP)}, phase ${r.paquette.phase}`);
  return lines.join('\n');
}
