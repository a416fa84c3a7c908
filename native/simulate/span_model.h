// The projected model stepped inside the span of A(0)'s N features (docs/algorithm.md section 5b,
// docs/performance.md): sampler 'span'. Included by simulate.cc only. Twin: lib/reference/span.ts.
//
// Why it is exact. With A(t) = G(t) A(0) (SPEC 2.1, 8.2) everything a step needs is a function of the N-vector
// z = Gᵀw and of fixed N×N / N-vector moments of A(0), because v = w* - A(0)ᵀz/√N:
//   K = A(0) Λ A(0)ᵀ,  p = A(0) Λ w*,  c0 = w*ᵀ Λ w*
//   L = vᵀΛv = c0 - 2 p·z/√N + zᵀKz/N,   b = A(0) Λ v = p - K z/√N   (B = ∞).
// The exact O(M) batch sampler of SPEC 8.2 needs, besides Λv, only y = (A(0)Λ^{1/2}ξ, w*ᵀΛ^{1/2}ξ) for
// ξ ~ N(0, I_M): a Gaussian (N+1)-vector with covariance Σ = [[K, p], [pᵀ, c0]]. Then (Λ^{1/2}v)·ξ =
// y_N - z·y_{0:N}/√N, |Λ^{1/2}v|² = L and b = a1 (p - Kz/√N) + a2 y_{0:N}, a1 = (S - √S c)/B, a2 = r√S/B (the
// formulas of the M-space sampler).
// In the eigenbasis of K = Q D Qᵀ all of this is diagonal: with z̃ = Qᵀz, p̃ = Qᵀp, b̃ = Qᵀb and H = G Q,
//   z̃ = Hᵀw,  L = c0 - 2 p̃·z̃/√N + Σ_j D_j z̃_j²/N,  b̃ = p̃ - D z̃/√N,
//   Δw = (η/√N) H b̃,  H += (ηγ/√N) w b̃ᵀ  (= G += (ηγ/√N) w bᵀ times Q),
// and Σ in that basis is the arrowhead [[D, p̃], [p̃ᵀ, c0]] whose Cholesky factor is [[D^{1/2}, 0], [p̃ᵀD^{-1/2}, s]],
// s² = c0 - p̃ᵀD^{-1}p̃: ỹ_j = √D_j η_j, y_N = Σ_j p̃_j η_j/√D_j + s η_N with η ~ N(0, I_{N+1}).
// So after an O(N²M + N³) set-up a step costs one read and one write of H (fused: Δw, the rank-one update and the
// next z̃ in one pass over row blocks), O(N) at γ = 0 (w̃ = Qᵀw moves by (η/√N) b̃), and never touches A(0):
// the same distribution as sampler 'exact' (another random stream: N+1 normals a step instead of M) and, for
// B = ∞, the same numbers up to rounding. The loss is a difference of O(c0) terms: absolute rounding ~1e-16·c0.
// The eigenvectors are fixed by a convention shared with the twin (ascending D; each vector's largest-magnitude
// component positive), so that the twin draws the same ỹ from the same η.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/blas.h"
#include "common/rng.h"
#include "simulate/simulate.h"

extern "C" void dsyevd_(const char* jobz, const char* uplo, const blasint* n, double* a, const blasint* lda,
                        double* w, double* work, const blasint* lwork, blasint* iwork, const blasint* liwork,
                        blasint* info);

