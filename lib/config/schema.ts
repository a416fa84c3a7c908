/**
 * The `simulate` configuration: the single source of truth for config files, command-line flags, presets and
 * the published JSON Schema (schema/simulate.schema.json).
 *
 * Every key is described once in KEYS (flag, help text, allowed range); the zod schema is built from it, the
 * CLI builds its options from it, and formatConfigError() phrases every problem naming the key, the value and
 * the allowed range, all problems on one line.
 *
 * Layering: preset < config file < flags (resolveSimulateConfig). Each layer is validated on its own (so a
 * problem is reported with its source), then the merged config gets the cross-field checks.
 */
import { z } from 'zod';
import type { ResolvedSimulateConfig } from '../simulate/sweep.js';
import { ConfigError, joinProblems, showValue } from './errors.js';
import { truncationFloor } from '../task.js';
import { getPreset } from './presets.js';

export type { ResolvedSimulateConfig } from '../simulate/sweep.js';
export { ConfigError, joinProblems, showValue } from './errors.js';

/** Refuse configs whose arrays would exceed this many float64 elements (1.6 GB). */
export const MAX_ELEMENTS = 2e8;
/** `record: 'all'` is refused above this many steps. */
export const MAX_RECORD_ALL_STEPS = 1e6;
export const MAX_STEPS = 1e9;

/** 'inf', 'infinity', '∞' (lower, Title or UPPER case, optional '+') mean "no limit" for batch and data. */
export const INF_PATTERN = /^\+?(inf|Inf|INF|infinity|Infinity|INFINITY|∞)$/;

const intIn = (min: number, max: number = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const infString = () =>
  z.string().regex(INF_PATTERN).transform((): number => Infinity);
/** Integer ≥ 1 or "inf" (JSON-Schema variant: without the numeric Infinity literal, which JSON cannot hold). */
const intOrInf = (json: boolean) =>
  json ? z.union([intIn(1), infString()]) : z.union([intIn(1), z.literal(Infinity), infString()]);
const oneOrList = <T extends z.ZodType<number>>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v): number[] => (Array.isArray(v) ? v : [v]));

/** Config keys in help order. */
export const CONFIG_KEYS = [
  'alpha', 'beta', 'M', 'N', 'gamma', 'eta', 'batch', 'data', 'model', 'sampler', 'init',
  'steps', 'record', 'recordPoints', 'seeds', 'seed', 'perSeed', 'precision',
] as const satisfies readonly (keyof ResolvedSimulateConfig)[];
export type ConfigKey = (typeof CONFIG_KEYS)[number];
/** Keys a complete config may leave out (absent = the documented default). */
const OPTIONAL_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(['precision']);

/** How a flag's string value is turned into an input value. */
export type FlagKind = 'number' | 'list' | 'string' | 'boolean';

export interface KeyInfo {
  /** Commander flag, e.g. `--record-points <n>`. */
  flag: string;
  kind: FlagKind;
  /** What the key means (help text and JSON Schema description). */
  help: string;
  /** Allowed values, phrased to follow "must be" in error messages. */
  rule: string;
}

