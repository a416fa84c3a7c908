/**
 * Joint scaling-law fits by variable projection (ECOSYSTEM "Fitting scaling laws"): the exponents are searched,
 * the linear coefficients are solved exactly by non-negative least squares for each trial exponent.
 *
 * Forms (t = training step, N = model size):
 *  - additive:    L = E + a t^-x + b N^-y                        (SPEC 4.3, dropping the transients)
 *  - power-mean:  L = E + ((a t^-x)^q + (b N^-y)^q)^(1/q)        q = 1 is the additive form; q → ∞ the max
 *    of the two bottlenecks (a sharper crossover). Written as E + a·(t^-xq + ρ N^-yq)^(1/q) with
 *    ρ = (b/a)^q, so for fixed (x, y, u = log10(b/a)) the model is linear in (E, a) ≥ 0. q is fixed (default 2)
 *    or fitted over log q ∈ [log 0.5, log 8] as one more searched coordinate.
 * Objective: sum of squared relative residuals Σ ((L̂_i − L_i)/L_i)² (every point weighted by 1/L_i, so decades of
 * loss count equally). Search: a coarse grid over the box, then Nelder–Mead (in the box) from the best
 * `starts` grid points that are at least two grid cells apart. Reported: iterations, evaluations, the final
 * simplex size, a finite-difference gradient at the optimum, how many starts reached the same optimum, and a
 * warning when a searched parameter ends on the edge of its box or a linear coefficient is held at 0.
 */
import { nelderMead } from './nelderMead.js';
import { nnlsBySupports } from './nnls.js';

export interface JointData {
  t: ArrayLike<number>;
  n: ArrayLike<number>;
  L: ArrayLike<number>;
}

export type JointForm = 'additive' | 'power-mean';

export interface JointFitOptions {
  form?: JointForm;
  /** Power-mean q: a number > 0, or 'fit'. Default 2. */
  q?: number | 'fit';
  xRange?: [number, number];
  yRange?: [number, number];
  /** Range of log10(b/a) (power-mean only). */
  logRatioRange?: [number, number];
  /** Range of q when fitted. */
  qRange?: [number, number];
  /** Grid points per searched coordinate (default 25 for 2 coordinates, 13 for 3, 9 for 4). */
  grid?: number;
  /** Nelder–Mead starts (default 5). */
  starts?: number;
  maxIter?: number;
  /** Warm start (skip the grid): the searched coordinates in natural units. */
  warmStart?: number[];
}

export const JOINT_DEFAULTS = {
  form: 'additive' as JointForm,
  q: 2 as number | 'fit',
  xRange: [0.01, 3] as [number, number],
  yRange: [0.01, 4] as [number, number],
  logRatioRange: [-6, 6] as [number, number],
  qRange: [0.5, 8] as [number, number],
  starts: 5,
  maxIter: 2000,
};

export interface SearchParam {
  name: string;
  lo: number;
  hi: number;
  /** Searched on a log scale (q only). */
  log: boolean;
}

export interface JointFit {
  form: JointForm;
  /** Fitted law: E, a, b, x, y (and q for power-mean). */
  params: { E: number; a: number; b: number; x: number; y: number; q: number | null };
  /** The searched coordinates with their boxes and fitted values. */
  searched: Array<SearchParam & { value: number }>;
  objective: number;
  /** RMS relative residual √(objective / points). */
  rmsRelative: number;
  points: number;
  convergence: {
    starts: number;
    agreeingStarts: number;
    iterations: number;
    evaluations: number;
    simplexSize: number;
    gradient: Record<string, number>;
    converged: boolean;
    gridPoints: number;
  };
  warnings: string[];
}

function searchParams(o: typeof JOINT_DEFAULTS): SearchParam[] {
  const p: SearchParam[] = [
    { name: 'x', lo: o.xRange[0], hi: o.xRange[1], log: false },
    { name: 'y', lo: o.yRange[0], hi: o.yRange[1], log: false },
  ];
  if (o.form === 'power-mean') {
    p.push({ name: 'log10(b/a)', lo: o.logRatioRange[0], hi: o.logRatioRange[1], log: false });
    if (o.q === 'fit') p.push({ name: 'q', lo: o.qRange[0], hi: o.qRange[1], log: true });
  }
  for (const s of p) {
    if (!(s.lo < s.hi) || !Number.isFinite(s.lo) || !Number.isFinite(s.hi)) {
      throw new RangeError(`search range of ${s.name} must be lo < hi, got ${s.lo}:${s.hi}`);
    }
    if (s.log && !(s.lo > 0)) throw new RangeError(`search range of ${s.name} must be positive`);
  }
  return p;
}

