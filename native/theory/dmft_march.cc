// Time-marching solver of the finite-N B = ∞ DMFT (SPEC 3.2; docs/theory-dmft.md, docs/performance.md).
// Same fixed point as the damped Picard iteration in dmft.cc, computed once, forward in time.
//
// Causality (SPEC 3.2, "the memory terms are strictly causal"): with n = T + 1 grid points, row t of
//   Φ_w  needs C_b rows < t            (Φ_w[t] = Φ_w[t-1] + η e_{t-1} + η²γ Σ_{i<t-1} C_b(t-1,i) Φ_w[i])
//   C_w  needs Φ_w rows ≤ t, C_b rows < t;  Φ_z[t] = Φ_w[t] + ηγ tril(C_w,-1)[t]
//   R_z  needs Φ_z row t, E = R_g R_z rows < t   (R_z = Φ_z + Φ_z R_g R_z)
//   C_z  needs R_z rows ≤ t, C_g rows < t        (C_z = R_z C_g R_zᵀ)
//   H_k  needs R_z row t, H_k rows < t          (H_k = (I + λ_k R_z)^{-1}, unit lower triangular)
//   C_g, R_g, L need H_k rows ≤ t, C_z rows ≤ t  (C_g = Σ m λ² (w*² h hᵀ + H C_z Hᵀ/N), R_g = -Σ m λ H / N)
//   E, C_b need R_g, R_z, C_g rows ≤ t            (C_b = (I+E) C_g (I+E)ᵀ)
// Rows [t0, t1) are a block. One pass recomputes all block rows in the order above, with every product split into
// a history part (rows < t0, exact, BLAS-3 on b × t blocks) and the block's own rows from the previous pass (the
// per-mode H_k block is solved exactly by a b×b triangular solve). Pass k makes row t0+k-1 exact, so a block needs
// at most b + 1 passes; with the shifted-diagonal prediction it needs far fewer (docs/performance.md).
//
// Memory (doubles): 9 n² (C_g, R_g, C_b, C_w, Φ_w, Φ_z, R_z, C_z, E as full n×n) + bins·(n² + n·S)/2 (each H_k's
// lower triangle, packed per storage block of S ≥ 64 rows) + 2·bins·n·b (stacked H rows and W) + O(n·b) scratch.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <cmath>
#include <vector>

#include "common/cancel.h"
#include "theory/dmft.h"

namespace richscale::dmft {
namespace {

using Mat = std::vector<double>;
inline blasint BI(int64_t n) { return static_cast<blasint>(n); }

// C = alpha·op(A)·op(B) + beta·C (row-major); no call for empty products (k = 0 only scales C).
void Gemm(bool tA, bool tB, int64_t m, int64_t nn, int64_t k, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  if (m <= 0 || nn <= 0) return;
  if (k <= 0) {
    if (beta != 1.0)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < nn; ++j) C[i * ldc + j] *= beta;
    return;
  }
  cblas_dgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, BI(m), BI(nn), BI(k),
              alpha, A, BI(lda), B, BI(ldb), beta, C, BI(ldc));
}

// Polynomial extrapolation of X(t, s) (row-major, leading dimension ld) from rows t-1..t-order-1: down column s
// (vertical) or along the diagonal (X(t-k, max(s-k, 0))). Order drops where fewer rows exist; X(0, ·) = 0.
double Extrapolate(const Mat& X, int64_t ld, int64_t t, int64_t s, bool vertical, int order) {
  static constexpr double kCoef[4][4] = {{1, 0, 0, 0}, {2, -1, 0, 0}, {3, -3, 1, 0}, {4, -6, 4, -1}};
  if (t == 0) return 0.0;
  const int o = static_cast<int>(std::min<int64_t>(order, t - 1));
  double v = 0;
  for (int k = 1; k <= o + 1; ++k) {
    const int64_t sk = vertical ? s : std::max<int64_t>(s - k, 0);
    v += kCoef[o][k - 1] * X[(t - k) * ld + sk];
  }
  return v;
}

// Rows per storage block of the packed H_k (rounded up to a multiple of the march block).
constexpr int64_t kStorageRows = 64;

// Per-worker M-site scratch: P (b × t1), the b×b block of I + λR_z, partial sums of C_g, R_g, L.
struct Scratch {
  Mat P, L22, CgN, RgN, lossN;
  Scratch(size_t bn, size_t b) : P(bn), L22(b * b), CgN(bn), RgN(bn), lossN(b) {}
};

