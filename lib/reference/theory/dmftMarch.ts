/**
 * Pure-TypeScript twin of the native time-marching DMFT solver (native/theory/dmft_march.cc), for small T and
 * tests (native vs TS agree to ~1e-10). Same fixed point as the damped Picard iteration (dmft.ts next to this
 * file; SPEC 3.2), computed forward in time: every memory term is strictly causal, so rows [t0, t1) of every
 * two-time object follow from the rows before t0. Same algorithm and operation order as the C++ (blocks of
 * `block` rows, Gauss-Seidel passes inside a block until its rows change by < innerTol), except that the C++
 * stores each bin's H_k packed by row blocks and splits the bins over worker threads (summation order only).
 * B = ∞ only.
 */
import type { DmftCoreResult, DmftModes, DmftState } from './dmft.js';

export interface DmftMarchArgs {
  eta: number;
  gamma: number;
  N: number;
  steps: number;
  modes: DmftModes;
  /** Rows per block (the C++ default is 64). */
  block: number;
  /** Stop a block's passes when its rows change by less than this (relative to their max). */
  innerTol: number;
  /** Passes allowed per block (0 = block + 4). */
  maxPasses: number;
}

const COEF = [[1], [2, -1], [3, -3, 1], [4, -6, 4, -1]] as const;

/** Polynomial extrapolation of X(t, s) from rows t-1..t-order-1, down column s or along the diagonal. */
function extrapolate(X: Float64Array, ld: number, t: number, s: number, vertical: boolean, order: number): number {
  if (t === 0) return 0;
  const o = Math.min(order, t - 1);
  const c = COEF[o]!;
  let v = 0;
  for (let k = 1; k <= o + 1; k++) v += c[k - 1]! * X[(t - k) * ld + (vertical ? s : Math.max(s - k, 0))]!;
  return v;
}

/**
 * Marches the finite-N B = ∞ DMFT (SPEC 3.2) forward in blocks of rows. Result.iterations is the total number of
 * passes; residuals holds each block's last-pass change. onBlock(rowsDone, passes) after each block.
 */
