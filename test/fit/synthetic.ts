/** Synthetic curves with known exponents for the fit tests. */
import { Rng } from '../../lib/rng.js';

/** A log grid like richscale's record grid: round(10^(j·top/(P−1))), deduplicated, t ≥ 1. */
export function logSteps(top: number, points: number): number[] {
  const set = new Set<number>();
  for (let j = 0; j < points; j++) set.add(Math.round(Math.pow(10, (j * top) / (points - 1))));
  return [...set].sort((a, b) => a - b);
}

/**
 * S seeds of L_s(t) = A t^-χ · (1 + σ_seed u_s) · (1 + σ z_{s,t}): a per-seed level shift plus independent
 * per-step noise, both mean one, so the seed mean has expectation exactly A t^-χ.
 */
export function noisySeeds(rng: Rng, t: number[], chi: number, S: number, sigma: number, sigmaSeed = 0.05, A = 1): Float64Array[] {
  return Array.from({ length: S }, () => {
    const level = 1 + sigmaSeed * rng.normal();
    return Float64Array.from(t, (tv) => A * Math.pow(tv, -chi) * level * (1 + sigma * rng.normal()));
  });
}

export function meanCurve(seeds: Float64Array[]): Float64Array {
  const n = seeds[0]!.length;
  const m = new Float64Array(n);
  for (const s of seeds) for (let i = 0; i < n; i++) m[i]! += s[i]! / seeds.length;
  return m;
}