const fromUnit = (p: SearchParam, u: number): number =>
  p.log ? Math.exp(Math.log(p.lo) + u * (Math.log(p.hi) - Math.log(p.lo))) : p.lo + u * (p.hi - p.lo);
const toUnit = (p: SearchParam, v: number): number =>
  p.log ? (Math.log(v) - Math.log(p.lo)) / (Math.log(p.hi) - Math.log(p.lo)) : (v - p.lo) / (p.hi - p.lo);

/** Columns (already divided by L) of the linear part for searched values θ. */
interface Prepared {
  logT: Float64Array;
  logN: Float64Array;
  invL: Float64Array;
}

function prepare(data: JointData): Prepared {
  const m = data.L.length;
  return {
    logT: Float64Array.from({ length: m }, (_, i) => Math.log(data.t[i]!)),
    logN: Float64Array.from({ length: m }, (_, i) => Math.log(data.n[i]!)),
    invL: Float64Array.from({ length: m }, (_, i) => 1 / data.L[i]!),
  };
}

function columns(form: JointForm, fixedQ: number, data: Prepared, theta: number[]): Float64Array[] {
  const m = data.invL.length;
  const x = theta[0]!;
  const y = theta[1]!;
  const one = new Float64Array(m);
  one.set(data.invL);
  if (form === 'additive') {
    const ct = new Float64Array(m);
    const cn = new Float64Array(m);
    // N takes few distinct values: cache N^-y per value.
    let lastLogN = NaN;
    let lastN = 0;
    for (let i = 0; i < m; i++) {
      ct[i] = Math.exp(-x * data.logT[i]!) * data.invL[i]!;
      if (data.logN[i] !== lastLogN) {
        lastLogN = data.logN[i]!;
        lastN = Math.exp(-y * lastLogN);
      }
      cn[i] = lastN * data.invL[i]!;
    }
    return [one, ct, cn];
  }
  const u = theta[2]!;
  const q = theta.length > 3 ? theta[3]! : fixedQ;
  const c = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    // (t^-xq + ρ N^-yq)^(1/q) with ρ = 10^(u q), computed in logs: t^-x (1 + 10^(uq) N^-yq t^xq)^(1/q).
    const lt = -x * data.logT[i]!;
    const ln = u * Math.LN10 - y * data.logN[i]!;
    const hi = Math.max(lt, ln);
    const s = Math.exp(q * (lt - hi)) + Math.exp(q * (ln - hi));
    c[i] = Math.exp(hi + Math.log(s) / q) * data.invL[i]!;
  }
  return [one, c];
}

function validate(data: JointData): void {
  const m = data.L.length;
  if (data.t.length !== m || data.n.length !== m) throw new RangeError('joint fit: t, N and L differ in length');
  for (let i = 0; i < m; i++) {
    if (!(data.t[i]! > 0) || !(data.n[i]! > 0) || !(data.L[i]! > 0)) {
      throw new RangeError(`joint fit: t, N and L must be positive (point ${i}: t = ${data.t[i]}, N = ${data.n[i]}, L = ${data.L[i]})`);
    }
  }
}

