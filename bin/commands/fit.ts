/**
 * `richscale fit FILE`: time exponents of loss curves (automatic or fixed window, bootstrap intervals) and joint
 * fits L(t, N) = E + a t^-x + b N^-y (or the power-mean form) by variable projection. The logic is in lib/fit/;
 * this file parses flags, echoes every setting and prints a table or JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError } from '../../lib/config/errors.js';
import { parseNumberToken } from '../../lib/config/flags.js';
import { fitExponent, fitJointCurves, type ExponentResult, type JointResult, type WindowSpec } from '../../lib/fit/fitCurves.js';
import { extractCurves, readTable, type Curve } from '../../lib/fit/readCurves.js';
import { JOINT_DEFAULTS, type JointForm } from '../../lib/fit/varpro.js';
import { WINDOW_DEFAULTS } from '../../lib/fit/window.js';

interface FitOptions {
  tCol: string;
  lossCol: string;
  stderrCol?: string;
  seedCols?: string;
  groupCol?: string;
  window: string;
  minDecades: string;
  minPoints: string;
  floor: string;
  joint?: boolean;
  nCol: string;
  form: JointForm;
  q: string;
  xRange: string;
  yRange: string;
  starts: string;
  bootstrap: string;
  level: string;
  seed: string;
  json?: boolean;
}

const fail = (msg: string): never => {
  throw new ConfigError(`fit: ${msg}`);
};

function num(name: string, raw: string, check: (v: number) => boolean, want: string): number {
  const v = parseNumberToken(raw);
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail(`--${name} ${raw}: expected ${want}`);
  return v as number;
}

function range(name: string, raw: string): [number, number] {
  const parts = raw.split(':');
  const a = parts.length === 2 ? parseNumberToken(parts[0]!) : NaN;
  const b = parts.length === 2 ? parseNumberToken(parts[1]!) : NaN;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
    fail(`--${name} ${raw}: expected lo:hi with lo < hi`);
  }
  return [a as number, b as number];
}

/** Columns that separate curves by default: simulate/theory (gamma, N) and sobolev (q, gamma0) curve.csv files. */
const DEFAULT_GROUP_COLS = ['gamma', 'N', 'q', 'gamma0'];

/** The truncation floor from run.json beside the file, if there is one. */
function floorFromRunJson(file: string): number | null {
  const p = join(dirname(file), 'run.json');
  if (!existsSync(p)) return null;
  try {
    const v = (JSON.parse(readFileSync(p, 'utf8')) as { truncationFloor?: unknown }).truncationFloor;
    return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

const sig = (v: number | null | undefined, d = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString();

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(w[j]!)).join('  ').trimEnd()).join('\n');
}

function jsonSafe(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v instanceof RegExp ? v.source : v), 2);
}

export function fitCommand(): Command {
  return new Command('fit')
    .description('fit time exponents (automatic window, bootstrap intervals) or joint laws L(t, N) to loss curves (curve.csv or any CSV/JSON)')
    .argument('<file>', "a richscale curve.csv, or any CSV with a header row / JSON (array of rows or object of columns)")
    .option('--t-col <name>', 'time column', 'step')
    .option('--loss-col <name>', 'loss column (the mean curve)', 'loss_mean')
    .option('--stderr-col <name>', "standard-error column, or 'none' (default: X_stderr for a loss column X_mean, if present)")
    .option('--seed-cols <regex>', "per-seed loss columns (regular expression on names), or 'none' (default: ^seed_\\d+$, or ^train_seed_\\d+$ with --loss-col train_mean)")
    .option('--group-col <list>', "columns that separate curves, comma-separated, or 'none' (default: those of gamma,N,q,gamma0 present)")
    .option('--window <auto|t1:t2>', 'fit window: automatic, or t1 ≤ t ≤ t2', 'auto')
    .option('--min-decades <x>', 'automatic window: minimum width in decades', String(WINDOW_DEFAULTS.minDecades))
    .option('--min-points <n>', 'automatic window: minimum number of points', String(WINDOW_DEFAULTS.minPoints))
    .option('--floor <x|auto|none>', "loss floor/plateau the automatic window must stay clear of (≥ 10× above); 'auto' = truncationFloor of run.json beside FILE", 'auto')
    .option('--joint', 'joint fit of L(t, N) across the N values of each group instead of per-curve exponents')
    .option('--n-col <name>', 'model-size column for --joint', 'N')
    .addOption(new Option('--form <form>', 'joint law: E + a t^-x + b N^-y, or E + ((a t^-x)^q + (b N^-y)^q)^(1/q)').choices(['additive', 'power-mean']).default('additive'))
    .option('--q <x|fit>', "power-mean exponent q > 0, or 'fit'", String(JOINT_DEFAULTS.q))
    .option('--x-range <lo:hi>', 'joint: search box of the time exponent x', JOINT_DEFAULTS.xRange.join(':'))
    .option('--y-range <lo:hi>', 'joint: search box of the size exponent y', JOINT_DEFAULTS.yRange.join(':'))
    .option('--starts <n>', 'joint: Nelder–Mead starts from the best grid points', String(JOINT_DEFAULTS.starts))
    .option('--bootstrap <n>', 'bootstrap replicates for the intervals (0: none)', '1000')
    .option('--level <p>', 'confidence level of the intervals', '0.95')
    .option('--seed <n>', 'bootstrap random seed', '0')
    .option('--json', 'print the results as JSON')
    .action((file: string, opts: FitOptions) => {
      const out = runFit(file, opts);
      process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    });
}

