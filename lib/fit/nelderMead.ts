/**
 * Nelder–Mead simplex minimisation in a box (standard coefficients 1, 2, 1/2, 1/2). Work is done in unit
 * coordinates u ∈ [0, 1]^d; every trial point is clamped into the box, so the search never leaves it. Stops when
 * the simplex has shrunk below `xtol` (max-norm distance of any vertex from the best, in unit coordinates) and
 * the function values agree to `ftol` (relative), or after `maxIter` iterations.
 */

export interface NelderMeadResult {
  u: number[];
  f: number;
  iterations: number;
  evaluations: number;
  /** Final simplex size in unit coordinates. */
  simplexSize: number;
  converged: boolean;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

export function nelderMead(
  f: (u: number[]) => number,
  start: number[],
  opts: { step?: number; xtol?: number; ftol?: number; maxIter?: number } = {},
): NelderMeadResult {
  const d = start.length;
  const step = opts.step ?? 0.05;
  const xtol = opts.xtol ?? 1e-7;
  const ftol = opts.ftol ?? 1e-10;
  const maxIter = opts.maxIter ?? 2000;
  let evaluations = 0;
  const F = (u: number[]): number => {
    evaluations++;
    const v = f(u);
    return Number.isFinite(v) ? v : Infinity;
  };
  const pts: number[][] = [start.map(clamp01)];
  for (let k = 0; k < d; k++) {
    const p = pts[0]!.slice();
    // Step inward when the start sits on the upper edge.
    p[k] = p[k]! + step <= 1 ? p[k]! + step : p[k]! - step;
    pts.push(p);
  }
  let vals = pts.map(F);
  let iterations = 0;
  const size = (): number => {
    let s = 0;
    for (let i = 1; i <= d; i++) for (let k = 0; k < d; k++) s = Math.max(s, Math.abs(pts[i]![k]! - pts[0]![k]!));
    return s;
  };
  const sort = (): void => {
    const order = vals.map((v, i) => i).sort((a, b) => vals[a]! - vals[b]!);
    const p2 = order.map((i) => pts[i]!);
    const v2 = order.map((i) => vals[i]!);
    for (let i = 0; i <= d; i++) { pts[i] = p2[i]!; }
    vals = v2;
  };
  sort();
  let converged = false;
  while (iterations < maxIter) {
    const fspread = vals[d]! - vals[0]!;
    if (size() < xtol && fspread <= ftol * Math.abs(vals[0]!) + 1e-300) { converged = true; break; }
    if (size() < xtol * 1e-3) { converged = true; break; }
    iterations++;
    const c = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) c[k]! += pts[i]![k]! / d;
    const worst = pts[d]!;
    const along = (s: number): number[] => c.map((ck, k) => clamp01(ck + s * (worst[k]! - ck)));
    const xr = along(-1);
    const fr = F(xr);
    if (fr < vals[0]!) {
      const xe = along(-2);
      const fe = F(xe);
      if (fe < fr) { pts[d] = xe; vals[d] = fe; } else { pts[d] = xr; vals[d] = fr; }
    } else if (fr < vals[d - 1]!) {
      pts[d] = xr; vals[d] = fr;
    } else {
      const outside = fr < vals[d]!;
      const xc = along(outside ? -0.5 : 0.5);
      const fc = F(xc);
      if (fc < (outside ? fr : vals[d]!)) { pts[d] = xc; vals[d] = fc; }
      else {
        for (let i = 1; i <= d; i++) {
          pts[i] = pts[i]!.map((v, k) => pts[0]![k]! + 0.5 * (v - pts[0]![k]!));
          vals[i] = F(pts[i]!);
        }
      }
    }
    sort();
  }
  return { u: pts[0]!, f: vals[0]!, iterations, evaluations, simplexSize: size(), converged };
}
