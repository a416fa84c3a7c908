/**
 * Frontier exponents: L*(C) ∝ C^-a and N*(C) ∝ C^b fitted by least squares in log-log over the interior of the
 * frontier (points whose optimum is not at the edge of the width grid), with bootstrap intervals over seeds.
 */
import { Rng } from '../rng.js';
import { computeGrid, envelope, type EnvelopePoint, type WidthCurve } from './envelope.js';

export interface SeedCurves {
  N: number;
  steps: Float64Array;
  /** One loss curve per seed. */
  perSeed: Float64Array[];
}

export interface ExponentEstimate {
  value: number;
  /** Percentile bootstrap interval at `level`; null if fewer than 2 seeds. */
  ci: [number, number] | null;
}

export interface FrontierFit {
  lossExponent: ExponentEstimate;
  modelExponent: ExponentEstimate;
  /** Compute window used (interior points). */
  window: [number, number] | null;
  points: EnvelopePoint[];
  interiorPoints: number;
  warnings: string[];
}

function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let num = 0;
  let den = 0;
  x.forEach((v, i) => { num += (v - mx) * (y[i]! - my); den += (v - mx) ** 2; });
  return num / den;
}

const meanCurve = (c: SeedCurves, seeds: number[]): WidthCurve => {
  const loss = new Float64Array(c.steps.length);
  for (const s of seeds) { const row = c.perSeed[s]!; for (let i = 0; i < loss.length; i++) loss[i]! += row[i]! / seeds.length; }
  return { N: c.N, steps: c.steps, loss };
};

/** Fit exponents on the interior of the envelope of the given (mean) curves. */
export function fitEnvelope(curves: WidthCurve[], grid: Float64Array): { a: number; b: number; points: EnvelopePoint[]; interior: EnvelopePoint[] } {
  const points = envelope(curves, grid);
  const interior = points.filter((p) => !p.edge);
  if (interior.length < 3) return { a: NaN, b: NaN, points, interior };
  const x = interior.map((p) => Math.log(p.C));
  return {
    a: -slope(x, interior.map((p) => Math.log(p.loss))),
    b: slope(x, interior.map((p) => Math.log(p.Nstar))),
    points, interior,
  };
}

export function fitFrontier(curves: SeedCurves[], opts: { bootstrap?: number; level?: number; seed?: number } = {}): FrontierFit {
  const B = opts.bootstrap ?? 500;
  const level = opts.level ?? 0.95;
  const seeds = Math.min(...curves.map((c) => c.perSeed.length));
  const all = Array.from({ length: seeds }, (_, i) => i);
  const grid = computeGrid(curves.map((c) => meanCurve(c, all)));
  const main = fitEnvelope(curves.map((c) => meanCurve(c, all)), grid);
  const warnings: string[] = [];
  if (main.interior.length < 3) {
    warnings.push('fewer than 3 frontier points have their optimum strictly inside the width grid: extend the N sweep or the run length');
  }
  const edgeShare = 1 - main.interior.length / Math.max(1, main.points.length);
  if (edgeShare > 0.5) warnings.push(`${Math.round(edgeShare * 100)}% of the frontier sits at the edge of the width grid (optimum may lie outside it)`);
  let ciA: [number, number] | null = null;
  let ciB: [number, number] | null = null;
  if (seeds >= 2 && B > 0 && main.interior.length >= 3) {
    const rng = new Rng(opts.seed ?? 0, 0);
    const as: number[] = [];
    const bs: number[] = [];
    for (let r = 0; r < B; r++) {
      // Resample seeds independently for each width (each width's seeds are independent runs).
      const resampled = curves.map((c) => meanCurve(c, all.map(() => Math.floor(rng.uniform() * seeds))));
      const f = fitEnvelope(resampled, grid);
      if (Number.isFinite(f.a) && Number.isFinite(f.b)) { as.push(f.a); bs.push(f.b); }
    }
    const q = (v: number[], p: number): number => { const s = [...v].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))]!; };
    const lo = (1 - level) / 2;
    if (as.length >= 10) {
      ciA = [q(as, lo), q(as, 1 - lo)];
      ciB = [q(bs, lo), q(bs, 1 - lo)];
    }
  }
  return {
    lossExponent: { value: main.a, ci: ciA },
    modelExponent: { value: main.b, ci: ciB },
    window: main.interior.length > 0 ? [main.interior[0]!.C, main.interior[main.interior.length - 1]!.C] : null,
    points: main.points,
    interiorPoints: main.interior.length,
    warnings,
  };
}