/** Everything `richscale fit` prints, as a string (throws ConfigError with one line on bad input). */
export function runFit(file: string, opts: FitOptions): string {
  // Settings.
  const window: WindowSpec = opts.window === 'auto' ? 'auto' : range('window', opts.window);
  if (window !== 'auto' && !(window[0] > 0)) fail(`--window ${opts.window}: t1 must be > 0`);
  const minDecades = num('min-decades', opts.minDecades, (v) => v >= 0, 'a number ≥ 0');
  const minPoints = num('min-points', opts.minPoints, (v) => Number.isInteger(v) && v >= 3, 'an integer ≥ 3');
  const bootstrap = num('bootstrap', opts.bootstrap, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  if (bootstrap > 0 && bootstrap < 20) fail(`--bootstrap ${opts.bootstrap}: use 0 (no intervals) or at least 20 replicates`);
  const level = num('level', opts.level, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const seed = num('seed', opts.seed, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 53, 'an integer ≥ 0');
  const starts = num('starts', opts.starts, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  const q = opts.q === 'fit' ? ('fit' as const) : num('q', opts.q, (v) => v > 0, "a number > 0 or 'fit'");
  const xRange = range('x-range', opts.xRange);
  const yRange = range('y-range', opts.yRange);
  let seedRe: RegExp | null = null;
  const seedCols = opts.seedCols ?? (opts.lossCol === 'train_mean' ? '^train_seed_\\d+$' : '^seed_\\d+$');
  if (seedCols !== 'none') {
    try {
      seedRe = new RegExp(seedCols);
    } catch {
      fail(`--seed-cols '${seedCols}' is not a valid regular expression`);
    }
  }
  let floor: number | null = null;
  let floorSource = 'none';
  if (opts.floor === 'auto') {
    floor = floorFromRunJson(file);
    floorSource = floor === null ? 'none (no run.json with truncationFloor beside the file)' : 'run.json truncationFloor';
  } else if (opts.floor !== 'none') {
    floor = num('floor', opts.floor, (v) => v > 0, "a number > 0, 'auto' or 'none'");
    floorSource = '--floor';
  }

  // Data.
  let curves: Curve[];
  let groupCols: string[];
  let stderrCol: string | null;
  let seedNames: string[];
  try {
    const tbl = readTable(file);
    groupCols =
      opts.groupCol === undefined ? DEFAULT_GROUP_COLS.filter((c) => tbl.columns.includes(c))
      : opts.groupCol === 'none' ? []
      : opts.groupCol.split(',').map((s) => s.trim()).filter((s) => s !== '');
    // Default standard-error column: X_stderr for a loss column X_mean (loss_mean → loss_stderr, train_mean → train_stderr).
    const seName = opts.lossCol.endsWith('_mean') ? `${opts.lossCol.slice(0, -'_mean'.length)}_stderr` : null;
    if (opts.joint && !tbl.columns.includes(opts.nCol)) {
      fail(`${file}: no model-size (--n-col) column '${opts.nCol}' (columns: ${tbl.columns.join(', ')})`);
    }
    stderrCol =
      opts.stderrCol === undefined ? (seName !== null && tbl.columns.includes(seName) ? seName : null)
      : opts.stderrCol === 'none' ? null
      : opts.stderrCol;
    const extractGroups = opts.joint && !groupCols.includes(opts.nCol) ? [...groupCols, opts.nCol] : groupCols;
    curves = extractCurves(tbl, { tCol: opts.tCol, lossCol: opts.lossCol, groupCols: extractGroups, seedCols: seedRe, stderrCol });
    seedNames = curves[0]?.seedNames ?? [];
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail((err as Error).message);
  }

  const settings = {
    file,
    mode: opts.joint ? 'joint' : 'exponent',
    tCol: opts.tCol,
    lossCol: opts.lossCol,
    stderrCol,
    seedCols: seedRe ? seedRe.source : null,
    seedColumnsFound: seedNames.length,
    groupCols,
    window: window === 'auto' ? 'auto' : `${window[0]}:${window[1]}`,
    ...(opts.joint
      ? {
          nCol: opts.nCol, form: opts.form, q: opts.form === 'power-mean' ? q : null, xRange, yRange, starts,
          objective: 'sum of squared relative residuals ((L̂ − L)/L)², linear coefficients by NNLS (variable projection)',
        }
      : {
          minDecades, minPoints, floor, floorSource, floorFactor: WINDOW_DEFAULTS.floorFactor,
          transientDrop: WINDOW_DEFAULTS.transientDrop, driftTolerance: `${WINDOW_DEFAULTS.driftRel}·|χ| + ${WINDOW_DEFAULTS.driftAbs}`,
          weighting: 'each point by its share of the ln t axis',
        }),
    bootstrap, level, seed,
  };

  const pct = `${Number((level * 100).toPrecision(4))}% CI`;
  const echo = Object.entries(settings).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ');

  if (!opts.joint) {
    const results: ExponentResult[] = [];
    for (const c of curves) {
      try {
        results.push(fitExponent(c, { window, windowOptions: { minDecades, minPoints, floor }, bootstrap, level, seed }));
      } catch (err) {
        return fail(`${c.label}: ${(err as Error).message}`);
      }
    }
    if (opts.json) return jsonSafe({ command: 'fit', settings, fits: results });
    const rows = [['group', 'window t', 'points', 'decades', 'exponent', pct, 'early→late half', 'rms', 'interval from']];
    for (const r of results) {
      rows.push([
        r.label, `[${sig(r.window.tStart, 6)}, ${sig(r.window.tEnd, 6)}]`, String(r.window.points), r.window.decades.toFixed(2),
        sig(r.fit.exponent), r.interval ? `[${sig(r.interval.lower)}, ${sig(r.interval.upper)}]` : '-',
        `${sig(r.window.halves.early, 3)}→${sig(r.window.halves.late, 3)}`,
        sig(r.fit.rmsResidual, 2),
        r.interval ? (r.interval.method === 'seeds' ? `${r.seedsUsed} seeds` : 'parametric (stderr)') : '-',
      ]);
    }
    const warn = results.flatMap((r) => r.warnings.map((w) => `  ${r.label}: ${w}`));
    return [`settings: ${echo}`, table(rows), ...(warn.length ? ['warnings:', ...warn] : [])].join('\n');
  }

  // Joint fits: one per group of the non-N group columns.
  const jointCols = groupCols.filter((g) => g !== opts.nCol);
  const groups = new Map<string, Curve[]>();
  for (const c of curves) {
    const k = jointCols.map((g) => c.key[g]).join('\u0000');
    const list = groups.get(k) ?? [];
    list.push(c);
    groups.set(k, list);
  }
  const results: JointResult[] = [];
  for (const list of groups.values()) {
    const key: Record<string, string> = {};
    for (const g of jointCols) key[g] = list[0]!.key[g]!;
    const label = jointCols.length ? jointCols.map((g) => `${g}=${key[g]}`).join(' ') : 'all';
    try {
      results.push(fitJointCurves(list, (c) => Number(c.key[opts.nCol]), {
        window, bootstrap, level, seed, label, key,
        joint: { form: opts.form, q, xRange, yRange, starts },
      }));
    } catch (err) {
      return fail(`${label}: ${(err as Error).message}`);
    }
  }
  if (opts.json) return jsonSafe({ command: 'fit', settings, fits: results });
  const ci = (r: JointResult, k: 'x' | 'y' | 'E' | 'a' | 'b'): string =>
    r.intervals ? `[${sig(r.intervals[k].lower)}, ${sig(r.intervals[k].upper)}]` : '-';
  const rows = [['group', 'N values', 'window t', 'points', 'x', `x ${pct}`, 'y', `y ${pct}`, 'E', 'a', 'b', ...(opts.form === 'power-mean' ? ['q'] : []), 'rms rel', 'converged']];
  for (const r of results) {
    const p = r.fit.params;
    rows.push([
      r.label, r.nValues.join(','), `[${sig(r.window.tStart, 6)}, ${sig(r.window.tEnd, 6)}]`, String(r.fit.points),
      sig(p.x), ci(r, 'x'), sig(p.y), ci(r, 'y'), sig(p.E), sig(p.a), sig(p.b), ...(opts.form === 'power-mean' ? [sig(p.q)] : []),
      sig(r.fit.rmsRelative, 2),
      `${r.fit.convergence.converged ? 'yes' : 'NO'} (${r.fit.convergence.iterations} it, ${r.fit.convergence.agreeingStarts}/${r.fit.convergence.starts} starts agree)`,
    ]);
  }
  const notes = results.map((r) => `  ${r.label}: window ${r.window.rule}; intervals: ${r.uncertainty}`);
  const warn = results.flatMap((r) => r.warnings.map((w) => `  ${r.label}: ${w}`));
  return [`settings: ${echo}`, table(rows), ...notes, ...(warn.length ? ['warnings:', ...warn] : [])].join('\n');
}