export const KEYS: Record<ConfigKey, KeyInfo> = {
  alpha: { flag: '--alpha <x>', kind: 'number', help: 'capacity exponent α, λ_k = k^-α (SPEC 1)',
    rule: '> 1 (capacity exponent, SPEC 1)' },
  beta: { flag: '--beta <x>', kind: 'number', help: 'source exponent β (SPEC 1): hard < 1 < easy < 2-1/α < super-easy',
    rule: '> 0 (source exponent, SPEC 1)' },
  M: { flag: '--M <int>', kind: 'number', help: 'number of modes M (the task is truncated at M)',
    rule: 'an integer ≥ 1 (number of modes)' },
  N: { flag: '--N <list>', kind: 'list', help: 'hidden width N, or a list of widths (flag: comma-separated, e.g. 64,256)',
    rule: 'an integer ≥ 1 or a non-empty list of them (hidden width)' },
  gamma: { flag: '--gamma <list>', kind: 'list', help: 'feature-learning strength γ (0 = lazy), or a list (flag: comma-separated, e.g. 0,1)',
    rule: 'a finite number ≥ 0 or a non-empty list of them (feature-learning strength, 0 = lazy)' },
  eta: { flag: '--eta <x>', kind: 'number', help: 'learning rate η',
    rule: 'a finite number > 0 (learning rate)' },
  batch: { flag: '--batch <int|inf>', kind: 'number', help: 'batch size B; inf = population gradient',
    rule: "an integer ≥ 1 or 'inf' (batch size; inf = population gradient)" },
  data: { flag: '--data <int|inf>', kind: 'number', help: 'training-set size P; inf = fresh samples every step',
    rule: "an integer ≥ 1 or 'inf' (training-set size; inf = fresh samples)" },
  model: { flag: '--model <kind>', kind: 'string', help: 'projected (SPEC 2.1) or unprojected (SPEC 2.2)',
    rule: "'projected' or 'unprojected' (SPEC 2.1 / 2.2)" },
  sampler: { flag: '--sampler <kind>', kind: 'string',
    help: "batch-gradient sampler: explicit, exact (SPEC 8.2), or span (exact's distribution drawn in the span of A(0): O(N²) a step after an O(N²M) set-up; projected, online, float64, M > N). With batch = inf, long runs use the span step automatically (same numbers to rounding; run.json runs[].kernel)",
    rule: "'explicit', 'exact' or 'span' (batch-gradient sampler, SPEC 8.2)" },
  init: { flag: '--init <kind>', kind: 'string', help: 'A(0): gaussian, or identity (√N·I, needs N = M)',
    rule: "'gaussian' or 'identity' (A(0))" },
  steps: { flag: '--steps <int>', kind: 'number', help: 'number of SGD updates T',
    rule: 'an integer in [1, 1e9] (number of SGD updates)' },
  record: { flag: '--record <kind>', kind: 'string', help: 'recorded steps: log (log grid) or all (every step)',
    rule: "'log' or 'all' (recorded steps)" },
  recordPoints: { flag: '--record-points <int>', kind: 'number', help: 'points of the log record grid',
    rule: 'an integer in [2, 10000] (points of the log record grid)' },
  seeds: { flag: '--seeds <int>', kind: 'number', help: 'ensemble size S (independent seeds per run)',
    rule: 'an integer in [1, 100000] (ensemble size)' },
  seed: { flag: '--seed <int>', kind: 'number', help: 'run seed (seed index s uses stream s)',
    rule: 'an integer in [0, 2^53-1] (run seed)' },
  perSeed: { flag: '--per-seed', kind: 'boolean', help: "also write every seed's curve to curve.csv",
    rule: 'true or false (write per-seed curves)' },
  precision: { flag: '--precision <kind>', kind: 'string',
    help: 'native simulator arithmetic: float64 (default) or float32 (opt-in: half the memory and bytes per step, docs/performance.md)',
    rule: "'float64' or 'float32' (native simulator precision)" },
};

function buildShape(json: boolean) {
  const d = (k: ConfigKey) => ({ description: KEYS[k].help });
  return {
    alpha: z.number().gt(1).meta(d('alpha')),
    beta: z.number().gt(0).meta(d('beta')),
    M: intIn(1).meta(d('M')),
    N: oneOrList(intIn(1)).meta(d('N')),
    gamma: oneOrList(z.number().min(0)).meta(d('gamma')),
    eta: z.number().gt(0).meta(d('eta')),
    batch: intOrInf(json).meta(d('batch')),
    data: intOrInf(json).meta(d('data')),
    model: z.enum(['projected', 'unprojected']).meta(d('model')),
    sampler: z.enum(['explicit', 'exact', 'span']).meta(d('sampler')),
    init: z.enum(['gaussian', 'identity']).meta(d('init')),
    steps: intIn(1, MAX_STEPS).meta(d('steps')),
    record: z.enum(['log', 'all']).meta(d('record')),
    recordPoints: intIn(2, 10000).meta(d('recordPoints')),
    seeds: intIn(1, 100000).meta(d('seeds')),
    seed: intIn(0).meta(d('seed')),
    perSeed: z.boolean().meta(d('perSeed')),
    precision: z.enum(['float64', 'float32']).meta(d('precision')),
  } satisfies Record<ConfigKey, z.ZodType>;
}

