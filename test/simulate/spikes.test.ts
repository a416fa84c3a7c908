import { describe, expect, it } from 'vitest';
import { describeLossSpikes, findLossSpikes, SPIKE_FACTOR } from '../../lib/simulate/spikes.js';

const steps = Float64Array.from([0, 1, 2, 4, 8, 16, 32, 64]);

describe('loss spikes (unit-step instability warnings)', () => {
  it('a decreasing curve, and one that wobbles by less than the factor, have no spike', () => {
    const smooth = Float64Array.from([1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1]);
    const wobbly = Float64Array.from([1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.2 * (SPIKE_FACTOR - 0.1), 0.1]);
    expect(findLossSpikes(steps, [smooth, wobbly])).toEqual([]);
    expect(describeLossSpikes(0.5, 64, 2, 0.25, [])).toBeNull();
  });

  it('finds the first spike of each seed relative to its own best so far (t = 0 counts as a best, not as a spike)', () => {
    const spiky = Float64Array.from([1, 0.5, 0.2, 0.1, 0.05, 0.5, 0.06, 0.04]);
    const startsHigh = Float64Array.from([1e-9, 1, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]); // rises above L(0) at once
    const spikes = findLossSpikes(steps, [Float64Array.from([1, 0.5, 0.4, 0.3, 0.2, 0.1, 0.09, 0.08]), spiky, startsHigh]);
    expect(spikes).toEqual([
      { seedIndex: 1, step: 16, before: 0.05, loss: 0.5 },
      { seedIndex: 2, step: 1, before: 1e-9, loss: 1 },
    ]);
    expect(describeLossSpikes(0.5, 64, 3, 0.25, spikes)).toMatch(
      /^γ = 0\.5, N = 64: 2 of 3 seed\(s\) show loss spikes \(first: seed index 2 at step 1, .*smaller η \(now 0\.25\)/);
  });
});
