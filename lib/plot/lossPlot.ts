/** Plot spec for simulator loss curves: mean ± stderr bands on log-log axes, optional power-law guide. */
import type { PlotSpec, Series } from './types.js';

export interface LossCurve {
  label: string;
  /** Recorded steps (step 0 is dropped: it has no place on a log axis). */
  steps: Float64Array;
  /** Seed-averaged loss at each step. */
  mean: Float64Array;
  /** Standard error of the mean at each step (band = mean ± stderr); may be empty for no band. */
  stderr: Float64Array;
  dashed?: boolean;
  /** Line and band colour (default: the next palette colour). */
  color?: string;
}

export interface LossPlotInput {
  title: string;
  curves: LossCurve[];
  /** Dashed grey guide line ∝ t^-exponent through the first curve's mean near its geometric middle step. */
  referenceSlope?: { exponent: number; label: string };
  notes?: string[];
  /** Defaults: "SGD step t" and "loss L(t)". */
  xLabel?: string;
  yLabel?: string;
}

export const REFERENCE_COLOR = '#707070';

/**
 * Two-point reference line c·t^-exponent spanning the curve's positive steps, anchored at the
 * drawable point whose step is closest (in log) to the geometric middle of those steps.
 * Returns null when the curve has no positive step with a positive finite mean.
 */
export function referenceLine(steps: Float64Array, mean: Float64Array, exponent: number): { x: number[]; y: number[] } | null {
  if (!Number.isFinite(exponent)) return null;
  let tMin = Infinity;
  let tMax = -Infinity;
  const ok: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i] ?? NaN;
    const m = mean[i] ?? NaN;
    if (!(t > 0) || !Number.isFinite(t)) continue;
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
    if (m > 0 && Number.isFinite(m)) ok.push(i);
  }
  if (ok.length === 0) return null;
  const mid = 0.5 * (Math.log(tMin) + Math.log(tMax));
  let best = ok[0] as number;
  for (const i of ok) {
    if (Math.abs(Math.log(steps[i] as number) - mid) < Math.abs(Math.log(steps[best] as number) - mid)) best = i;
  }
  const tA = steps[best] as number;
  const c = (mean[best] as number) * Math.pow(tA, exponent);
  const xs = tMin === tMax ? [tMin] : [tMin, tMax];
  const ys = xs.map((t) => c * Math.pow(t, -exponent));
  if (!ys.every((v) => Number.isFinite(v) && v > 0)) return null;
  return { x: xs, y: ys };
}

export function lossPlotSpec(input: LossPlotInput): PlotSpec {
  const series: Series[] = input.curves.map((c) => {
    if (c.mean.length !== c.steps.length || (c.stderr.length !== 0 && c.stderr.length !== c.steps.length)) {
      throw new RangeError(
        `curve "${c.label}": steps/mean/stderr lengths ${c.steps.length}/${c.mean.length}/${c.stderr.length} differ`,
      );
    }
    const keep: number[] = [];
    for (let i = 0; i < c.steps.length; i++) if ((c.steps[i] ?? 0) > 0) keep.push(i);
    const pick = (a: Float64Array): Float64Array => Float64Array.from(keep, (i) => a[i] ?? NaN);
    const x = pick(c.steps);
    const y = pick(c.mean);
    const s: Series = { label: c.label, x, y, dashed: c.dashed === true };
    if (c.color !== undefined) s.color = c.color;
    if (c.stderr.length > 0) {
      const se = pick(c.stderr);
      s.lower = y.map((m, i) => m - Math.abs(se[i] ?? NaN));
      s.upper = y.map((m, i) => m + Math.abs(se[i] ?? NaN));
    }
    return s;
  });

  const first = input.curves[0];
  if (input.referenceSlope !== undefined && first !== undefined) {
    const ref = referenceLine(first.steps, first.mean, input.referenceSlope.exponent);
    if (ref !== null) {
      series.push({ label: input.referenceSlope.label, x: ref.x, y: ref.y, dashed: true, color: REFERENCE_COLOR });
    }
  }

  const spec: PlotSpec = {
    title: input.title,
    xLabel: input.xLabel ?? 'SGD step t',
    yLabel: input.yLabel ?? 'loss L(t)',
    series,
    logX: true,
    logY: true,
  };
  if (input.notes !== undefined && input.notes.length > 0) spec.notes = [...input.notes];
  return spec;
}