function buildInputSchema(json: boolean) {
  const shape = buildShape(json);
  return z.strictObject({
    /** Editors' JSON-Schema pointer; ignored. */
    $schema: z.string().optional().meta({ description: 'optional JSON-Schema reference for editors; ignored' }),
    alpha: shape.alpha.optional(), beta: shape.beta.optional(), M: shape.M.optional(), N: shape.N.optional(),
    gamma: shape.gamma.optional(), eta: shape.eta.optional(), batch: shape.batch.optional(),
    data: shape.data.optional(), model: shape.model.optional(), sampler: shape.sampler.optional(),
    init: shape.init.optional(), steps: shape.steps.optional(), record: shape.record.optional(),
    recordPoints: shape.recordPoints.optional(), seeds: shape.seeds.optional(), seed: shape.seed.optional(),
    perSeed: shape.perSeed.optional(), precision: shape.precision.optional(),
  });
}

/** One layer of `simulate` config (a config file, the flags, a preset): every key optional. */
export const simulateConfigSchema = buildInputSchema(false);
export type SimulateConfigInput = z.input<typeof simulateConfigSchema>;
type ParsedLayer = z.output<typeof simulateConfigSchema>;

// Compile-time check: a fully specified parsed layer is a ResolvedSimulateConfig and vice versa.
type Complete = Required<Omit<ParsedLayer, '$schema' | 'precision'>> & Pick<ParsedLayer, 'precision'>;
const _layerIsResolved = (c: Complete): ResolvedSimulateConfig => c;
const _resolvedIsLayer = (c: ResolvedSimulateConfig): Complete => c;
void _layerIsResolved; void _resolvedIsLayer;

/** JSON Schema (draft 2020-12) of a config file, written to schema/simulate.schema.json. */
export function simulateJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(buildInputSchema(true), { io: 'input', target: 'draft-2020-12' });
  return {
    $schema: schema.$schema,
    title: 'richscale simulate config',
    description:
      'Config file for `richscale simulate --config FILE` (JSON or YAML). Every key is optional: ' +
      'values layer over the preset and are overridden by command-line flags. ' +
      'batch and data accept "inf". Unknown keys are errors.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Errors

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function suggestKey(bad: string): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  return CONFIG_KEYS.find((k) => norm(k) === norm(bad));
}

/** A number literal (as given on the command line) whose value overflows a double, e.g. '1e400'. */
export function isOverflowingNumberText(v: unknown): v is string {
  return typeof v === 'string' && NUMBER_TEXT.test(v.trim()) && !Number.isFinite(Number(v.trim()));
}
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Why a value failed, from the value itself and the issue (so messages do not depend on zod's wording). */
function problemOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (isOverflowingNumberText(value)) return 'overflows (not a finite number)';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    if (issue.code === 'invalid_type' && issue.expected === 'int') return 'is not an integer';
    if (issue.code === 'invalid_union') {
      // e.g. batch = 2.5: the integer branch says why.
      const firstBranch = issue.errors[0]?.[0];
      if (firstBranch?.code === 'invalid_type' && firstBranch.expected === 'int') return 'is not an integer';
    }
    return 'is out of range';
  }
  if (issue.code === 'invalid_type' && issue.expected === 'boolean') return 'is not a boolean';
  if (issue.code === 'invalid_value') return 'is not allowed';
  if (issue.code === 'too_small' && Array.isArray(value)) return 'is an empty list';
  if (typeof value === 'string' && issue.code !== 'invalid_union') return 'is not a number';
  if (typeof value === 'string') return 'is not valid';
  return `has the wrong type (${typeName(value)})`;
}

function lookup(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * Replace a union failure by the issues of the branch whose type matched the value (N = [16, 'abc'] → the
 * list branch's "item 2 is not a number"); keep it when no branch matched the type.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'invalid_union') {
      out.push(issue);
      continue;
    }
    const typed = issue.errors.find(
      (branch) => branch.length > 0 && !branch.some((b) => b.path.length === 0 && (b.code === 'invalid_type' || b.code === 'invalid_value' || b.code === 'invalid_format')),
    );
    if (typed === undefined) out.push(issue);
    else out.push(...flattenUnions(typed.map((b) => ({ ...b, path: [...issue.path, ...b.path] }) as z.core.$ZodIssue)));
  }
  return out;
}