/** Fit a joint law (see the file comment). */
export function fitJoint(data: JointData, options: JointFitOptions = {}): JointFit {
  const o = { ...JOINT_DEFAULTS, ...options };
  validate(data);
  const m = data.L.length;
  const params = searchParams(o);
  const d = params.length;
  const nLinear = o.form === 'additive' ? 3 : 2;
  if (m < d + nLinear + 1) throw new RangeError(`joint fit: ${m} points are too few for ${d + nLinear} parameters`);
  const fixedQ = o.q === 'fit' ? NaN : o.q;
  if (o.form === 'power-mean' && o.q !== 'fit' && !(o.q > 0)) throw new RangeError(`power-mean q must be > 0, got ${o.q}`);
  const ones = new Float64Array(m).fill(1);
  const pre = prepare(data);
  const thetaOf = (u: number[]): number[] => u.map((v, k) => fromUnit(params[k]!, v));
  const solve = (u: number[]): { sse: number; coef: number[] } => {
    const r = nnlsBySupports(columns(o.form, fixedQ, pre, thetaOf(u)), ones);
    return { sse: r.sse, coef: r.coef };
  };
  const f = (u: number[]): number => solve(u).sse;

  // Starts: grid (or the warm start).
  let starts: number[][];
  let gridPoints = 0;
  if (o.warmStart) starts = [o.warmStart.map((v, k) => Math.min(1, Math.max(0, toUnit(params[k]!, v))))];
  else {
    const g = o.grid ?? (d === 2 ? 25 : d === 3 ? 13 : 9);
    const cells: Array<{ idx: number[]; f: number }> = [];
    const idx = new Array<number>(d).fill(0);
    for (;;) {
      const u = idx.map((i) => i / (g - 1));
      cells.push({ idx: idx.slice(), f: f(u) });
      let k = 0;
      while (k < d && ++idx[k]! === g) idx[k++] = 0;
      if (k === d) break;
    }
    gridPoints = cells.length;
    cells.sort((a, b) => a.f - b.f);
    starts = [];
    const chosen: number[][] = [];
    for (const c of cells) {
      if (chosen.length >= o.starts) break;
      if (chosen.every((q) => q.some((v, k) => Math.abs(v - c.idx[k]!) >= 2))) chosen.push(c.idx);
    }
    starts = chosen.map((ix) => ix.map((i) => i / (g - 1)));
  }

  const runs = starts.map((s) => nelderMead(f, s, { maxIter: o.maxIter, step: o.warmStart ? 0.02 : 0.5 / ((o.grid ?? 13) - 1) + 0.01 }));
  runs.sort((a, b) => a.f - b.f);
  const best = runs[0]!;
  const agreeing = runs.filter(
    (r) => r.u.every((v, k) => Math.abs(v - best.u[k]!) < 1e-3) || r.f <= best.f * (1 + 1e-9) + 1e-300,
  ).length;

  const theta = thetaOf(best.u);
  const { coef, sse } = solve(best.u);
  // Central finite-difference gradient of the objective in natural units (one-sided at the box edges).
  const gradient: Record<string, number> = {};
  const h = 1e-6;
  params.forEach((p, k) => {
    const up = best.u.slice();
    const dn = best.u.slice();
    up[k] = Math.min(1, up[k]! + h);
    dn[k] = Math.max(0, dn[k]! - h);
    const du = up[k]! - dn[k]!;
    const dv = fromUnit(p, up[k]!) - fromUnit(p, dn[k]!);
    gradient[p.name] = du > 0 ? (f(up) - f(dn)) / dv : NaN;
  });

  const warnings: string[] = [];
  params.forEach((p, k) => {
    const u = best.u[k]!;
    if (u <= 1e-3 || u >= 1 - 1e-3) {
      warnings.push(
        `${p.name} = ${fmt(theta[k]!)} is on the ${u <= 1e-3 ? 'lower' : 'upper'} edge of its search box [${p.lo}, ${p.hi}]: ` +
          'the optimum may lie outside; widen the range',
      );
    }
  });
  if (!best.converged) warnings.push(`Nelder–Mead did not converge in ${best.iterations} iterations (simplex size ${best.simplexSize.toExponential(1)})`);
  if (agreeing < runs.length && runs.length > 1) {
    warnings.push(`${runs.length - agreeing} of ${runs.length} starts ended at a different (worse) optimum: the objective has several minima`);
  }

  let E: number, a: number, b: number, q: number | null;
  if (o.form === 'additive') {
    [E, a, b] = coef as [number, number, number];
    q = null;
  } else {
    E = coef[0]!;
    a = coef[1]!;
    b = a * Math.pow(10, theta[2]!);
    q = theta.length > 3 ? theta[3]! : fixedQ;
  }
  if (E === 0) warnings.push('E = 0: the non-negativity bound is active (no irreducible loss term is needed)');
  if (a === 0) warnings.push('a = 0: the non-negativity bound is active (no t term is needed; x is undetermined)');
  if (o.form === 'additive' && b === 0) warnings.push('b = 0: the non-negativity bound is active (no N term is needed; y is undetermined)');

  return {
    form: o.form,
    params: { E, a, b, x: theta[0]!, y: theta[1]!, q },
    searched: params.map((p, k) => ({ ...p, value: theta[k]! })),
    objective: sse,
    rmsRelative: Math.sqrt(sse / m),
    points: m,
    convergence: {
      starts: runs.length,
      agreeingStarts: agreeing,
      iterations: best.iterations,
      evaluations: runs.reduce((s, r) => s + r.evaluations, 0),
      simplexSize: best.simplexSize,
      gradient,
      converged: best.converged,
      gridPoints,
    },
    warnings,
  };
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** The fitted law evaluated at (t, N). */
export function evaluateJoint(fit: JointFit, t: number, n: number): number {
  const { E, a, b, x, y, q } = fit.params;
  if (fit.form === 'additive') return E + a * Math.pow(t, -x) + b * Math.pow(n, -y);
  const qq = q ?? 1;
  return E + Math.pow(Math.pow(a * Math.pow(t, -x), qq) + Math.pow(b * Math.pow(n, -y), qq), 1 / qq);
}
