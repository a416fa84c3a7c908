/** Floating-point operations per SGD step actually executed (docs/algorithm.md section 7). */
export interface FlopShape {
  model: 'projected' | 'unprojected';
  N: number; M: number; gamma: number; batch: number; data: number; sampler: 'explicit' | 'exact' | 'span';
}

export function flopsPerStep(s: FlopShape): number {
  const { N, M } = s;
  if (s.sampler === 'span') {
    // K z (2N²), Gᵀw, G b, the rank-one update (6N², γ ≠ 0), y = Cη ((N+1)², finite B), vector work; the O(N²M)
    // set-up is not per step (lib/reference/span.ts).
    return 2 * N * N + (s.gamma === 0 ? 0 : 6 * N * N) + (Number.isFinite(s.batch) ? (N + 1) * (N + 1) : 0) + 12 * N;
  }
  let f = s.model === 'projected' ? 4 * N * M + (s.gamma === 0 ? 0 : 6 * N * N) : 6 * N * M;
  f += 3 * M;
  if (Number.isFinite(s.data)) f += Number.isFinite(s.batch) ? 4 * s.batch * M : 4 * s.data * M;
  else if (Number.isFinite(s.batch)) f += s.sampler === 'explicit' ? 4 * s.batch * M : 8 * M;
  else f += M;
  return f;
}
