/** Per-recorded-step ensemble statistics over seeds (SPEC 8.1: mean, standard deviation, standard error). */
export interface SeedStats { mean: Float64Array; std: Float64Array; stderr: Float64Array }

/**
 * Mean, unbiased sample standard deviation and standard error (std/√S) at each recorded step. The spread is
 * computed around the mean of the deviations from the first seed's value, so identical values (every seed at
 * step 0) give a mean equal to that value and std = stderr = 0 exactly. With a single seed std and stderr are
 * undefined: NaN (written as empty fields / null, drawn without a band).
 */
export function seedStats(perSeed: Float64Array[]): SeedStats {
  const S = perSeed.length;
  const n = S === 0 ? 0 : perSeed[0]!.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const stderr = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const x0 = perSeed[0]![j]!;
    let d = 0;
    for (const row of perSeed) d += row[j]! - x0;
    d /= S;
    let v = 0;
    for (const row of perSeed) v += (row[j]! - x0 - d) ** 2;
    const sd = S > 1 ? Math.sqrt(v / (S - 1)) : NaN;
    mean[j] = x0 + d;
    std[j] = sd;
    stderr[j] = sd / Math.sqrt(S);
  }
  return { mean, std, stderr };
}
