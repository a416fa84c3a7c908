/** Recorded steps (docs/algorithm.md section 6, SPEC 8.1): a log grid containing 0 and T, or every step. */
export function logGrid(steps: number, points: number): Float64Array {
  const set = new Set<number>([0, steps]);
  if (steps >= 1 && points >= 2) {
    const top = Math.log10(steps);
    for (let j = 0; j < points; j++) set.add(Math.round(Math.pow(10, (j * top) / (points - 1))));
  }
  return Float64Array.from([...set].filter((t) => t >= 0 && t <= steps).sort((a, b) => a - b));
}

export function everyStep(steps: number): Float64Array {
  const out = new Float64Array(steps + 1);
  for (let t = 0; t <= steps; t++) out[t] = t;
  return out;
}
