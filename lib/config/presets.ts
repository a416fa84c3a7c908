/**
 * Named `simulate` presets: complete configs that config files and flags layer over.
 * Task classes at α = 2 (SPEC 1): hard β < 1, easy 1 < β < 2 - 1/α = 1.5, super-easy β > 1.5.
 * Each preset runs two lines, γ = 0 (lazy) and γ = 0.5 (rich).
 *
 * Why these sizes (README "Presets"): M = 2048 keeps the truncation floor (≈ M^{-αβ}/(αβ), SPEC 8.2) 25× below the
 * hard task's final loss and far above the learning front k*(T) ≈ T^{2/(α(1+β))} ≈ 200 (rich) at T = 3000; N = 512
 * puts the model bottleneck (N^{-αβ} plateau, reached when k* ~ N) beyond T for the lazy line, so the curves show
 * the time exponents, not the plateau. η = 0.25 keeps the rich run stable: at γ = 0.5 the kernel grows by
 * 1 + γ|w|² and η = 0.5 becomes unstable near t ≈ 200 (SPEC 8.2). B = 64 with the exact O(M) sampler is online SGD
 * at the cost of population GD. 2 × 8 seed runs take about 20 s on 2 cores.
 */
import type { ResolvedSimulateConfig } from '../simulate/sweep.js';
import { ConfigError } from './errors.js';

/** Sizes shared by the presets below (the one place to tune run cost). */
const COMMON = {
  M: 2048,
  N: [512],
  gamma: [0, 0.5],
  eta: 0.25,
  batch: 64,
  data: Infinity,
  model: 'projected',
  sampler: 'exact',
  init: 'gaussian',
  steps: 3000,
  record: 'log',
  recordPoints: 60,
  seeds: 8,
  seed: 0,
  perSeed: false,
  precision: 'float64',
} as const satisfies Omit<ResolvedSimulateConfig, 'alpha' | 'beta' | 'N' | 'gamma'> & { N: readonly number[]; gamma: readonly number[] };

interface PresetEntry {
  /** One line for help text. */
  describe: string;
  config: Omit<ResolvedSimulateConfig, 'N' | 'gamma'> & { N: readonly number[]; gamma: readonly number[] };
}

/** The preset table. */
export const PRESETS = {
  hard: {
    describe: 'hard task, β < 1 (outside the RKHS): α = 2, β = 0.5; lazy vs rich',
    config: { ...COMMON, alpha: 2, beta: 0.5 },
  },
  easy: {
    describe: 'easy task, 1 < β < 2 - 1/α: α = 2, β = 1.2; lazy vs rich',
    config: { ...COMMON, alpha: 2, beta: 1.2 },
  },
  'super-easy': {
    describe: 'super-easy task, β > 2 - 1/α: α = 2, β = 1.8; lazy vs rich',
    config: { ...COMMON, alpha: 2, beta: 1.8 },
  },
} as const satisfies Record<string, PresetEntry>;

export type PresetName = keyof typeof PRESETS;
export const DEFAULT_PRESET: PresetName = 'hard';

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** A fresh copy of a preset's config; unknown names throw a ConfigError listing the valid ones. */
export function getPreset(name: string): ResolvedSimulateConfig {
  if (!isPresetName(name)) {
    throw new ConfigError(
      `config: unknown preset '${name}' (valid presets: ${Object.keys(PRESETS).join(', ')})`,
    );
  }
  const c = PRESETS[name].config;
  return { ...c, N: [...c.N], gamma: [...c.gamma] };
}

export function listPresets(): Array<{ name: PresetName; describe: string }> {
  return (Object.keys(PRESETS) as PresetName[]).map((name) => ({ name, describe: PRESETS[name].describe }));
}

/** Help text: one preset per line. */
export function presetsHelp(indent = '  '): string {
  const names = listPresets();
  const width = Math.max(...names.map((p) => p.name.length));
  return names
    .map((p) => `${indent}${p.name.padEnd(width)}  ${p.describe}${p.name === DEFAULT_PRESET ? ' (default)' : ''}`)
    .join('\n');
}

/** A preset's main values on one line, from the table: "hard preset: α = 2, β = 0.5, M = 2048, …". */
export function presetValuesLine(name: PresetName = DEFAULT_PRESET): string {
  const c = PRESETS[name].config;
  const v = (x: number): string => (x === Infinity ? 'inf' : String(x));
  return (
    `${name} preset: α = ${v(c.alpha)}, β = ${v(c.beta)}, M = ${v(c.M)}, N = ${c.N.map(v).join(',')}, ` +
    `γ = ${c.gamma.map(v).join(',')}, η = ${v(c.eta)}, B = ${v(c.batch)}` +
    (Number.isFinite(c.data) ? `, P = ${v(c.data)}` : '') +
    `, steps = ${v(c.steps)}, seeds = ${v(c.seeds)}`
  );
}
