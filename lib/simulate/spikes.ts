/**
 * Loss spikes: a seed whose recorded loss jumps well above its own best so far. In the rich regime the kernel grows
 * by 1 + γ|w|², so a fixed η can cross the unit-step stability limit η·λ_max ≈ 2 late in a run (SPEC 8.2,
 * "Stability") without the loss exploding enough to count as divergence; the curve then shows isolated spikes.
 * These are reported as warnings (never silently averaged into a mean that looks smooth).
 */

/** A recorded loss above this multiple of the seed's running minimum counts as a spike. */
export const SPIKE_FACTOR = 3;

export interface LossSpike {
  seedIndex: number;
  step: number;
  /** The seed's lowest loss before `step`, and its loss at `step`. */
  before: number;
  loss: number;
}

/** The first spike of each seed (if any), over recorded steps t > 0. */
export function findLossSpikes(steps: Float64Array, perSeed: readonly Float64Array[], factor = SPIKE_FACTOR): LossSpike[] {
  const spikes: LossSpike[] = [];
  perSeed.forEach((curve, seedIndex) => {
    let best = Infinity;
    for (let i = 0; i < curve.length; i++) {
      const L = curve[i]!;
      if (steps[i]! > 0 && L > factor * best) {
        spikes.push({ seedIndex, step: steps[i]!, before: best, loss: L });
        return;
      }
      if (L < best) best = L;
    }
  });
  return spikes;
}

/** One warning line for a run's spikes, or null when there are none. */
export function describeLossSpikes(gamma: number, N: number, seeds: number, eta: number, spikes: readonly LossSpike[]): string | null {
  if (spikes.length === 0) return null;
  const first = spikes.reduce((a, b) => (b.step < a.step ? b : a));
  return `γ = ${gamma}, N = ${N}: ${spikes.length} of ${seeds} seed(s) show loss spikes (first: seed index ${first.seedIndex} at ` +
    `step ${first.step}, ${first.before.toExponential(2)} → ${first.loss.toExponential(2)}, over ${SPIKE_FACTOR}× its best so far): ` +
    `likely the unit-step stability limit η·λ_max(1 + γ|w|²) ≈ 2 (SPEC 8.2); a smaller η (now ${eta}) removes them`;
}
