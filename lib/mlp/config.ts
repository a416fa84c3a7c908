/**
 * Configuration of `richscale sobolev` (docs/mlp.md): one zod schema, unknown keys are errors, every problem is
 * one phrase naming the key, the value and the allowed range ("config: width = 0 is out of range: …").
 */
import { z } from 'zod';
import { ConfigError, showValue } from '../config/errors.js';
import { paramCount } from './bindings.js';

export interface SobolevConfig {
  width: number;
  depth: number;
  batch: number;
  steps: number;
  /** η0: SGD step is η = η0·γ0²·N. */
  lr: number;
  gamma0: number[];
  /** Target exponents q (y = Σ k^-q cos kθ); default hard 1.0 and easy 1.75. */
  q: number[];
  /** Target frequencies k = 1..K. */
  K: number;
  /** Population-loss grid points. */
  grid: number;
  /** NTK points on the circle. */
  ntkPoints: number;
  /** Mode window [k1, k2] (frequencies) of the α and β fits. */
  specWindow: [number, number];
  /** Step window [t1, t2] of the time-exponent fits, or 'auto' (lib/fit/window.ts). */
  fitWindow: [number, number] | 'auto';
  recordPoints: number;
  seeds: number;
  seed: number;
  bootstrap: number;
}

/** Defaults (docs/mlp.md "Sizes"): about 3 minutes on 2 cores. */
export const SOBOLEV_DEFAULTS: SobolevConfig = {
  width: 256, depth: 2, batch: 32, steps: 10000, lr: 0.25, gamma0: [0.001, 0.5, 1], q: [1, 1.75], K: 512, grid: 2048,
  ntkPoints: 1024, specWindow: [4, 64], fitWindow: [100, 10000], recordPoints: 40, seeds: 3, seed: 1, bootstrap: 500,
};

const RULES: Record<keyof SobolevConfig, string> = {
  width: 'an integer in [2, 8192] (hidden width N)',
  depth: 'an integer in [1, 8] (hidden ReLU layers)',
  batch: 'an integer in [1, 65536] (fresh samples per SGD step)',
  steps: 'an integer in [10, 1e8] (SGD steps)',
  lr: 'a finite number > 0 (η0; the step is η0·γ0²·N)',
  gamma0: 'a finite number > 0 or a non-empty list of them (richness γ0)',
  q: 'a number > 0.5 or a non-empty list of them (target exponent: power k^-2q per frequency)',
  K: 'an integer in [1, 100000] (target frequencies)',
  grid: 'an integer in [16, 1000000] (population-loss grid points)',
  ntkPoints: 'an integer in [16, 8192] (NTK points on the circle)',
  specWindow: "two integers k1:k2 with 1 ≤ k1 < k2 (frequency window of the α, β fits)",
  fitWindow: "'auto' or two numbers t1:t2 with 0 < t1 < t2 (step window of the time-exponent fits)",
  recordPoints: 'an integer in [4, 10000] (points of the log record grid)',
  seeds: 'an integer in [1, 1000] (seeds per γ0 and target)',
  seed: 'an integer in [0, 2^53-1] (run seed; seed index s uses stream s)',
  bootstrap: 'an integer in [0, 100000] (bootstrap resamples over seeds)',
};

const intIn = (a: number, b: number) => z.number().int().min(a).max(b);
const list = (item: z.ZodType<number>) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
const pair = z.tuple([z.number(), z.number()]);

const schema = z.strictObject({
  width: intIn(2, 8192).optional(),
  depth: intIn(1, 8).optional(),
  batch: intIn(1, 65536).optional(),
  steps: intIn(10, 1e8).optional(),
  lr: z.number().gt(0).refine(Number.isFinite).optional(),
  gamma0: list(z.number().gt(0).refine(Number.isFinite)).optional(),
  q: list(z.number().gt(0.5).refine(Number.isFinite)).optional(),
  K: intIn(1, 100000).optional(),
  grid: intIn(16, 1e6).optional(),
  ntkPoints: intIn(16, 8192).optional(),
  specWindow: pair.refine(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 1 && b > a).optional(),
  fitWindow: z.union([z.literal('auto'), pair.refine(([a, b]) => a > 0 && b > a && Number.isFinite(b))]).optional(),
  recordPoints: intIn(4, 10000).optional(),
  seeds: intIn(1, 1000).optional(),
  seed: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
  bootstrap: intIn(0, 100000).optional(),
});

export type SobolevConfigInput = z.input<typeof schema>;

