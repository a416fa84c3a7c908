import { describe, it, expect } from 'vitest';
import { loadNative } from '../../lib/native.js';
import { simulateSeedExplicitA } from '../../lib/reference/explicitA.js';
import { simulateSeedReference } from '../../lib/reference/simulate.js';
import { maxRelDiff, smallArgs } from './helpers.js';

// Must-show 2: the G-representation (SPEC 8.2) equals the explicit A(t) form of SPEC 2.1.
describe('G-representation vs explicit A(t) form of the projected model', () => {
  it.each([
    ['B=∞, γ=1', { gamma: 1 }],
    ['B=4 explicit, γ=0.5', { gamma: 0.5, batch: 4 }],
    ['B=4 exact, γ=2', { gamma: 2, batch: 4, sampler: 'exact' as const, eta: 0.2 }],
  ])('%s', async (_n, over) => {
    const args = smallArgs({ ...over, N: 10, M: 24, steps: 60 });
    const explicit = simulateSeedExplicitA(args);
    const gRef = simulateSeedReference(args);
    const gNative = await loadNative().simulateSeed(args).promise;
    expect(explicit.diverged).toBe(false);
    expect(maxRelDiff(gRef.loss, explicit.loss)).toBeLessThan(1e-10);
    expect(maxRelDiff(gNative.loss, explicit.loss)).toBeLessThan(1e-10);
    // Feature learning really happened: γ > 0 changes the curve relative to γ = 0.
    const lazy = simulateSeedExplicitA({ ...args, gamma: 0 });
    expect(maxRelDiff(lazy.loss, explicit.loss)).toBeGreaterThan(1e-4);
  });
});
