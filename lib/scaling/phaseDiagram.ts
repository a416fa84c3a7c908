/**
 * Fig. 1 of the paper (SPEC 5): (a) χ(β) lazy vs rich; (b, c) the (α, β) phase plots, lazy and rich, each region
 * labelled by the transition between loss terms as t → ∞ (SPEC 4.3–4.5) and its compute-optimal loss exponent.
 */
import type { PlotSpec, Region, Annotation } from '../plot/types.js';
import { timeExponent, type Dynamics } from './exponents.js';
import { superEasyBoundary } from './regimes.js';

const ALPHA_RANGE: [number, number] = [1, 4];
const BETA_RANGE: [number, number] = [0, 3];
const COLORS = { hard: '#D55E00', easy: '#0072B2', superEasy: '#009E73' } as const;

/** (a) χ(β) for lazy (χ = β) and rich (χ = β·max{1, 2/(1+β)}) learning. */
export function chiPlotSpec(): PlotSpec {
  const beta = Array.from({ length: 251 }, (_, i) => (i * 2.5) / 250);
  return {
    title: '(a) time exponent χ(β): L ~ t^-χ',
    xLabel: 'source exponent β',
    yLabel: 'time exponent χ',
    logX: false,
    logY: false,
    xDomain: [0, 2.5],
    yDomain: [0, 2.5],
    series: [
      { label: 'lazy: χ = β', x: beta, y: beta.map((b) => timeExponent(b, 'lazy')), dashed: true, color: '#0072B2' },
      { label: 'rich: χ = β max(1, 2/(1+β))', x: beta, y: beta.map((b) => timeExponent(b, 'rich')), color: '#D55E00' },
    ],
    regions: [{ x: [0, 1, 1, 0], y: [0, 0, 2.5, 2.5], fill: COLORS.hard, opacity: 0.08 }],
    annotations: [{ x: 0.5, y: 1.4, text: 'hard: β < 1' }, { x: 1.8, y: 0.5, text: 'easy / super-easy: χ lazy = rich' }],
    notes: ['rich doubles χ as β → 0 (2β/(1+β)); unchanged for β ≥ 1'],
  };
}

/** (b, c) the (α, β) plane split into hard / easy / super-easy, labelled for lazy or rich dynamics. */
export function phasePlotSpec(dynamics: Dynamics): PlotSpec {
  const alphas = Array.from({ length: 121 }, (_, i) => ALPHA_RANGE[0] + ((ALPHA_RANGE[1] - ALPHA_RANGE[0]) * i) / 120);
  const boundary = alphas.map(superEasyBoundary);
  const [a0, a1] = ALPHA_RANGE;
  const [b0, b1] = BETA_RANGE;
  const regions: Region[] = [
    { x: [a0, a1, a1, a0], y: [b0, b0, 1, 1], fill: COLORS.hard },
    { x: [...alphas, ...[...alphas].reverse()], y: [...alphas.map(() => 1), ...[...boundary].reverse()], fill: COLORS.easy },
    { x: [...alphas, a1, a0], y: [...boundary, b1, b1], fill: COLORS.superEasy },
  ];
  const hardLabel = dynamics === 'lazy' ? 't^-β → N^-αβ' : 't^-2β/(1+β) → N^-αβ';
  const hardLoss = dynamics === 'lazy' ? 'L* ~ C^-αβ/(1+α)' : 'L* ~ C^-2αβ/(2+α(1+β))';
  const annotations: Annotation[] = [
    { x: 2.5, y: 0.62, text: `hard: ${hardLabel}` },
    { x: 2.5, y: 0.38, text: hardLoss, size: 12 },
    { x: 2.9, y: 1.42, text: 'easy: t^-β → (1/N) t^-(1-1/α)' },
    { x: 2.9, y: 1.2, text: 'L* ~ C^-αβ/(αβ+1)', size: 12 },
    { x: 2.5, y: 2.2, text: 'super-easy: (η/B) t^-(2-1/α) → (1/N) t^-(1-1/α)' },
    { x: 2.5, y: 2.0, text: 'L* ~ C^-(1-1/(2α))', size: 12 },
  ];
  return {
    title: dynamics === 'lazy' ? '(b) phase plot, lazy (γ = 0)' : '(c) phase plot, rich (γ > 0)',
    xLabel: 'capacity exponent α',
    yLabel: 'source exponent β',
    logX: false,
    logY: false,
    xDomain: ALPHA_RANGE,
    yDomain: BETA_RANGE,
    series: [
      { label: 'β = 1 (hard | easy)', x: [a0, a1], y: [1, 1], color: '#444444' },
      { label: 'β = 2 - 1/α (easy | super-easy)', x: alphas, y: boundary, color: '#444444', dashed: true },
    ],
    regions,
    annotations,
    notes: [
      'labels: the loss terms that cross as t → ∞ (SPEC 4.3)',
      dynamics === 'rich' ? 'rich changes only the hard region' : 'lazy = Paquette et al. phases I–III',
    ],
    width: 820,
    height: 600,
  };
}
