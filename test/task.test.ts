import { describe, it, expect } from 'vitest';
import { initialLoss, lazyInfiniteLoss, makeTask, truncationFloor } from '../lib/task.js';

describe('power-law task (SPEC 1, 8.1)', () => {
  it('has λ_k = k^-α and per-mode power λ_k w*_k² = k^(-αβ-1)', () => {
    const task = makeTask(2, 0.5, 100);
    for (const k of [1, 2, 10, 100]) {
      expect(task.lambda[k - 1]).toBeCloseTo(k ** -2, 15);
      expect(task.lambda[k - 1]! * task.wstar[k - 1]! ** 2).toBeCloseTo(k ** -2, 12);
    }
  });

  it('truncation floor equals the brute-force tail sum', () => {
    for (const [alpha, beta, M] of [[2, 0.5, 100], [1.5, 0.3, 50], [2, 1.2, 1000]] as const) {
      const p = alpha * beta + 1;
      let tail = 0;
      const K = 2_000_000;
      for (let k = M + 1; k <= K; k++) tail += k ** -p;
      tail += K ** (1 - p) / (p - 1); // remaining integral beyond K (relative error ~ 1/K)
      expect(Math.abs(truncationFloor(alpha, beta, M) - tail) / tail).toBeLessThan(1e-5);
    }
  });

  it('the lazy closed form starts at L(0) and decays', () => {
    const task = makeTask(2, 0.5, 500);
    expect(lazyInfiniteLoss(task, 0.5, 0)).toBeCloseTo(initialLoss(task), 14);
    expect(lazyInfiniteLoss(task, 0.5, 100)).toBeLessThan(lazyInfiniteLoss(task, 0.5, 10));
  });
});
