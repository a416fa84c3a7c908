/** Lazy → rich crossover time t_× ~ γ^{-1/(1-β)} for hard tasks (SPEC 4.7; constants unknown, order of magnitude). */
export function crossoverTime(beta: number, gamma: number): number {
  if (gamma <= 0) return Infinity;
  if (beta >= 1) return Infinity;
  return Math.pow(gamma, -1 / (1 - beta));
}