/** JSON Schema (draft 2020-12) of a `richscale sobolev --config` file (schema/sobolev.schema.json). */
export function sobolevJsonSchema(): Record<string, unknown> {
  // The descriptions are the rules of the error messages; the numeric refinements (finite, k1 < k2) are not expressible.
  const described = z.strictObject(Object.fromEntries(Object.entries(schema.shape).map(([k, v]) =>
    [k, (v as z.ZodType).meta({ description: RULES[k as keyof SobolevConfig] })])));
  const js = z.toJSONSchema(described, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return {
    $schema: js.$schema, title: 'richscale sobolev config',
    description: 'Config file for `richscale sobolev --config FILE` (JSON or YAML); every key optional, flags override it; unknown keys are errors.',
    ...Object.fromEntries(Object.entries(js).filter(([k]) => k !== '$schema')),
  };
}

/** Smallest SGD step η = η0·γ0²·N accepted (a smaller one underflows or makes no progress in any affordable run). */
export const MIN_STEP = 1e-12;

/** Validate one layer (file or flags) and merge it over `base`; cross-field checks on the result. */
export function resolveSobolevConfig(base: SobolevConfig, layers: { input: unknown; label: string }[]): SobolevConfig {
  let out: SobolevConfig = { ...base };
  let fitWindowSet = false;
  for (const { input, label } of layers) {
    const r = schema.safeParse(input);
    if (!r.success) {
      const problems = r.error.issues.map((iss) => {
        const key = String(iss.path[0] ?? '');
        if (iss.code === 'unrecognized_keys') {
          return `${label}: unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')} (allowed: ${Object.keys(RULES).join(', ')})`;
        }
        const value = (input as Record<string, unknown>)[key];
        const rule = RULES[key as keyof SobolevConfig] ?? iss.message;
        return `${label}: ${key} = ${showValue(value)} is not valid: must be ${rule}`;
      });
      throw new ConfigError(problems);
    }
    const v = Object.fromEntries(Object.entries(r.data).filter(([, x]) => x !== undefined)) as Partial<SobolevConfig>;
    out = { ...out, ...v };
    if (v.fitWindow !== undefined) fitWindowSet = true;
  }
  // Unless given, the time-exponent window is the last two decades of the run.
  if (!fitWindowSet) out.fitWindow = [Math.max(1, out.steps / 100), out.steps];
  const problems: string[] = [];
  if (out.specWindow[1] >= out.ntkPoints / 2) {
    problems.push(`config: specWindow = ${out.specWindow.join(':')} is not valid: k2 must be < ntkPoints/2 = ${out.ntkPoints / 2} (the NTK grid resolves frequencies below its Nyquist)`);
  }
  if (2 * out.K > out.grid) {
    problems.push(`config: grid = ${out.grid} is not valid: must be ≥ 2·K = ${2 * out.K} so the population loss resolves every target frequency`);
  }
  if (out.fitWindow !== 'auto' && out.fitWindow[0] >= out.steps) {
    problems.push(`config: fitWindow = ${out.fitWindow.join(':')} is not valid: t1 must be < steps = ${out.steps}`);
  }
  // The SGD step η = η0·γ0²·N must be a usable number: a tiny γ0 (1e-300) underflows it to 0 and nothing trains.
  for (const g of out.gamma0) {
    const eta = out.lr * g * g * out.width;
    if (!(eta >= MIN_STEP)) {
      problems.push(`config: gamma0 = ${g} with lr = ${out.lr} and width = ${out.width} gives an SGD step η0·γ0²·N = ${eta.toExponential(2)} ` +
        `below ${MIN_STEP.toExponential(0)}: the network would not train; use a larger gamma0 (γ0 = 0.001 is already lazy here)`);
    }
  }
  const P = paramCount({ width: out.width, depth: out.depth });
  if (P > 1e8) problems.push(`config: width = ${out.width} with depth = ${out.depth} gives ${P} parameters, more than the limit of 1e8`);
  if (out.ntkPoints * out.ntkPoints > 2.5e7 * 4) problems.push(`config: ntkPoints = ${out.ntkPoints} is too large`);
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/** 'a:b' or 'a,b' → [a, b] (numbers), 'auto' stays; anything else is passed through for the schema to report. */
export function parseWindowToken(s: string): unknown {
  if (s.trim() === 'auto') return 'auto';
  const parts = s.split(/[:,]/).map((x) => x.trim());
  if (parts.length === 2 && parts.every((x) => x !== '' && Number.isFinite(Number(x)))) return parts.map(Number);
  return s;
}