namespace richscale::simulate::detail {

class SpanModel {
 public:
  // `At` is A(0)ᵀ (M×N row-major). It is released after the set-up unless the final residual is wanted.
  SpanModel(const SeedArgs& a, std::vector<double> At)
      : N_(a.N), M_(a.M), B_(a.batch), eta_(a.eta), gamma_(a.gamma), sqrtN_(std::sqrt(static_cast<double>(a.N))),
        wstar_(a.wstar), At_(std::move(At)), Qt_(Sz(N_) * Sz(N_), 0.0), D_(Sz(N_)), pt_(Sz(N_), 0.0),
        w_(Sz(N_), 0.0), zt_(Sz(N_), 0.0), bt_(Sz(N_)), dw_(Sz(N_)), yt_(Sz(N_) + 1) {
    const int64_t N = N_, M = M_;
    // K = Σ_k λ_k a_k a_kᵀ over slabs of At (rows a_k scaled by √λ_k): lower triangle (row-major) by dsyrk.
    std::vector<double> K(Sz(N) * Sz(N), 0.0);
    const int64_t blk = std::max<int64_t>(1, std::min<int64_t>(M, static_cast<int64_t>((1u << 20) / Sz(N))));
    std::vector<double> Y(Sz(blk) * Sz(N));
    for (int64_t k0 = 0; k0 < M; k0 += blk) {
      const int64_t n = std::min(blk, M - k0);
      for (int64_t kk = 0; kk < n; ++kk) {
        const double s = std::sqrt(a.lambda[Sz(k0 + kk)]);
        const double* src = At_.data() + Sz(k0 + kk) * Sz(N);
        double* dst = Y.data() + Sz(kk) * Sz(N);
        for (int64_t i = 0; i < N; ++i) dst[i] = s * src[i];
      }
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, blas::I(N), blas::I(n), 1.0, Y.data(), blas::I(N), 1.0,
                  K.data(), blas::I(N));
    }
    std::vector<double> lw(Sz(M));
    c0_ = 0.0;
    for (int64_t k = 0; k < M; ++k) {
      lw[Sz(k)] = a.lambda[Sz(k)] * a.wstar[Sz(k)];
      c0_ += lw[Sz(k)] * a.wstar[Sz(k)];
    }
    std::vector<double> p(Sz(N));
    blas::gemvT(M, N, 1.0, At_.data(), lw.data(), 0.0, p.data());
    if (!a.wantFinal) std::vector<double>().swap(At_);
    Eigen(K);
    blas::gemv(N, N, 1.0, Qt_.data(), p.data(), 0.0, pt_.data());
    if (B_ != kUnlimited) ArrowheadFactor();
    if (gamma_ != 0.0) {
      // H(0) = G(0) Q = Q: H[i][j] = Qt[j][i].
      H_.resize(Sz(N) * Sz(N));
      for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < N; ++j) H_[Sz(i) * Sz(N) + Sz(j)] = Qt_[Sz(j) * Sz(N) + Sz(i)];
      }
    }
  }

  // The loss of the current state; with `update`, also this step's randomness and b̃ (see the file comment).
  // `v` is not written (the residual is never formed; FinishResidual() writes it at the end).
  void Forward(Rng& rng, double*, bool update) {
    const int64_t N = N_;
    if (!ztReady_) ComputeZt();
    ztReady_ = false;
    double pz = 0.0, dzz = 0.0;
    for (int64_t j = 0; j < N; ++j) {
      pz += pt_[Sz(j)] * zt_[Sz(j)];
      dzz += D_[Sz(j)] * zt_[Sz(j)] * zt_[Sz(j)];
    }
    L_ = c0_ - 2.0 * pz / sqrtN_ + dzz / static_cast<double>(N);
    if (!update) return;
    for (int64_t j = 0; j < N; ++j) bt_[Sz(j)] = pt_[Sz(j)] - D_[Sz(j)] * zt_[Sz(j)] / sqrtN_;
    if (B_ == kUnlimited) return;
    // n_1..n_B, then η_1..η_{N+1} (drawn even when r = 0, like the M-space sampler).
    double S = 0.0;
    for (int64_t mu = 0; mu < B_; ++mu) {
      const double n = rng.normal();
      S += n * n;
    }
    double yN = 0.0;
    for (int64_t j = 0; j < N; ++j) {
      const double e = rng.normal();
      yt_[Sz(j)] = rootD_[Sz(j)] * e;
      yN += lastRow_[Sz(j)] * e;
    }
    yN += sLast_ * rng.normal();
    const double r = std::sqrt(std::max(L_, 0.0));
    if (r == 0.0) {
      std::fill(bt_.begin(), bt_.end(), 0.0);
      return;
    }
    double zy = 0.0;
    for (int64_t j = 0; j < N; ++j) zy += zt_[Sz(j)] * yt_[Sz(j)];
    const double c = (yN - zy / sqrtN_) / r;
    const double rootS = std::sqrt(S), B = static_cast<double>(B_);
    const double a1 = (S - rootS * c) / B, a2 = (r * rootS) / B;
    for (int64_t j = 0; j < N; ++j) bt_[Sz(j)] = a1 * bt_[Sz(j)] + a2 * yt_[Sz(j)];
  }

  double Loss(int64_t) const { return L_; }

  // γ = 0: w̃ += (η/√N) b̃ (z̃ = w̃). γ ≠ 0, one pass over row blocks of H (kept in cache between its uses):
  // Δw_b = (η/√N) H_b b̃; H_b += (ηγ/√N) w_b b̃ᵀ (old w); w_b += Δw_b; z̃ += H_bᵀ w_b (the next step's z̃).
  void Backward(Rng&, const double*) {
    const int64_t N = N_;
    const double c = eta_ / sqrtN_;
    if (H_.empty()) {
      for (int64_t j = 0; j < N; ++j) w_[Sz(j)] += c * bt_[Sz(j)];
      return;
    }
    const double cg = eta_ * gamma_ / sqrtN_;
    const int64_t rows = std::max<int64_t>(8, static_cast<int64_t>((256u * 1024u) / (Sz(N) * sizeof(double))));
    std::fill(zt_.begin(), zt_.end(), 0.0);
    for (int64_t i0 = 0; i0 < N; i0 += rows) {
      const int64_t n = std::min(rows, N - i0);
      double* Hb = H_.data() + Sz(i0) * Sz(N);
      double* wb = w_.data() + Sz(i0);
      blas::gemv(n, N, c, Hb, bt_.data(), 0.0, dw_.data());
      blas::ger(n, N, cg, wb, bt_.data(), Hb);
      for (int64_t i = 0; i < n; ++i) wb[i] += dw_[Sz(i)];
      blas::gemvT(n, N, 1.0, Hb, wb, 1.0, zt_.data());
    }
    ztReady_ = true;
  }

  // v = w* - A(0)ᵀ z/√N of the current state, z = Q z̃ (needs At, kept when the final residual is wanted).
  void FinishResidual(double* v) {
    if (At_.empty()) return;
    const int64_t N = N_;
    if (!ztReady_) ComputeZt();
    std::vector<double> z(Sz(N));
    blas::gemvT(N, N, 1.0, Qt_.data(), zt_.data(), 0.0, z.data());
    blas::gemv(M_, N, 1.0, At_.data(), z.data(), 0.0, v);
    for (int64_t k = 0; k < M_; ++k) v[k] = wstar_[Sz(k)] - v[k] / sqrtN_;
  }

  void Freeze(int64_t) {}

  // The state of a span run holds this kernel's own variables in the slots of (w, G): w (γ ≠ 0) or w̃ = Qᵀw
  // (γ = 0), then H = G Q (docs/algorithm.md section 8), so a resumed run is bit-identical.
  void SaveState(std::vector<double>& out) const {
    out.insert(out.end(), w_.begin(), w_.end());
    out.insert(out.end(), H_.begin(), H_.end());
  }
  void LoadState(const double* in) {
    std::copy(in, in + N_, w_.begin());
    std::copy(in + N_, in + N_ + static_cast<int64_t>(H_.size()), H_.begin());
    ztReady_ = false;
  }

 private:
  static size_t Sz(int64_t n) { return static_cast<size_t>(n); }

  void ComputeZt() {
    if (H_.empty()) {
      zt_ = w_;
    } else {
      blas::gemvT(N_, N_, 1.0, H_.data(), w_.data(), 0.0, zt_.data());
    }
  }

  // K (lower triangle, row-major) = Q D Qᵀ by LAPACK dsyevd (column-major: the row-major lower triangle is its
  // upper one; the eigenvectors come back as the rows of the row-major array, i.e. Qᵀ). Ascending D; each
  // eigenvector's largest-magnitude component made positive.
  void Eigen(std::vector<double>& K) {
    const blasint n = blas::I(N_);
    blasint lwork = -1, liwork = -1, info = 0, iq = 0;
    double wq = 0.0;
    dsyevd_("V", "U", &n, K.data(), &n, D_.data(), &wq, &lwork, &iq, &liwork, &info);
    std::vector<double> work(static_cast<size_t>(wq) + 1);
    std::vector<blasint> iwork(static_cast<size_t>(iq) + 1);
    lwork = static_cast<blasint>(work.size());
    liwork = static_cast<blasint>(iwork.size());
    dsyevd_("V", "U", &n, K.data(), &n, D_.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
    if (info != 0) throw std::runtime_error("sampler 'span': the eigensolver (dsyevd) failed, info = " + std::to_string(info));
    const int64_t N = N_;
    for (int64_t i = 0; i < N; ++i) {
      double* q = K.data() + Sz(i) * Sz(N);
      int64_t big = 0;
      for (int64_t k = 1; k < N; ++k) {
        if (std::fabs(q[k]) > std::fabs(q[big])) big = k;
      }
      const double sign = q[big] < 0 ? -1.0 : 1.0;
      for (int64_t k = 0; k < N; ++k) Qt_[Sz(i) * Sz(N) + Sz(k)] = sign * q[k];
    }
  }

  // The arrowhead Cholesky factor of Σ in the eigenbasis (file comment). Σ must be positive definite.
  void ArrowheadFactor() {
    const int64_t N = N_;
    const double Dmax = std::max(D_[Sz(N - 1)], 0.0);
    if (!(D_[0] > 1e-13 * Dmax)) {
      char buf[320];
      std::snprintf(buf, sizeof buf,
                    "sampler 'span': A(0)ΛA(0)ᵀ is singular to rounding (eigenvalues from %.3g to %.3g): the λ_k span "
                    "too many decades for N features (a steep alpha, or M close to N); use sampler 'exact'",
                    D_[0], Dmax);
      throw std::runtime_error(buf);
    }
    rootD_.resize(Sz(N));
    lastRow_.resize(Sz(N));
    double s2 = c0_;
    for (int64_t j = 0; j < N; ++j) {
      rootD_[Sz(j)] = std::sqrt(D_[Sz(j)]);
      lastRow_[Sz(j)] = pt_[Sz(j)] / rootD_[Sz(j)];
      s2 -= lastRow_[Sz(j)] * lastRow_[Sz(j)];
    }
    sLast_ = std::sqrt(std::max(s2, 0.0));
  }

  int64_t N_, M_, B_;
  double eta_, gamma_, sqrtN_;
  const std::vector<double>& wstar_;
  std::vector<double> At_;
  std::vector<double> Qt_, D_, pt_;   // eigenvectors (rows), eigenvalues, p̃
  double c0_ = 0.0;
  std::vector<double> rootD_, lastRow_;  // arrowhead Cholesky factor (finite B)
  double sLast_ = 0.0;
  std::vector<double> H_;  // G Q; empty when γ = 0 (then w_ holds w̃ = Qᵀw)
  std::vector<double> w_, zt_, bt_, dw_, yt_;
  bool ztReady_ = false;
  double L_ = 0.0;
};

}  // namespace richscale::simulate::detail