/** One line per zod issue. `source` names the layer ('x.yaml'), if any. */
export function formatZodIssues(error: z.ZodError, input: unknown, source?: string): string[] {
  const prefix = source ? `config (${source}):` : 'config:';
  const lines: string[] = [];
  for (const issue of flattenUnions(error.issues)) {
    if (issue.code === 'unrecognized_keys') {
      // Each unknown key with its closest valid key, if any; the list of valid keys once, after them.
      const keys = issue.keys.map((key) => {
        const hint = suggestKey(key);
        return `'${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
      });
      lines.push(`${prefix} unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` +
        (issue.keys.some((k) => !suggestKey(k)) ? ` (valid keys: ${CONFIG_KEYS.join(', ')})` : ''));
      continue;
    }
    const [key, ...rest] = issue.path;
    if (key === undefined) {
      lines.push(`${prefix} expected a mapping of config keys to values, got ${typeName(input)}`);
      continue;
    }
    const value = lookup(input, issue.path);
    // A single element of a list: N = [16, -5] -> "N = -5 (list item 2)".
    const where = rest.length > 0 && typeof rest[0] === 'number' ? ` (list item ${rest[0] + 1})` : '';
    const info = KEYS[key as ConfigKey];
    const rule = info ? info.rule : issue.message;
    // '1e400' from a flag is shown as given, not quoted like a string.
    const shown = isOverflowingNumberText(value) ? value.trim() : showValue(value);
    lines.push(`${prefix} ${String(key)} = ${shown}${where} ${problemOf(issue, value)}: must be ${rule}`);
  }
  // Several checks can fail for one value (e.g. seed = 2^53: too big and not a safe integer).
  return [...new Set(lines)];
}

/** Format any error from this module (or a zod error) as one line (several problems joined with '; '). */
export function formatConfigError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof z.ZodError) return joinProblems(formatZodIssues(err, undefined));
  if (err instanceof Error) return err.message;
  return String(err);
}

// ---------------------------------------------------------------------------------------------------------
// Validation and layering

/** Validate one layer (file, flags, …); throws ConfigError. Returns only the keys that were given. */
export function parseConfigLayer(input: unknown, source?: string): Partial<ResolvedSimulateConfig> {
  if (input === undefined || input === null) return {};
  const r = simulateConfigSchema.safeParse(input, { reportInput: true });
  if (!r.success) throw new ConfigError(formatZodIssues(r.error, input, source));
  const out: Partial<ResolvedSimulateConfig> = {};
  for (const key of CONFIG_KEYS) {
    const v = r.data[key];
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

function fmtCount(x: number): string {
  return x < 1e6 ? String(x) : x.toExponential(2).replace('e+', 'e');
}
function fmtBytes(elements: number): string {
  const b = elements * 8;
  return b >= 1e9 ? `${(b / 1e9).toPrecision(3)} GB` : `${(b / 1e6).toPrecision(3)} MB`;
}

/**
 * The task vectors must be finite doubles (SPEC 8.1): λ_k = k^-α ≤ 1 always is, but w*_k = sqrt(k^{α-αβ-1}) grows
 * with k when β < 1 - 1/α and overflows for a large α(1-β) and M. The largest w*_k² (k = max(1, M) when the
 * exponent is positive, else k = 1) is computed in log space.
 */
export function taskProblems(c: Pick<ResolvedSimulateConfig, 'alpha' | 'beta' | 'M'>): string[] {
  const exponent = -c.alpha * c.beta - 1 + c.alpha; // of w*_k² = k^exponent, as lib/task.ts computes it
  const kMax = Math.max(1, c.M);
  const log10Max = exponent > 0 ? exponent * Math.log10(kMax) : 0;
  const finite =
    Number.isFinite(exponent) && log10Max < Math.log10(Number.MAX_VALUE) && Number.isFinite(Math.pow(kMax, exponent));
  if (finite) return [];
  const size = Number.isFinite(log10Max) ? `about 10^${Math.floor(log10Max / 2)} at k = M` : 'beyond any number';
  return [
    `config: alpha = ${showValue(c.alpha)}, beta = ${showValue(c.beta)} and M = ${c.M} give target weights ` +
      `w*_k = k^((α-αβ-1)/2) of ${size}, which do not fit in a double (w*_k² > 1.8e308): use a smaller alpha, ` +
      `a larger beta (β ≥ 1 - 1/α keeps every w*_k ≤ 1) or a smaller M`,
  ];
}

/**
 * λ_M = M^-α must stay a normal double: past 1e-300 the theory solvers' bins would get λ = 0, and such modes
 * contribute nothing (their λ_k w*_k² is below any loss). Reported only when the task vectors are finite.
 */
export function lambdaProblems(c: Pick<ResolvedSimulateConfig, 'alpha' | 'beta' | 'M'>): string[] {
  const kMax = Math.max(1, c.M);
  if (taskProblems(c).length > 0 || !(c.alpha * Math.log10(kMax) > 300)) return [];
  const kLast = Math.floor(Math.pow(10, 300 / c.alpha));
  return [
    `config: alpha = ${showValue(c.alpha)} with M = ${c.M}: λ_M = M^-α is about 10^-${Math.floor(c.alpha * Math.log10(kMax))}, ` +
      `below the double range (1e-300); modes beyond k = ${kLast} contribute nothing: use M ≤ ${kLast} or a smaller alpha`,
  ];
}

/**
 * The truncation floor Σ_{k>M} λ_k w*_k² ≈ M^{-αβ}/(αβ) (lib/task.ts, reported with every result) must be a finite
 * double: for a tiny αβ (≲ 1e-16, e.g. beta = 1e-300) it is not, and runs would report (and write) a floor of 'inf'.
 */
export function floorProblems(c: Pick<ResolvedSimulateConfig, 'alpha' | 'beta' | 'M'>): string[] {
  if (Number.isFinite(truncationFloor(c.alpha, c.beta, c.M))) return [];
  return [
    `config: alpha = ${showValue(c.alpha)} and beta = ${showValue(c.beta)} give a truncation floor Σ_{k>M} λ_k w*_k² ≈ ` +
      `M^(-αβ)/(αβ) that is not a finite number (αβ = ${showValue(c.alpha * c.beta)} is too small): use a larger beta`,
  ];
}

/**
 * Checks that involve several keys of a complete config; one line per problem. `purpose: 'theory'` leaves out
 * the limits on the simulator's arrays (A(0), G, explicit batches, the data matrix): the N = ∞ solvers log-bin
 * the modes (M up to 2^53 costs nothing), and each solver checks its own cost (lib/theory/dispatch.ts).
 */
export function crossFieldProblems(c: ResolvedSimulateConfig, purpose: ConfigPurpose = 'simulate'): string[] {
  const problems: string[] = [];
  if (c.init === 'identity') {
    const bad = c.N.filter((n) => n !== c.M);
    if (bad.length > 0) {
      problems.push(
        `config: init = 'identity' requires N = M (A(0) = √N·I), got N = ${showValue(bad.length === 1 ? bad[0] : bad)}` +
          ` with M = ${c.M}: set N = ${c.M} or use init = 'gaussian'`,
      );
    }
  }
  problems.push(...spanProblems(c));
  problems.push(...taskProblems(c));
  problems.push(...lambdaProblems(c));
  problems.push(...floorProblems(c));
  const limit = fmtCount(MAX_ELEMENTS);
  if (purpose === 'simulate') problems.push(...simulationSizeProblems(c));
  problems.push(...recordProblems(c));
  return problems;
}

/** Sampler 'span' steps inside the span of A(0)'s features (lib/reference/span.ts): what it needs. */
function spanProblems(c: ResolvedSimulateConfig): string[] {
  if (c.sampler !== 'span') return [];
  const problems: string[] = [];
  if (c.model !== 'projected') problems.push("config: sampler = 'span' needs model = 'projected' (the unprojected model leaves the span of A(0))");
  if (Number.isFinite(c.data)) problems.push("config: sampler = 'span' needs data = inf (online SGD); use sampler = 'exact' or 'explicit' with finite data");
  if (c.init !== 'gaussian') problems.push("config: sampler = 'span' needs init = 'gaussian'");
  if (c.precision === 'float32') problems.push("config: sampler = 'span' needs precision = 'float64' (its loss is a difference of O(L(0)) terms)");
  const bad = c.N.filter((n) => !(c.M > n));
  if (bad.length > 0) {
    problems.push(`config: sampler = 'span' needs M > N (the span covariance is singular otherwise), got N = ${showValue(bad.length === 1 ? bad[0] : bad)} with M = ${c.M}`);
  }
  return problems;
}

/** The simulator's array sizes: A(0) (N×M), G (N×N), an explicit batch (B×M), the data matrix (P×M). */
function simulationSizeProblems(c: ResolvedSimulateConfig): string[] {
  const problems: string[] = [];
  const limit = fmtCount(MAX_ELEMENTS);
  const Nmax = Math.max(...c.N);
  if (Nmax * c.M > MAX_ELEMENTS) {
    problems.push(
      `config: N = ${Nmax} with M = ${c.M} is too large: A(0) would have N·M = ${fmtCount(Nmax * c.M)} elements ` +
        `(${fmtBytes(Nmax * c.M)} per seed), the limit is ${limit}`,
    );
  }
  const gammaMax = Math.max(...c.gamma);
  if (c.model === 'projected' && gammaMax > 0 && Nmax * Nmax > MAX_ELEMENTS) {
    problems.push(
      `config: N = ${Nmax} with gamma = ${gammaMax} is too large for model = 'projected': G would have N·N = ` +
        `${fmtCount(Nmax * Nmax)} elements (${fmtBytes(Nmax * Nmax)} per seed), the limit is ${limit}; ` +
        `use a smaller N (or gamma = 0, which needs no G)`,
    );
  }
  if (c.sampler === 'explicit' && Number.isFinite(c.batch) && c.batch * c.M > MAX_ELEMENTS) {
    problems.push(
      `config: batch = ${c.batch} with M = ${c.M} is too large for sampler = 'explicit': each step draws ` +
        `B·M = ${fmtCount(c.batch * c.M)} normals (${fmtBytes(c.batch * c.M)}), the limit is ${limit}; ` +
        `use sampler = 'exact'`,
    );
  }
  if (Number.isFinite(c.data) && c.data * c.M > MAX_ELEMENTS) {
    problems.push(
      `config: data = ${c.data} with M = ${c.M} is too large: the data matrix would have P·M = ` +
        `${fmtCount(c.data * c.M)} elements (${fmtBytes(c.data * c.M)} per seed), the limit is ${limit}`,
    );
  }
  return problems;
}

/** Recorded points: record = 'all' and the stored per-seed curves. */
function recordProblems(c: ResolvedSimulateConfig): string[] {
  const problems: string[] = [];
  const limit = fmtCount(MAX_ELEMENTS);
  if (c.record === 'all' && c.steps > MAX_RECORD_ALL_STEPS) {
    problems.push(
      `config: record = 'all' with steps = ${c.steps} is too many recorded points ` +
        `(limit ${fmtCount(MAX_RECORD_ALL_STEPS)} steps): use record = 'log'`,
    );
  } else {
    // Every seed's curve is kept in memory (and per-seed columns may be written).
    const points = c.record === 'all' ? c.steps + 1 : c.recordPoints + 1;
    const runs = c.N.length * c.gamma.length;
    const stored = points * c.seeds * runs * (Number.isFinite(c.data) ? 2 : 1);
    if (stored > MAX_ELEMENTS) {
      problems.push(
        `config: seeds = ${c.seeds} is too many for ${runs} run(s) of ${points} recorded points: ` +
          `${fmtCount(stored)} stored losses exceed the limit of ${limit}; use fewer seeds or record = 'log'`,
      );
    }
  }
  return problems;
}

/** What a config is resolved for: a simulation (its array sizes are checked) or a theory solve only. */
export type ConfigPurpose = 'simulate' | 'theory';

export interface ResolveOptions {
  /** Name of the config file, used in messages about it. */
  fileLabel?: string;
  /** 'theory': the simulator's array-size limits do not apply (default 'simulate'). */
  purpose?: ConfigPurpose;
  /** Name of the flags layer in messages (default: none, "config:"). */
  flagLabel?: string;
}

/**
 * Merge preset < file < flags and validate. `preset` is a preset name or a complete config. Throws ConfigError
 * listing every problem (one line each).
 */
export function resolveSimulateConfig(
  preset: string | ResolvedSimulateConfig,
  fileConfig?: unknown,
  flagConfig?: unknown,
  opts: ResolveOptions = {},
): ResolvedSimulateConfig {
  const problems: string[] = [];
  const layer = (input: unknown, label: string | undefined): Partial<ResolvedSimulateConfig> => {
    try {
      return parseConfigLayer(input, label);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
      return {};
    }
  };
  const base = layer(typeof preset === 'string' ? getPreset(preset) : preset, 'preset');
  const file = layer(fileConfig, opts.fileLabel);
  const flags = layer(flagConfig, opts.flagLabel);
  if (problems.length > 0) throw new ConfigError(problems);
  const merged = { ...base, ...file, ...flags };
  const missing = CONFIG_KEYS.filter((k) => merged[k] === undefined && !OPTIONAL_KEYS.has(k));
  if (missing.length > 0) throw new ConfigError(`config: missing key(s) ${missing.join(', ')}`);
  const config = merged as ResolvedSimulateConfig;
  const cross = crossFieldProblems(config, opts.purpose);
  if (cross.length > 0) throw new ConfigError(cross);
  return config;
}
