/** Per-recorded-step ensemble statistics over seeds (SPEC 8.1: mean, standard deviation, standard error). */
export interface SeedStats { mean: Float64Array; std: Float64Array; stderr: Float64Array }

export function seedStats(perSeed: Float64Array[]): SeedStats {
  const S = perSeed.length;
  const n = S === 0 ? 0 : perSeed[0]!.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const stderr = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (const row of perSeed) m += row[j]!;
    m /= S;
    let v = 0;
    for (const row of perSeed) v += (row[j]! - m) ** 2;
    // Unbiased sample standard deviation; 0 for a single seed.
    const sd = S > 1 ? Math.sqrt(v / (S - 1)) : 0;
    mean[j] = m;
    std[j] = sd;
    stderr[j] = sd / Math.sqrt(S);
  }
  return { mean, std, stderr };
}