// Sets OpenBLAS to `n` threads for its lifetime (restores the previous count).
class BlasThreads {
 public:
  explicit BlasThreads(int n) : prev_(openblas_get_num_threads()) { openblas_set_num_threads(n); }
  ~BlasThreads() { openblas_set_num_threads(prev_); }
  BlasThreads(const BlasThreads&) = delete;
  BlasThreads& operator=(const BlasThreads&) = delete;

 private:
  int prev_;
};

}  // namespace

double MarchBytes(int64_t steps, int64_t bins, int64_t block) {
  const double n = static_cast<double>(steps + 1);
  const int64_t bs = std::max<int64_t>(1, std::min<int64_t>(block, steps + 1));
  const double b = static_cast<double>(bs);
  const double S = static_cast<double>(bs * std::max<int64_t>(1, (kStorageRows + bs - 1) / bs));
  return 8.0 * (9.0 * n * n + static_cast<double>(bins) * (n * n + n * S) / 2.0 + (6.0 + 4.0 * 2.0 + 2.0 * static_cast<double>(bins)) * n * b + 3.0 * bins * n);
}

Result March(const Args& a, const MarchOptions& o, const std::atomic<bool>& cancel,
             const std::function<void(int64_t, int64_t)>& onBlock) {
  const auto check = [&cancel] {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
  };
  const int64_t n = a.steps + 1;
  const int64_t bs = std::max<int64_t>(1, std::min<int64_t>(o.block, n));
  const int64_t maxPasses = o.maxPasses > 0 ? o.maxPasses : bs + 4;
  const size_t nn = static_cast<size_t>(n) * static_cast<size_t>(n);
  const double eta = a.eta, gamma = a.gamma, N = a.N;
  const size_t nb = a.modes.lambda.size();
  const int64_t nblocks = (n + bs - 1) / bs;

  Mat Cg(nn, 0.0), Rg(nn, 0.0), Cb(nn, 0.0), Cw(nn, 0.0), Pw(nn, 0.0), Pz(nn, 0.0), Rz(nn, 0.0), Cz(nn, 0.0),
      E(nn, 0.0);
  Mat loss(static_cast<size_t>(n), 0.0), vv(nb * static_cast<size_t>(n), 0.0), hb(nb * static_cast<size_t>(n), 0.0);
  // Per-bin H_k, lower triangle packed by storage blocks of S rows (a multiple of the march block, ≥ 64, so that
  // the history products are few, long BLAS calls even for small march blocks): storage block j holds rows
  // [jS, e_j), e_j = min(n, (j+1)S), as (e_j - jS) × e_j row-major at offset off[j].
  const int64_t S = bs * std::max<int64_t>(1, (kStorageRows + bs - 1) / bs);
  const int64_t nstore = (n + S - 1) / S;
  std::vector<size_t> off(static_cast<size_t>(nstore) + 1, 0);
  for (int64_t j = 0; j < nstore; ++j) {
    const int64_t a0 = j * S, a1 = std::min(n, a0 + S);
    off[j + 1] = off[j] + static_cast<size_t>((a1 - a0) * a1);
  }
  std::vector<Mat> H(nb);
  for (auto& h : H) h.assign(off[nstore], 0.0);

  // Block scratch (b × n).
  const size_t bn = static_cast<size_t>(bs) * static_cast<size_t>(n);
  Mat Y(bn), oCg(bn), oRg(bn), oCb(bn), oE(bn), Q(bn), oLoss(static_cast<size_t>(bs));
  const int nthreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(o.threads, static_cast<int64_t>(nb))));
  std::vector<Scratch> scratch;
  Mat Hstack(nb * bn), Wstack(nb * bn);  // the bins' recomputed H rows stacked, and W = H C_z
  for (int w = 0; w < nthreads; ++w) scratch.emplace_back(bn, static_cast<size_t>(bs));

  Result r;
  int64_t totalPasses = 0;
  // Profile: N-site, per-bin H, stacked W, per-bin P + sums, rest (prediction, bookkeeping, convergence test).
  double prof[5] = {0, 0, 0, 0, 0};
  using Clock = std::chrono::steady_clock;
  auto lap = Clock::now();
  const auto tick = [&](int slot) {
    const auto now = Clock::now();
    prof[slot] += std::chrono::duration<double>(now - lap).count();
    lap = now;
  };
  const auto mirrorRows = [n](Mat& X, int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t s = 0; s < t; ++s) X[s * n + t] = X[t * n + s];
  };

  for (int64_t jb = 0; jb < nblocks; ++jb) {
    const int64_t t0 = jb * bs, t1 = std::min(n, t0 + bs), b = t1 - t0;
    // Prediction of the block rows (the passes converge geometrically from it, so a good start saves passes):
    // C_g, C_b, L: cubic extrapolation down each column (t → X(t,s) is smooth) away from the diagonal, along the
    // diagonal near it; R_g, E (functions of t - s mostly): linear extrapolation along the diagonal.
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t s = 0; s <= t; ++s) {
        const bool vertical = s < t0 - 4;
        Cg[t * n + s] = Extrapolate(Cg, n, t, s, vertical, 3);
        Cb[t * n + s] = Extrapolate(Cb, n, t, s, vertical, 3);
        Rg[t * n + s] = Extrapolate(Rg, n, t, s, false, 1);
        E[t * n + s] = Extrapolate(E, n, t, s, false, 1);
      }
    for (int64_t t = t0; t < t1; ++t) loss[t] = Extrapolate(loss, 1, t, 0, true, 3);
    for (int64_t t = t0; t < t1; ++t) E[t * n + t] = 0.0;
    mirrorRows(Cg, t0, t1);
    mirrorRows(Cb, t0, t1);

    int64_t pass = 0;
    double res = INFINITY, prevRes = INFINITY;
    int64_t f = 0;  // rows of the block that are final (frozen)
    for (pass = 1; pass <= maxPasses; ++pass) {
      check();
      const int64_t r0 = t0 + f, bb = b - f;
      const int64_t J = t0 / S, J0 = J * S, eJ = std::min(n, J0 + S);
      for (int64_t i = 0; i < b; ++i)
        for (int64_t s = 0; s < t1; ++s) {
          oCg[i * t1 + s] = Cg[(t0 + i) * n + s];
          oRg[i * t1 + s] = Rg[(t0 + i) * n + s];
          oCb[i * t1 + s] = Cb[(t0 + i) * n + s];
          oE[i * t1 + s] = E[(t0 + i) * n + s];
        }
      for (int64_t i = 0; i < b; ++i) oLoss[i] = loss[t0 + i];

      tick(4);
      // 1. Φ_w rows (SPEC 3.2 N-site): Φ_w[t] = Φ_w[t-1] + η e_{t-1} + η²γ Q[t-1], Q[j] = Σ_{i<j} C_b(j,i) Φ_w[i].
      //    History part for j ∈ [t0, t1-1): C_b[j, :t0] Φ_w[:t0, :t0] (one gemm); j = t0-1 and the block part below.
      if (b > 1) Gemm(false, false, b - 1, t0, t0, 1.0, &Cb[t0 * n], n, Pw.data(), n, 0.0, Q.data(), n);
      for (int64_t t = t0; t < t1; ++t) {
        double* row = &Pw[t * n];
        std::fill(row, row + n, 0.0);
        if (t == 0) continue;
        const int64_t j = t - 1;
        std::vector<double> q(static_cast<size_t>(t), 0.0);
        if (j < t0) {  // j = t0 - 1: Σ_{i<j} over history rows only
          for (int64_t i = 0; i < j; ++i) {
            const double c = Cb[j * n + i];
            if (c == 0) continue;
            for (int64_t s = 0; s < i; ++s) q[s] += c * Pw[i * n + s];
          }
        } else {
          for (int64_t s = 0; s < t0; ++s) q[s] = Q[(j - t0) * n + s];
          for (int64_t i = t0; i < j; ++i) {
            const double c = Cb[j * n + i];
            for (int64_t s = 0; s < i; ++s) q[s] += c * Pw[i * n + s];
          }
        }
        const double* prev = &Pw[j * n];
        for (int64_t s = 0; s < t; ++s) row[s] = prev[s] + eta * eta * gamma * q[s];
        row[j] += eta;
      }
      check();
      // 2. C_w rows = Φ_w[B] C_b Φ_wᵀ ; 3. Φ_z = Φ_w + ηγ tril(C_w,-1)
      Gemm(false, false, b, t1, t1, 1.0, &Pw[t0 * n], n, Cb.data(), n, 0.0, Y.data(), t1);
      Gemm(false, true, b, t1, t1, 1.0, Y.data(), t1, Pw.data(), n, 0.0, &Cw[t0 * n], n);
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t s = 0; s < n; ++s) Pz[t * n + s] = Pw[t * n + s] + (s < t ? eta * gamma * Cw[t * n + s] : 0.0);
      // 4. R_z rows = Φ_z[B] + Φ_z[B] E  (E = R_g R_z strictly lower; block rows of E from the previous pass)
      for (int64_t t = t0; t < t1; ++t) std::copy(&Pz[t * n], &Pz[t * n] + n, &Rz[t * n]);
      Gemm(false, false, b, t1, t1, 1.0, &Pz[t0 * n], n, E.data(), n, 1.0, &Rz[t0 * n], n);
      // 5. C_z rows = R_z[B] C_g R_zᵀ (symmetric: mirror into the columns)
      Gemm(false, false, b, t1, t1, 1.0, &Rz[t0 * n], n, Cg.data(), n, 0.0, Y.data(), t1);
      Gemm(false, true, b, t1, t1, 1.0, Y.data(), t1, Rz.data(), n, 0.0, &Cz[t0 * n], n);
      mirrorRows(Cz, t0, t1);
      check();

      // 6. M-site (SPEC 3.2), per bin: H rows, h = H 1, P = H C_z Hᵀ; accumulate C_g, R_g, L rows.
      //    Three phases: per bin the H rows (history product + b×b triangular solve) and h; one stacked product
      //    W = [H_1; …; H_bins] C_z over all bins (C_z read once; BLAS threads); per bin P = W_k H_kᵀ and the sums.
      //    The per-bin phases are split over `threads` workers (one BLAS thread each; the b-row products are too
      //    thin for OpenBLAS's own threading to pay), each with its own accumulators, summed afterwards.
      const auto binH = [&](size_t k, Scratch& sc) {
        const double lam = a.modes.lambda[k];
        double* Hk = H[k].data();
        // rows r0..t1-1 live in storage block J (rows [J0, eJ), leading dimension eJ); rows < r0 are final
        double* HJ = Hk + off[J];
        double* Hs = HJ + (r0 - J0) * eJ;  // the bb = b - f rows recomputed
        for (int64_t i = 0; i < bb; ++i) std::fill(Hs + i * eJ, Hs + i * eJ + t1, 0.0);
        // history: H[r, :r0] = -λ R_z[r, :r0] H[:r0, :r0], storage block by storage block
        for (int64_t j = 0; j < J; ++j) {
          const int64_t a0 = j * S, a1 = std::min(n, a0 + S);
          Gemm(false, false, bb, a1, a1 - a0, -lam, &Rz[r0 * n + a0], n, Hk + off[j], a1, 1.0, Hs, eJ);
        }
        // rows [J0, r0) of the current storage block (earlier march blocks and this block's frozen rows)
        Gemm(false, false, bb, r0, r0 - J0, -lam, &Rz[r0 * n + J0], n, HJ, eJ, 1.0, Hs, eJ);
        for (int64_t i = 0; i < bb; ++i) Hs[i * eJ + r0 + i] += 1.0;
        // within the recomputed rows: (I + λ R_z[r0:t1, r0:t1]) H = rhs (unit lower triangular solve)
        if (bb > 1) {
          for (int64_t i = 0; i < bb; ++i)
            for (int64_t q = 0; q < bb; ++q)
              sc.L22[i * bb + q] = q < i ? lam * Rz[(r0 + i) * n + r0 + q] : (q == i ? 1.0 : 0.0);
          cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, BI(bb), BI(t1), 1.0,
                      sc.L22.data(), BI(bb), Hs, BI(eJ));
        }
        double* h = &hb[k * n];
        for (int64_t i = 0; i < bb; ++i) {
          double s = 0;
          for (int64_t q = 0; q <= r0 + i; ++q) s += Hs[i * eJ + q];
          h[r0 + i] = s;
        }
        // copy the rows into the stack for the one W = H C_z product over all bins (C_z is read once, not per bin)
        for (int64_t i = 0; i < bb; ++i) std::copy(Hs + i * eJ, Hs + i * eJ + t1, &Hstack[(k * bb + i) * t1]);
      };
      // P[r0:t1, :t1] = W H[:t1,:]ᵀ with W = H[r0:t1,:] C_z (from the stacked product); accumulate C_g, R_g, L rows
      const auto binP = [&](size_t k, Scratch& sc) {
        const double lam = a.modes.lambda[k], w2 = a.modes.wstar2[k], m = a.modes.mult[k];
        double* Hk = H[k].data();
        double* HJ = Hk + off[J];
        const double* Hs = HJ + (r0 - J0) * eJ;
        const double* h = &hb[k * n];
        const double* W = &Wstack[k * bb * t1];
        for (int64_t j = 0; j < J; ++j) {
          const int64_t a0 = j * S, a1 = std::min(n, a0 + S);
          Gemm(false, true, bb, a1 - a0, a1, 1.0, W, t1, Hk + off[j], a1, 0.0, &sc.P[a0], t1);
        }
        Gemm(false, true, bb, t1 - J0, t1, 1.0, W, t1, HJ, eJ, 0.0, &sc.P[J0], t1);
        const double cg = m * lam * lam, rg = m * lam / N;
        for (int64_t i = 0; i < bb; ++i) {
          const int64_t t = r0 + i, row = (f + i) * t1;
          for (int64_t s = 0; s <= t; ++s) {
            sc.CgN[row + s] += cg * (w2 * h[t] * h[s] + sc.P[i * t1 + s] / N);
            sc.RgN[row + s] -= rg * Hs[i * eJ + s];
          }
          const double d = w2 * h[t] * h[t] + sc.P[i * t1 + t] / N;
          vv[k * n + t] = d;
          sc.lossN[f + i] += m * lam * d;
        }
      };
      for (Scratch& sc : scratch) {
        std::fill(sc.CgN.begin(), sc.CgN.begin() + b * t1, 0.0);
        std::fill(sc.RgN.begin(), sc.RgN.begin() + b * t1, 0.0);
        std::fill(sc.lossN.begin(), sc.lossN.end(), 0.0);
      }
      const auto forBins = [&](const auto& fn) {
        if (nthreads == 1) {
          for (size_t k = 0; k < nb; ++k) {
            check();
            fn(k, scratch[0]);
          }
          return;
        }
        // Static assignment (bin k → worker k mod threads, in increasing k) keeps the sums' order, hence the
        // result, bitwise reproducible from run to run.
        std::atomic<bool> failed{false};
        std::vector<std::exception_ptr> errs(static_cast<size_t>(nthreads));
        const auto worker = [&](int w) {
          try {
            for (size_t k = static_cast<size_t>(w); k < nb && !failed.load(); k += static_cast<size_t>(nthreads)) {
              check();
              fn(k, scratch[static_cast<size_t>(w)]);
            }
          } catch (...) {
            errs[static_cast<size_t>(w)] = std::current_exception();
            failed.store(true);
          }
        };
        {
          const BlasThreads one(1);
          std::vector<std::thread> pool;
          for (int w = 1; w < nthreads; ++w) pool.emplace_back(worker, w);
          worker(0);
          for (auto& th : pool) th.join();
        }
        for (auto& e : errs)
          if (e) std::rethrow_exception(e);
      };
      tick(0);
      forBins(binH);
      tick(1);
      check();
      Gemm(false, false, static_cast<int64_t>(nb) * bb, t1, t1, 1.0, Hstack.data(), t1, Cz.data(), n, 0.0,
           Wstack.data(), t1);
      tick(2);
      forBins(binP);
      if (nthreads > 1) {
        for (int w = 1; w < nthreads; ++w) {
          const Scratch& sw = scratch[static_cast<size_t>(w)];
          for (int64_t i = 0; i < b * t1; ++i) {
            scratch[0].CgN[i] += sw.CgN[i];
            scratch[0].RgN[i] += sw.RgN[i];
          }
          for (int64_t i = 0; i < b; ++i) scratch[0].lossN[i] += sw.lossN[i];
        }
      }
      tick(3);
      const Mat& CgN = scratch[0].CgN;
      const Mat& RgN = scratch[0].RgN;
      const Mat& lossN = scratch[0].lossN;
      // 7. write C_g, R_g, L rows (the recomputed ones)
      for (int64_t i = f; i < b; ++i) {
        const int64_t t = t0 + i;
        for (int64_t s = 0; s <= t; ++s) {
          Cg[t * n + s] = CgN[i * t1 + s];
          Rg[t * n + s] = RgN[i * t1 + s];
        }
        loss[t] = lossN[i];
      }
      mirrorRows(Cg, t0, t1);
      // 8. E rows = R_g[B] R_z ; 9. C_b rows = (I+E)[B] C_g (I+E)ᵀ
      Gemm(false, false, b, t1, t1, 1.0, &Rg[t0 * n], n, Rz.data(), n, 0.0, &E[t0 * n], n);
      for (int64_t i = 0; i < b; ++i) std::copy(&Cg[(t0 + i) * n], &Cg[(t0 + i) * n] + t1, &Y[i * t1]);
      Gemm(false, false, b, t1, t1, 1.0, &E[t0 * n], n, Cg.data(), n, 1.0, Y.data(), t1);
      for (int64_t i = 0; i < b; ++i) std::copy(&Y[i * t1], &Y[i * t1] + t1, &Cb[(t0 + i) * n]);
      Gemm(false, true, b, t1, t1, 1.0, Y.data(), t1, E.data(), n, 1.0, &Cb[t0 * n], n);
      mirrorRows(Cb, t0, t1);
      tick(0);

      // 10. change of the block rows since the previous pass, per row relative to each quantity's block max
      double den[5] = {0, 0, 0, 0, 0};
      const Mat* cur[4] = {&Cg, &Rg, &Cb, &E};
      const Mat* old[4] = {&oCg, &oRg, &oCb, &oE};
      for (int q = 0; q < 4; ++q)
        for (int64_t i = 0; i < b; ++i)
          for (int64_t c = 0; c < t1; ++c) den[q] = std::max(den[q], std::fabs((*cur[q])[(t0 + i) * n + c]));
      for (int64_t i = 0; i < b; ++i) den[4] = std::max(den[4], std::fabs(loss[t0 + i]));
      res = 0;
      int64_t prefix = f;  // rows converged from the start of the block
      bool leading = true;
      for (int64_t i = f; i < b; ++i) {
        double rr = 0;
        for (int q = 0; q < 4; ++q) {
          double num = 0;
          for (int64_t c = 0; c < t1; ++c) {
            const double x = (*cur[q])[(t0 + i) * n + c];
            if (!std::isfinite(x)) num = NAN;
            num = std::max(num, std::fabs(x - (*old[q])[i * t1 + c]));
          }
          rr = std::max(rr, den[q] > 0 ? num / den[q] : num);
        }
        const double dl = std::fabs(loss[t0 + i] - oLoss[i]);
        rr = std::max(rr, den[4] > 0 ? dl / den[4] : dl);
        if (!std::isfinite(rr) || !std::isfinite(loss[t0 + i])) rr = NAN;
        res = std::isnan(rr) || std::isnan(res) ? NAN : std::max(res, rr);
        if (leading && rr < o.innerTol) prefix = i + 1; else leading = false;
      }
      if (!std::isfinite(res)) break;
      if (res < o.innerTol) break;
      // After pass k the first k rows are exact (each pass takes every block input from rows before it or from the
      // previous pass), so rows < max(pass, converged prefix) are frozen: the next pass recomputes only the others'
      // M-site (the per-bin work), and pass b ends the block.
      f = std::max(prefix, std::min(pass, b));
      if (f >= b) break;
      // Rounding floor: stop when a tiny change no longer shrinks (two passes within 2x below 100·innerTol).
      if (res < 100 * o.innerTol && res > 0.5 * prevRes) break;
      prevRes = res;
    }
    totalPasses += std::min(pass, maxPasses);
    r.residuals.push_back(res);
    if (!std::isfinite(res) || pass > maxPasses) {
      r.failure = std::isfinite(res) ? "passes" : "nan";
      r.iterations = totalPasses;
      r.state.loss = std::move(loss);
      return r;
    }
    mirrorRows(Cw, t0, t1);
    if (onBlock) onBlock(t1, std::min(pass, maxPasses));
  }
  tick(4);
  r.profile.assign(prof, prof + 5);
  r.iterations = totalPasses;
  r.converged = true;
  r.state.Cg = std::move(Cg);
  r.state.Rg = std::move(Rg);
  r.state.Cb = std::move(Cb);
  r.state.Cw = std::move(Cw);
  r.state.vv = std::move(vv);
  r.state.loss = std::move(loss);
  return r;
}

}  // namespace richscale::dmft
