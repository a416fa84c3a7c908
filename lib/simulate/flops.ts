/** Floating-point operations per SGD step actually executed (docs/algorithm.md section 7). */
export interface FlopShape {
  model: 'projected' | 'unprojected';
  N: number; M: number; gamma: number; batch: number; data: number; sampler: 'explicit' | 'exact' | 'span';
}

export function flopsPerStep(s: FlopShape): number {
  const { N, M } = s;
  if (s.sampler === 'span') {
    // In the eigenbasis everything is O(N) but the pass over H (H b̃, the rank-one update, Hᵀw: 6N², γ ≠ 0); the
    // O(N²M + N³) set-up is not per step (docs/algorithm.md section 5b).
    return (s.gamma === 0 ? 0 : 6 * N * N) + 20 * N;
  }
  let f = s.model === 'projected' ? 4 * N * M + (s.gamma === 0 ? 0 : 6 * N * N) : 6 * N * M;
  f += 3 * M;
  if (Number.isFinite(s.data)) f += Number.isFinite(s.batch) ? 4 * s.batch * M : 4 * s.data * M;
  else if (Number.isFinite(s.batch)) f += s.sampler === 'explicit' ? 4 * s.batch * M : 8 * M;
  else f += M;
  return f;
}
