/**
 * The files of a `simulate` run (curve.csv, loss.svg, loss.png, run.json) and its summaries (a short human
 * table and the --json object).
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lossPlotSpec, writePlot, type LossCurve, type PlotSpec } from '../plot/index.js';
import type { SweepResult } from '../simulate/sweep.js';
import { writeCurveCsv } from './curveCsv.js';
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

/** Plot of every run's mean loss ± stderr, with the lazy t^-β guide. */
export function sweepPlotSpec(result: SweepResult, title?: string): PlotSpec {
  const c = result.config;
  const curves: LossCurve[] = result.runs.map((r) => ({
    label: `γ = ${r.gamma}, N = ${r.N}`,
    steps: r.steps,
    mean: r.loss.mean,
    stderr: r.loss.stderr,
  }));
  for (const r of result.runs) {
    if (r.trainLoss) {
      curves.push({ label: `train, γ = ${r.gamma}, N = ${r.N}`, steps: r.steps, mean: r.trainLoss.mean,
        stderr: r.trainLoss.stderr, dashed: true });
    }
  }
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

/** Create the output directory up front, so an unwritable location fails before a long run. */
export async function prepareOutDir(dir: string): Promise<{ created: boolean }> {
  try {
    const first = await mkdir(dir, { recursive: true });
    return { created: first !== undefined };
  } catch (err) {
    throw new OutputError(`cannot create output directory '${dir}': ${reason(err)}`, err);
  }
}

/** Remove `dir` if it is empty (after a failed or interrupted run); never removes anything else. */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

/** Create `dir` and write curve.csv, loss.svg, loss.png and (last) run.json. */
export async function writeSweepOutputs(
  result: SweepResult,
  dir: string,
  meta: Omit<RunMeta, 'files' | 'endedAt'> & { endedAt?: Date },
  plotTitle?: string,
): Promise<WrittenOutputs> {
  await prepareOutDir(dir);
  const step = async <T>(file: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw new OutputError(`cannot write '${join(dir, file)}': ${reason(err)}`, err);
    }
  };
  await step(OUTPUT_FILES.curve, () => writeCurveCsv(join(dir, OUTPUT_FILES.curve), result));
  const spec = sweepPlotSpec(result, plotTitle);
  const { svgPath, pngPath } = await step('loss.svg/loss.png', () => writePlot(spec, dir, 'loss'));
  const runPath = join(dir, OUTPUT_FILES.run);
  await step(OUTPUT_FILES.run, () =>
    writeRunJson(runPath, result, {
      ...meta,
      endedAt: meta.endedAt ?? new Date(),
      files: [OUTPUT_FILES.curve, OUTPUT_FILES.run, OUTPUT_FILES.png, OUTPUT_FILES.svg],
    }),
  );
  return { dir, files: { curve: join(dir, OUTPUT_FILES.curve), run: runPath, png: pngPath, svg: svgPath } };
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]!))).join('  ').trimEnd());
}

/** Human summary: final loss mean ± stderr per run, then where the results are. */
export function formatSummary(result: SweepResult, out: WrittenOutputs): string {
  const c = result.config;
  const train = result.runs.some((r) => r.trainLoss !== null);
  const header = ['γ', 'N', `final loss (t = ${c.steps})`];
  if (train) header.push('final train loss');
  header.push('time');
  const rows = [header];
  for (const r of result.runs) {
    const i = r.steps.length - 1;
    const row = [String(r.gamma), String(r.N),
      `${sci(r.loss.mean[i] ?? NaN, 4)} ± ${sci(r.loss.stderr[i] ?? NaN, 2)}`];
    if (train) row.push(r.trainLoss ? `${sci(r.trainLoss.mean[i] ?? NaN, 4)} ± ${sci(r.trainLoss.stderr[i] ?? NaN, 2)}` : '');
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
  const finalOf = (s: { mean: Float64Array; std: Float64Array; stderr: Float64Array } | null) => {
    if (!s || s.mean.length === 0) return null;
    const i = s.mean.length - 1;
    return { mean: s.mean[i], std: s.std[i], stderr: s.stderr[i] };
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
