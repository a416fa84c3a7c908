/**
 * The files of a `simulate` run (curve.csv, loss.svg, loss.png, run.json) and its summaries (a short human
 * table and the --json object).
 */
import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PALETTE, lossPlotSpec, writePlot, type LossCurve, type PlotSpec } from '../plot/index.js';
import { CancelledError, type SweepResult } from '../simulate/sweep.js';
import { writeCurveCsv } from './curveCsv.js';
import { makeDirs } from './mkdirs.js';
import { jsonNumber, jsonSafe, writeRunJson, type RunMeta } from './runJson.js';

export const OUTPUT_FILES = { curve: 'curve.csv', run: 'run.json', png: 'loss.png', svg: 'loss.svg' } as const;

const sym = (x: number): string => (x === Infinity ? '∞' : String(x));
/** 0.0042 → '4.2 ms', 3.14159 → '3.14 s', 754 → '12 min 34 s'. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s < 1) return `${+(s * 1000).toPrecision(2)} ms`;
  if (s < 120) return `${s.toFixed(2)} s`;
  const t = Math.round(s);
  return `${Math.floor(t / 60)} min ${t % 60} s`;
}

const sci = (x: number, digits: number): string =>
  Number.isFinite(x) ? x.toExponential(digits - 1) : jsonNumber(x).toString();

/** With a single seed the spread over seeds is undefined: no std/stderr values and no band. */
export const hasSpread = (result: SweepResult): boolean => result.config.seeds >= 2;

/**
 * Plot of every run's mean loss ± stderr (no band for a single seed), with the lazy t^-β guide. With finite
 * data each run's train loss is drawn dashed in the colour of its population loss.
 */
export function sweepPlotSpec(result: SweepResult, title?: string): PlotSpec {
  const c = result.config;
  const band = hasSpread(result);
  const none = new Float64Array(0);
  const color = (i: number): string => PALETTE[i % PALETTE.length]!;
  const curves: LossCurve[] = result.runs.map((r, i) => ({
    label: `γ = ${r.gamma}, N = ${r.N}`,
    steps: r.steps,
    mean: r.loss.mean,
    stderr: band ? r.loss.stderr : none,
    color: color(i),
  }));
  result.runs.forEach((r, i) => {
    if (r.trainLoss) {
      curves.push({ label: `train, γ = ${r.gamma}, N = ${r.N}`, steps: r.steps, mean: r.trainLoss.mean,
        stderr: band ? r.trainLoss.stderr : none, dashed: true, color: color(i) });
    }
  });
  const notes = [
    `α = ${c.alpha}, β = ${c.beta}, M = ${c.M}, η = ${c.eta}, B = ${sym(c.batch)}` +
      (Number.isFinite(c.data) ? `, P = ${c.data}` : '') + `, seeds = ${c.seeds}`,
    `${c.model} model, ${c.init} A(0); truncation floor ${sci(result.truncationFloor, 3)}`,
  ];
  return lossPlotSpec({
    title: title ?? `richscale simulate: α = ${c.alpha}, β = ${c.beta}`,
    curves,
    referenceSlope: { exponent: c.beta, label: `lazy reference t^-β (β = ${c.beta})` },
    notes,
  });
}

export interface WrittenOutputs {
  dir: string;
  files: { curve: string; run: string; png: string; svg: string };
}

/** An output file or directory could not be written; the message is one user-facing line. */
export class OutputError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'OutputError';
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** `dir` already holds a richscale run (its run.json). */
export function holdsRun(dir: string): boolean {
  return existsSync(join(dir, OUTPUT_FILES.run));
}

export interface PreparedOutDir {
  /** Whether `dir` was created now. */
  created: boolean;
  /** The directories created now, outermost first (for removeCreatedDirs). */
  createdDirs: string[];
}

/**
 * Create the output directory up front, so an unwritable location fails before a long run. A directory that
 * already holds a run (run.json) is refused unless `force`.
 */
export async function prepareOutDir(dir: string, opts: { force?: boolean } = {}): Promise<PreparedOutDir> {
  if (!opts.force && holdsRun(dir)) {
    throw new OutputError(
      `output directory '${dir}' already holds a richscale run (${OUTPUT_FILES.run}): choose another --out, ` +
        'or add --force to overwrite it',
    );
  }
  try {
    const createdDirs = await makeDirs(dir);
    return { created: createdDirs.length > 0, createdDirs };
  } catch (err) {
    throw new OutputError(`cannot create output directory '${dir}': ${reason(err)}`, err);
  }
}

/** Result files any richscale run command (simulate, theory, compare) may leave in its folder, run.json first. */
const RUN_RESULT_FILES = [OUTPUT_FILES.run, OUTPUT_FILES.curve, OUTPUT_FILES.png, OUTPUT_FILES.svg,
  'theory.csv', 'compare.csv', 'compare.png', 'compare.svg'] as const;

/**
 * --force: remove the previous run's result files before a new run starts (run.json first, so that an interrupted
 * removal never leaves a folder that looks complete). A new run that then fails leaves no old result behind that
 * could be mistaken for its own; files richscale does not write are left alone.
 */
export async function clearRunOutputs(dir: string): Promise<void> {
  for (const f of RUN_RESULT_FILES) {
    try {
      await rm(join(dir, f), { force: true });
    } catch (err) {
      throw new OutputError(`cannot remove '${join(dir, f)}' (--force): ${reason(err)}`, err);
    }
  }
}