export function dmftMarchReference(a: DmftMarchArgs, onBlock?: (rows: number, passes: number) => void): DmftCoreResult {
  const n = a.steps + 1;
  const bs = Math.max(1, Math.min(a.block, n));
  const maxPasses = a.maxPasses > 0 ? a.maxPasses : bs + 4;
  const { eta, gamma, N } = a;
  const nb = a.modes.lambda.length;
  const nn = n * n;
  const Cg = new Float64Array(nn), Rg = new Float64Array(nn), Cb = new Float64Array(nn), Cw = new Float64Array(nn);
  const Pw = new Float64Array(nn), Pz = new Float64Array(nn), Rz = new Float64Array(nn), Cz = new Float64Array(nn);
  const E = new Float64Array(nn);
  const loss = new Float64Array(n), vv = new Float64Array(nb * n), hb = new Float64Array(nb * n);
  const H: Float64Array[] = Array.from({ length: nb }, () => new Float64Array(nn)); // lower triangles, full storage
  const mirror = (X: Float64Array, t0: number, t1: number): void => {
    for (let t = t0; t < t1; t++) for (let s = 0; s < t; s++) X[s * n + t] = X[t * n + s]!;
  };
  const residuals: number[] = [];
  let totalPasses = 0;
  const nblocks = Math.ceil(n / bs);
  for (let jb = 0; jb < nblocks; jb++) {
    const t0 = jb * bs, t1 = Math.min(n, t0 + bs), b = t1 - t0;
    // prediction: C_g, C_b, L cubic down each column away from the diagonal, along the diagonal near it; R_g, E linear
    // along the diagonal (as the C++)
    for (let t = t0; t < t1; t++) {
      for (let s = 0; s <= t; s++) {
        const vertical = s < t0 - 4;
        Cg[t * n + s] = extrapolate(Cg, n, t, s, vertical, 3);
        Cb[t * n + s] = extrapolate(Cb, n, t, s, vertical, 3);
        Rg[t * n + s] = extrapolate(Rg, n, t, s, false, 1);
        E[t * n + s] = extrapolate(E, n, t, s, false, 1);
      }
    }
    for (let t = t0; t < t1; t++) E[t * n + t] = 0;
    for (let t = t0; t < t1; t++) loss[t] = extrapolate(loss, 1, t, 0, true, 3);
    mirror(Cg, t0, t1);
    mirror(Cb, t0, t1);
    const oCg = new Float64Array(b * t1), oRg = new Float64Array(b * t1), oCb = new Float64Array(b * t1), oE = new Float64Array(b * t1);
    const oLoss = new Float64Array(b);
    let pass = 0, res = Infinity, prevRes = Infinity;
    let f = 0; // rows of the block that are final (frozen)
    for (pass = 1; pass <= maxPasses; pass++) {
      const r0 = t0 + f;
      for (let i = 0; i < b; i++) {
        for (let s = 0; s < t1; s++) {
          oCg[i * t1 + s] = Cg[(t0 + i) * n + s]!; oRg[i * t1 + s] = Rg[(t0 + i) * n + s]!;
          oCb[i * t1 + s] = Cb[(t0 + i) * n + s]!; oE[i * t1 + s] = E[(t0 + i) * n + s]!;
        }
        oLoss[i] = loss[t0 + i]!;
      }
      // 1. Φ_w[t] = Φ_w[t-1] + η e_{t-1} + η²γ Σ_{i<t-1} C_b(t-1,i) Φ_w[i]
      for (let t = t0; t < t1; t++) {
        for (let s = 0; s < n; s++) Pw[t * n + s] = 0;
        if (t === 0) continue;
        const j = t - 1;
        const q = new Float64Array(t);
        for (let i = 0; i < j; i++) {
          const c = Cb[j * n + i]!;
          for (let s = 0; s < i; s++) q[s]! += c * Pw[i * n + s]!;
        }
        for (let s = 0; s < t; s++) Pw[t * n + s] = Pw[j * n + s]! + eta * eta * gamma * q[s]!;
        Pw[t * n + j]! += eta;
      }
      // 2. C_w rows = Φ_w[B] C_b Φ_wᵀ ; 3. Φ_z = Φ_w + ηγ tril(C_w,-1)
      const Y = new Float64Array(b * t1);
      for (let i = 0; i < b; i++) for (let k = 0; k < t1; k++) {
        const p = Pw[(t0 + i) * n + k]!;
        if (p === 0) continue;
        for (let s = 0; s < t1; s++) Y[i * t1 + s]! += p * Cb[k * n + s]!;
      }
      for (let i = 0; i < b; i++) for (let s = 0; s < t1; s++) {
        let acc = 0;
        for (let k = 0; k < t1; k++) acc += Y[i * t1 + k]! * Pw[s * n + k]!;
        Cw[(t0 + i) * n + s] = acc;
      }
      for (let t = t0; t < t1; t++) for (let s = 0; s < n; s++) Pz[t * n + s] = Pw[t * n + s]! + (s < t ? eta * gamma * Cw[t * n + s]! : 0);
      // 4. R_z rows = Φ_z[B] + Φ_z[B] E
      for (let t = t0; t < t1; t++) {
        for (let s = 0; s < n; s++) Rz[t * n + s] = Pz[t * n + s]!;
        for (let k = 0; k < t1; k++) {
          const p = Pz[t * n + k]!;
          if (p === 0) continue;
          for (let s = 0; s < t1; s++) Rz[t * n + s]! += p * E[k * n + s]!;
        }
      }
      // 5. C_z rows = R_z[B] C_g R_zᵀ
      Y.fill(0);
      for (let i = 0; i < b; i++) for (let k = 0; k < t1; k++) {
        const p = Rz[(t0 + i) * n + k]!;
        if (p === 0) continue;
        for (let s = 0; s < t1; s++) Y[i * t1 + s]! += p * Cg[k * n + s]!;
      }
      for (let i = 0; i < b; i++) for (let s = 0; s < t1; s++) {
        let acc = 0;
        for (let k = 0; k < t1; k++) acc += Y[i * t1 + k]! * Rz[s * n + k]!;
        Cz[(t0 + i) * n + s] = acc;
      }
      mirror(Cz, t0, t1);
      // 6. M-site per bin: H rows (history product, then the block's unit lower triangular solve), h, P = H C_z Hᵀ
      const CgN = new Float64Array(b * t1), RgN = new Float64Array(b * t1), lossN = new Float64Array(b);
      for (let k = 0; k < nb; k++) {
        const lam = a.modes.lambda[k]!, w2 = a.modes.wstar2[k]!, m = a.modes.mult[k]!;
        const Hk = H[k]!;
        // rows r0..t1-1 (rows t0..r0-1 are final): history and frozen rows, then the forward solve among the rest
        for (let t = r0; t < t1; t++) {
          for (let s = 0; s < n; s++) Hk[t * n + s] = 0;
          for (let j = 0; j < r0; j++) {
            const c = -lam * Rz[t * n + j]!;
            if (c === 0) continue;
            for (let s = 0; s <= j; s++) Hk[t * n + s]! += c * Hk[j * n + s]!;
          }
          Hk[t * n + t]! += 1;
        }
        for (let t = r0; t < t1; t++) {
          for (let q = r0; q < t; q++) {
            const c = -lam * Rz[t * n + q]!;
            for (let s = 0; s < t1; s++) Hk[t * n + s]! += c * Hk[q * n + s]!;
          }
        }
        const h = hb.subarray(k * n, (k + 1) * n);
        for (let t = r0; t < t1; t++) {
          let s = 0;
          for (let q = 0; q <= t; q++) s += Hk[t * n + q]!;
          h[t] = s;
        }
        const W = new Float64Array(b * t1);
        for (let i = f; i < b; i++) for (let q = 0; q < t1; q++) {
          const hv = Hk[(t0 + i) * n + q]!;
          if (hv === 0) continue;
          for (let s = 0; s < t1; s++) W[i * t1 + s]! += hv * Cz[q * n + s]!;
        }
        const cg = m * lam * lam, rg = (m * lam) / N;
        for (let i = f; i < b; i++) {
          const t = t0 + i;
          for (let s = 0; s <= t; s++) {
            let p = 0;
            for (let q = 0; q <= s; q++) p += W[i * t1 + q]! * Hk[s * n + q]!;
            CgN[i * t1 + s]! += cg * (w2 * h[t]! * h[s]! + p / N);
            RgN[i * t1 + s]! -= rg * Hk[t * n + s]!;
            if (s === t) {
              const d = w2 * h[t]! * h[t]! + p / N;
              vv[k * n + t] = d;
              lossN[i]! += m * lam * d;
            }
          }
        }
      }
      // 7. write C_g, R_g, L rows (the recomputed ones)
      for (let i = f; i < b; i++) {
        const t = t0 + i;
        for (let s = 0; s <= t; s++) { Cg[t * n + s] = CgN[i * t1 + s]!; Rg[t * n + s] = RgN[i * t1 + s]!; }
        loss[t] = lossN[i]!;
      }
      mirror(Cg, t0, t1);
      // 8. E rows = R_g[B] R_z ; 9. C_b rows = (I+E)[B] C_g (I+E)ᵀ
      for (let t = t0; t < t1; t++) {
        for (let s = 0; s < n; s++) E[t * n + s] = 0;
        for (let k = 0; k <= t; k++) {
          const r = Rg[t * n + k]!;
          if (r === 0) continue;
          for (let s = 0; s < k; s++) E[t * n + s]! += r * Rz[k * n + s]!;
        }
      }
      Y.fill(0);
      for (let i = 0; i < b; i++) {
        const t = t0 + i;
        for (let s = 0; s < t1; s++) Y[i * t1 + s] = Cg[t * n + s]!;
        for (let k = 0; k < t1; k++) {
          const e = E[t * n + k]!;
          if (e === 0) continue;
          for (let s = 0; s < t1; s++) Y[i * t1 + s]! += e * Cg[k * n + s]!;
        }
      }
      for (let i = 0; i < b; i++) for (let s = 0; s < t1; s++) {
        let acc = Y[i * t1 + s]!;
        for (let k = 0; k < t1; k++) acc += Y[i * t1 + k]! * E[s * n + k]!;
        Cb[(t0 + i) * n + s] = acc;
      }
      mirror(Cb, t0, t1);
      // 10. change since the previous pass, per row relative to each quantity's block max; rows < max(pass,
      // converged prefix) are final (after pass k the first k rows are exact), pass b ends the block
      const cur = [Cg, Rg, Cb, E], old = [oCg, oRg, oCb, oE];
      const den = [0, 0, 0, 0, 0];
      for (let q = 0; q < 4; q++) for (let i = 0; i < b; i++) for (let c = 0; c < t1; c++) den[q] = Math.max(den[q]!, Math.abs(cur[q]![(t0 + i) * n + c]!));
      for (let i = 0; i < b; i++) den[4] = Math.max(den[4]!, Math.abs(loss[t0 + i]!));
      res = 0;
      let prefix = f, leading = true;
      for (let i = f; i < b; i++) {
        let rr = 0;
        for (let q = 0; q < 4; q++) {
          let num = 0;
          for (let c = 0; c < t1; c++) {
            const x = cur[q]![(t0 + i) * n + c]!;
            if (!Number.isFinite(x)) num = NaN;
            num = Math.max(num, Math.abs(x - old[q]![i * t1 + c]!));
          }
          rr = Math.max(rr, den[q]! > 0 ? num / den[q]! : num);
        }
        const dl = Math.abs(loss[t0 + i]! - oLoss[i]!);
        rr = Math.max(rr, den[4]! > 0 ? dl / den[4]! : dl);
        if (!Number.isFinite(rr) || !Number.isFinite(loss[t0 + i]!)) rr = NaN;
        res = Number.isNaN(rr) || Number.isNaN(res) ? NaN : Math.max(res, rr);
        if (leading && rr < a.innerTol) prefix = i + 1; else leading = false;
      }
      if (Number.isNaN(res)) break;
      if (res < a.innerTol) break;
      f = Math.max(prefix, Math.min(pass, b));
      if (f >= b) break;
      if (res < 100 * a.innerTol && res > 0.5 * prevRes) break;
      prevRes = res;
    }
    totalPasses += Math.min(pass, maxPasses);
    residuals.push(res);
    if (Number.isNaN(res) || pass > maxPasses) {
      const empty = new Float64Array(0);
      const state: DmftState = { Cg: empty, Rg: empty, Cb: empty, Cw: empty, vv: empty, loss };
      return { state, residuals, iterations: totalPasses, converged: false, failure: Number.isNaN(res) ? 'nan' : 'passes' };
    }
    mirror(Cw, t0, t1);
    onBlock?.(t1, Math.min(pass, maxPasses));
  }
  return { state: { Cg, Rg, Cb, Cw, vv, loss }, residuals, iterations: totalPasses, converged: true, failure: '' };
}
