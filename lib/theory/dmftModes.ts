/**
 * Mode quadrature of the finite-N DMFT (SPEC 3.2, "log-binning"): the first modes exactly, the rest in
 * log-spaced bins, each represented by one mode with the bin's mean λ, a w*² that preserves the bin's share of
 * the initial loss Σ λ_k w*_k², and the bin's multiplicity. With M ≤ modeBins every mode is exact.
 */
import type { DmftModes } from '../reference/theory/dmft.js';

export function dmftModes(alpha: number, beta: number, M: number, modeBins: number): DmftModes {
  const lam = (k: number): number => Math.pow(k, -alpha);
  const w2 = (k: number): number => Math.pow(k, -alpha * beta - 1 + alpha);
  const L: number[] = [], W: number[] = [], Mu: number[] = [];
  if (M <= modeBins) {
    for (let k = 1; k <= M; k++) { L.push(lam(k)); W.push(w2(k)); Mu.push(1); }
  } else {
    const exact = Math.floor(modeBins / 2);
    for (let k = 1; k <= exact; k++) { L.push(lam(k)); W.push(w2(k)); Mu.push(1); }
    const nb = modeBins - exact;
    // Bin edges log-spaced on (exact, M]: bin j holds k in (e_j, e_{j+1}].
    const lo = Math.log(exact), hi = Math.log(M);
    let prev = exact;
    for (let j = 1; j <= nb; j++) {
      const edge = j === nb ? M : Math.max(prev + 1, Math.round(Math.exp(lo + (hi - lo) * j / nb)));
      if (edge <= prev) continue;
      let sl = 0, slw = 0;
      for (let k = prev + 1; k <= edge; k++) { sl += lam(k); slw += lam(k) * w2(k); }
      const m = edge - prev;
      const lbar = sl / m;
      L.push(lbar); W.push(slw / (m * lbar)); Mu.push(m);
      prev = edge;
      if (prev >= M) break;
    }
  }
  return { lambda: Float64Array.from(L), wstar2: Float64Array.from(W), mult: Float64Array.from(Mu) };
}