/** Remove `dir` if it is empty (after a failed or interrupted run); never removes anything else. */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

/** Remove the directories prepareOutDir created, innermost first, as far as they are empty. */
export async function removeCreatedDirs(createdDirs: readonly string[]): Promise<void> {
  for (const d of [...createdDirs].reverse()) await removeIfEmpty(d);
}

export interface WriteOptions {
  /** Checked between files: when aborted, the files written so far are removed and CancelledError is thrown. */
  signal?: AbortSignal;
}

/**
 * Create `dir` and write curve.csv, loss.svg, loss.png and (last) run.json, each atomically. run.json marks a
 * complete run: an old one is removed first (the directory is being overwritten), and an interrupted write
 * removes the files it wrote.
 */
export async function writeSweepOutputs(
  result: SweepResult,
  dir: string,
  meta: Omit<RunMeta, 'files' | 'endedAt'> & { endedAt?: Date },
  plotTitle?: string,
  opts: WriteOptions = {},
): Promise<WrittenOutputs> {
  try {
    await makeDirs(dir);
  } catch (err) {
    throw new OutputError(`cannot create output directory '${dir}': ${reason(err)}`, err);
  }
  const written: string[] = [];
  const checkAbort = async (): Promise<void> => {
    if (!opts.signal?.aborted) return;
    for (const f of written) await rm(f, { force: true });
    throw new CancelledError();
  };
  const step = async (file: string, f: () => Promise<void>): Promise<void> => {
    await checkAbort();
    try {
      await f();
    } catch (err) {
      throw new OutputError(`cannot write '${join(dir, file)}': ${reason(err)}`, err);
    }
  };
  const runPath = join(dir, OUTPUT_FILES.run);
  const curvePath = join(dir, OUTPUT_FILES.curve);
  await step(OUTPUT_FILES.run, () => rm(runPath, { force: true }));
  await step(OUTPUT_FILES.curve, async () => {
    await writeCurveCsv(curvePath, result);
    written.push(curvePath);
  });
  let svgPath = join(dir, OUTPUT_FILES.svg);
  let pngPath = join(dir, OUTPUT_FILES.png);
  await step('loss.svg/loss.png', async () => {
    ({ svgPath, pngPath } = await writePlot(sweepPlotSpec(result, plotTitle), dir, 'loss'));
    written.push(svgPath, pngPath);
  });
  await step(OUTPUT_FILES.run, () =>
    writeRunJson(runPath, result, {
      ...meta,
      endedAt: meta.endedAt ?? new Date(),
      files: [OUTPUT_FILES.curve, OUTPUT_FILES.run, OUTPUT_FILES.png, OUTPUT_FILES.svg],
    }),
  );
  return { dir, files: { curve: curvePath, run: runPath, png: pngPath, svg: svgPath } };
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]!))).join('  ').trimEnd());
}

/** Human summary: final loss mean ± stderr per run, then where the results are. */
export function formatSummary(result: SweepResult, out: WrittenOutputs): string {
  const c = result.config;
  const train = result.runs.some((r) => r.trainLoss !== null);
  const spread = hasSpread(result);
  const header = ['γ', 'N', `final loss (t = ${c.steps})`];
  if (train) header.push('final train loss');
  header.push('time');
  const rows = [header];
  for (const r of result.runs) {
    const i = r.steps.length - 1;
    const show = (s: { mean: Float64Array; stderr: Float64Array }): string =>
      sci(s.mean[i] ?? NaN, 4) + (spread ? ` ± ${sci(s.stderr[i] ?? NaN, 2)}` : '');
    const row = [String(r.gamma), String(r.N), show(r.loss)];
    if (train) row.push(r.trainLoss ? show(r.trainLoss) : '');
    row.push(formatSeconds(r.seconds));
    rows.push(row);
  }
  const lines = pad(rows);
  lines.push(
    `${c.seeds} seed(s) per run, ${result.backend} backend, ${formatSeconds(result.seconds)} total; ` +
      `truncation floor ${sci(result.truncationFloor, 3)}`,
  );
  lines.push(`results in ${out.dir} (${Object.values(OUTPUT_FILES).join(', ')})`);
  return lines.join('\n');
}

/** The --json summary: output paths, final losses and timings. */
export function jsonSummary(result: SweepResult, out: WrittenOutputs): Record<string, unknown> {
  const spread = hasSpread(result);
  const finalOf = (s: { mean: Float64Array; std: Float64Array; stderr: Float64Array } | null) => {
    if (!s || s.mean.length === 0) return null;
    const i = s.mean.length - 1;
    // A single seed has no spread: null, not 0.
    return spread ? { mean: s.mean[i], std: s.std[i], stderr: s.stderr[i] } : { mean: s.mean[i], std: null, stderr: null };
  };
  return jsonSafe({
    outDir: resolve(out.dir),
    files: Object.fromEntries(Object.entries(out.files).map(([k, p]) => [k, resolve(p)])),
    backend: result.backend,
    seconds: result.seconds,
    flops: result.flops,
    truncationFloor: result.truncationFloor,
    initialLoss: result.initialLoss,
    runs: result.runs.map((r) => ({
      gamma: r.gamma,
      N: r.N,
      finalStep: r.steps[r.steps.length - 1] ?? null,
      finalLoss: finalOf(r.loss),
      finalTrainLoss: finalOf(r.trainLoss),
      seconds: r.seconds,
      flops: r.flops,
    })),
  }) as Record<string, unknown>;
}
