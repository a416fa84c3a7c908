/**
 * Non-negative least squares (Lawson & Hanson 1974, "Solving Least Squares Problems", ch. 23):
 * minimise |A c - b|₂ subject to c ≥ 0, for a few columns (the linear coefficients of a scaling law).
 * A is given as columns (each of length m). Columns are scaled to unit norm internally, which leaves the
 * non-negative cone unchanged and keeps t^-x columns spanning many decades well conditioned.
 */

export interface NnlsResult {
  /** The non-negative solution, one entry per column. */
  coef: number[];
  /** |A c - b|₂² at the solution. */
  sse: number;
  /** Outer iterations (columns moved into the passive set). */
  iterations: number;
}

/**
 * Unconstrained least squares on the given columns by modified Gram–Schmidt QR with one re-orthogonalisation
 * pass; a column that is (numerically) in the span of the earlier ones gets coefficient 0.
 */
export function leastSquares(cols: ArrayLike<number>[], b: ArrayLike<number>): number[] {
  const k = cols.length;
  const m = b.length;
  const Q: Float64Array[] = [];
  const R: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const keep: boolean[] = [];
  for (let j = 0; j < k; j++) {
    const src = cols[j]!;
    const v = new Float64Array(m);
    let norm0 = 0;
    for (let i = 0; i < m; i++) {
      v[i] = src[i]!;
      norm0 += v[i]! * v[i]!;
    }
    norm0 = Math.sqrt(norm0);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        if (!keep[p]) continue;
        const q = Q[p]!;
        let d = 0;
        for (let i = 0; i < m; i++) d += q[i]! * v[i]!;
        R[p]![j]! += d;
        for (let i = 0; i < m; i++) v[i]! -= d * q[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    const ok = norm > 1e-12 * Math.max(norm0, 1e-300) && norm > 0;
    keep.push(ok);
    if (ok) for (let i = 0; i < m; i++) v[i]! /= norm;
    R[j]![j] = ok ? norm : 0;
    Q.push(v);
  }
  // Qᵀb, then back substitution on the kept columns.
  const qb = new Array<number>(k).fill(0);
  for (let j = 0; j < k; j++) {
    if (!keep[j]) continue;
    const q = Q[j]!;
    let d = 0;
    for (let i = 0; i < m; i++) d += q[i]! * b[i]!;
    qb[j] = d;
  }
  const x = new Array<number>(k).fill(0);
  for (let j = k - 1; j >= 0; j--) {
    if (!keep[j]) continue;
    let s = qb[j]!;
    for (let p = j + 1; p < k; p++) if (keep[p]) s -= R[j]![p]! * x[p]!;
    x[j] = s / R[j]![j]!;
  }
  return x;
}

function residual(cols: ArrayLike<number>[], b: ArrayLike<number>, c: number[]): Float64Array {
  const r = new Float64Array(b.length);
  for (let i = 0; i < b.length; i++) {
    let s = b[i]!;
    for (let j = 0; j < cols.length; j++) s -= cols[j]![i]! * c[j]!;
    r[i] = s;
  }
  return r;
}

/**
 * NNLS for a handful of columns (n ≤ 4) by enumerating supports: the optimum is the unconstrained least-squares
 * solution on its own support, and that solution is feasible (≥ 0); every other feasible support solution is a
 * feasible point, so the best feasible one is the optimum. 2^n − 1 small QR solves; exact, and faster than the
 * active-set loop for the 2–4 coefficients of a scaling law.
 */
export function nnlsBySupports(cols: ArrayLike<number>[], b: ArrayLike<number>): NnlsResult {
  const n = cols.length;
  if (n > 6) return nnls(cols, b);
  const m = b.length;
  let sse0 = 0;
  for (let i = 0; i < m; i++) sse0 += b[i]! * b[i]!;
  let best: NnlsResult = { coef: new Array<number>(n).fill(0), sse: sse0, iterations: 0 };
  // Full support first (the usual case): feasible means it is the unconstrained optimum, hence the NNLS one.
  const full = (1 << n) - 1;
  const order = [full];
  for (let mask = 1; mask < full; mask++) order.push(mask);
  for (let pass = 0; pass < order.length; pass++) {
    const mask = order[pass]!;
    const idx: number[] = [];
    for (let j = 0; j < n; j++) if (mask & (1 << j)) idx.push(j);
    const sol = leastSquares(idx.map((j) => cols[j]!), b);
    if (sol.some((v) => !(v >= 0))) continue;
    const coef = new Array<number>(n).fill(0);
    idx.forEach((j, k) => (coef[j] = sol[k]!));
    let sse = 0;
    for (let i = 0; i < m; i++) {
      let r = b[i]!;
      for (const j of idx) r -= cols[j]![i]! * coef[j]!;
      sse += r * r;
    }
    if (sse < best.sse) best = { coef, sse, iterations: pass + 1 };
    if (mask === full) return best;
  }
  return best;
}

/** Lawson–Hanson active-set NNLS. */
export function nnls(cols: ArrayLike<number>[], b: ArrayLike<number>, maxIter = 30 * Math.max(cols.length, 1)): NnlsResult {
  const n = cols.length;
  const m = b.length;
  for (const c of cols) if (c.length !== m) throw new RangeError('nnls: every column must have the length of b');
  // Unit-norm columns (zero columns stay zero and get coefficient 0).
  const scale = cols.map((c) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += c[i]! * c[i]!;
    return Math.sqrt(s);
  });
  const A = cols.map((c, j) => {
    const s = scale[j]!;
    const out = new Float64Array(m);
    if (s > 0 && Number.isFinite(s)) for (let i = 0; i < m; i++) out[i] = c[i]! / s;
    return out;
  });
  const usable = scale.map((s) => s > 0 && Number.isFinite(s));
  const tol = 10 * Number.EPSILON * Math.max(m, n) * Math.max(1, Math.sqrt(n));
  const passive = new Array<boolean>(n).fill(false);
  let x = new Array<number>(n).fill(0);
  let iterations = 0;
  const gradient = (): number[] => {
    const r = residual(A, b, x);
    return A.map((col) => {
      let d = 0;
      for (let i = 0; i < m; i++) d += col[i]! * r[i]!;
      return d;
    });
  };
  const solvePassive = (): number[] => {
    const idx = passive.map((p, j) => (p ? j : -1)).filter((j) => j >= 0);
    const sol = leastSquares(idx.map((j) => A[j]!), b);
    const z = new Array<number>(n).fill(0);
    idx.forEach((j, k) => (z[j] = sol[k]!));
    return z;
  };
  let w = gradient();
  while (iterations < maxIter) {
    let t = -1;
    let best = tol;
    for (let j = 0; j < n; j++) if (!passive[j] && usable[j] && w[j]! > best) { best = w[j]!; t = j; }
    if (t < 0) break;
    iterations++;
    passive[t] = true;
    let z = solvePassive();
    let inner = 0;
    while (passive.some((p, j) => p && z[j]! <= 0) && inner++ < 3 * n + 3) {
      let alpha = Infinity;
      for (let j = 0; j < n; j++) {
        if (passive[j] && z[j]! <= 0) {
          const a = x[j]! / (x[j]! - z[j]!);
          if (a < alpha) alpha = a;
        }
      }
      if (!Number.isFinite(alpha)) alpha = 0;
      x = x.map((xj, j) => xj + alpha * (z[j]! - xj));
      for (let j = 0; j < n; j++) if (passive[j] && x[j]! <= tol) { passive[j] = false; x[j] = 0; }
      z = solvePassive();
    }
    x = z.map((v) => Math.max(v, 0));
    w = gradient();
  }
  const coef = x.map((v, j) => (usable[j] ? v / scale[j]! : 0));
  const r = residual(cols, b, coef);
  let sse = 0;
  for (let i = 0; i < m; i++) sse += r[i]! * r[i]!;
  return { coef, sse, iterations };
}
