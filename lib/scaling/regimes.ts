/** Task classes and their boundaries (SPEC 1, 4.4). */

export type Regime = 'hard' | 'easy' | 'super-easy';

/** β at which t^-β meets the SGD term t^-(2-1/α): the easy / super-easy boundary (SPEC 4.4). */
export function superEasyBoundary(alpha: number): number {
  return 2 - 1 / alpha;
}

/**
 * hard: β < 1 (target outside the RKHS); easy: 1 ≤ β < 2 - 1/α; super-easy: β ≥ 2 - 1/α (SPEC 4.4).
 * On a boundary the two adjacent rows of SPEC 4.5 give the same exponents, so the choice there is immaterial.
 */
export function classifyTask(alpha: number, beta: number): Regime {
  if (beta < 1) return 'hard';
  if (beta < superEasyBoundary(alpha)) return 'easy';
  return 'super-easy';
}

export function regimeDescription(r: Regime): string {
  switch (r) {
    case 'hard': return 'hard (β < 1: target outside the RKHS; feature learning improves the time exponent)';
    case 'easy': return 'easy (1 < β < 2 - 1/α: time exponent β, lazy = rich)';
    case 'super-easy': return 'super-easy (β > 2 - 1/α: SGD noise term dominates, lazy = rich)';
  }
}
