/** The power-law task of SPEC 1 with richscale's conventions (SPEC 8.1). */

export interface PowerLawTask {
  alpha: number;
  beta: number;
  M: number;
  /** λ_k = k^{-α}, k = 1..M. */
  lambda: Float64Array;
  /** w*_k = sqrt(k^{-αβ-1+α}) ≥ 0. */
  wstar: Float64Array;
}

export function makeTask(alpha: number, beta: number, M: number): PowerLawTask {
  const lambda = new Float64Array(M);
  const wstar = new Float64Array(M);
  for (let k = 1; k <= M; k++) {
    lambda[k - 1] = Math.pow(k, -alpha);
    wstar[k - 1] = Math.sqrt(Math.pow(k, -alpha * beta - 1 + alpha));
  }
  return { alpha, beta, M, lambda, wstar };
}

/** Initial loss L(0) = Σ_k λ_k w*_k² (w(0) = 0 so β(0) = 0). */
export function initialLoss(task: PowerLawTask): number {
  let s = 0;
  for (let k = 0; k < task.M; k++) s += task.lambda[k]! * task.wstar[k]! * task.wstar[k]!;
  return s;
}

/**
 * Truncation floor Σ_{k>M} λ_k w*_k² = Σ_{k>M} k^{-αβ-1} (SPEC 8.2): the loss a model with infinitely many
 * modes would still have on the dropped modes. Euler–Maclaurin tail: ∫_M^∞ x^{-p} dx - f(M)/2 - f'(M)/12, p = αβ+1.
 */
export function truncationFloor(alpha: number, beta: number, M: number): number {
  const p = alpha * beta + 1;
  const f = (x: number): number => Math.pow(x, -p);
  const integral = Math.pow(M, 1 - p) / (p - 1);
  const derivative = -p * Math.pow(M, -p - 1);
  // Σ_{k=M+1}^∞ f(k) = Σ_{k=M}^∞ f(k) - f(M) ≈ [∫_M^∞ f + f(M)/2 - f'(M)/12] - f(M)
  return integral - f(M) / 2 - derivative / 12;
}

/** The lazy N = B = ∞ closed form L(t) = Σ λ_k w*_k² (1-ηλ_k)^{2t} (SPEC 3.3, discrete time). */
export function lazyInfiniteLoss(task: PowerLawTask, eta: number, t: number): number {
  let s = 0;
  for (let k = 0; k < task.M; k++) {
    const l = task.lambda[k]!;
    s += l * task.wstar[k]! ** 2 * Math.pow(1 - eta * l, 2 * t);
  }
  return s;
}
