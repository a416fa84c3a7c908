// One seed of the simulator (docs/algorithm.md sections 3-6), and batches of seeds that share A(0)
// (docs/performance.md). The models are templated on the scalar type T of their arrays (float64 by default,
// float32 opt-in); residuals, gradients handed between the sampler and the model, and losses are double.
//
// Performance structure (docs/performance.md): A(0) is stored transposed (At = A(0)ᵀ, M×N row-major), so a block
// of modes is a contiguous slab of At. For B = ∞ and for the exact O(M) sampler the step is one fused pass over
// A(0): for each slab, β = At z/√N, then v, the loss and the gradient signal of those modes, then b += Atᵀ g while
// the slab is still in cache. With explicit batches or finite data the gradient needs the whole v first, so the
// step makes the two plain passes (β = At z, then b = Atᵀ ĝ).
#include "simulate/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "common/blas.h"
#include "common/cancel.h"
#include "common/rng.h"
#include "simulate/span_model.h"

namespace richscale::simulate {
namespace {

using Vec = std::vector<double>;

inline size_t Z(int64_t n) { return static_cast<size_t>(n); }

constexpr size_t kBlockBytes = 512 * 1024;  // one slab of At: stays in the 2 MiB L2 between its two uses

int64_t BlockModes(const SeedArgs& a, size_t scalarBytes) {
  if (a.blockModes > 0) return std::min(a.blockModes, a.M);
  int64_t blk = static_cast<int64_t>(kBlockBytes / (Z(a.N) * scalarBytes));
  blk = std::max<int64_t>(8, (blk / 8) * 8);
  return std::min(blk, a.M);
}

// ---- Batch gradient ĝ = Λ̂ v (section 4) ----------------------------------------------------------
// Draw() takes the step's randomness from the RNG (it does not depend on v), Apply() computes ĝ(v) from it, so
// lanes of a batch that share the randomness apply one draw to several v. The draw order is the reference's.
class GradientSampler {
 public:
  enum class Kind { Population, Explicit, Exact, DataBatch, DataFull };

  GradientSampler(const SeedArgs& a, const Vec& sqrtLambda, const Vec& X)
      : M_(a.M), B_(a.batch), P_(a.data), lambda_(a.lambda), sqrtLambda_(sqrtLambda), X_(X) {
    if (P_ == kUnlimited) {
      if (B_ == kUnlimited) {
        kind_ = Kind::Population;
      } else if (a.sampler == Sampler::Explicit) {
        kind_ = Kind::Explicit;
        psi_.resize(Z(B_) * Z(M_));
        s_.resize(Z(B_));
      } else {
        kind_ = Kind::Exact;
        xi_.resize(Z(M_));
      }
    } else {
      kind_ = (B_ == kUnlimited) ? Kind::DataFull : Kind::DataBatch;
      if (kind_ == Kind::DataFull) s_.resize(Z(P_));
      if (kind_ == Kind::DataBatch) mu_.resize(Z(B_));
    }
  }

  Kind kind() const { return kind_; }
  // Exact sampler: S = Σ_μ n_μ² and ξ of the last Draw().
  double S() const { return S_; }
  const double* xi() const { return xi_.data(); }

  void Draw(Rng& rng) {
    const int64_t M = M_;
    switch (kind_) {
      case Kind::Population:
      case Kind::DataFull:
        return;
      case Kind::Explicit: {
        // Ψ[μ,k] = sqrtλ_k · normal(), row-major.
        double* psi = psi_.data();
        for (int64_t mu = 0; mu < B_; ++mu) {
          double* row = psi + Z(mu) * Z(M);
          for (int64_t k = 0; k < M; ++k) row[k] = sqrtLambda_[Z(k)] * rng.normal();
        }
        return;
      }
      case Kind::Exact: {
        // n_1..n_B first, then ξ_1..ξ_M (drawn even when r = 0).
        double S = 0.0;
        for (int64_t mu = 0; mu < B_; ++mu) {
          const double n = rng.normal();
          S += n * n;
        }
        S_ = S;
        for (int64_t k = 0; k < M; ++k) xi_[Z(k)] = rng.normal();
        return;
      }
      case Kind::DataBatch: {
        // μ_j = floor(uniform() * P), j = 1..B, with replacement.
        const double P = static_cast<double>(P_);
        for (int64_t j = 0; j < B_; ++j) {
          int64_t mu = static_cast<int64_t>(std::floor(rng.uniform() * P));
          mu_[Z(j)] = std::min(mu, P_ - 1);
        }
        return;
      }
    }
  }

  // g = ĝ(v) with the randomness of the last Draw().
  void Apply(const double* v, double* g) {
    const int64_t M = M_;
    switch (kind_) {
      case Kind::Population:
        for (int64_t k = 0; k < M; ++k) g[k] = lambda_[Z(k)] * v[k];
        return;

      case Kind::Explicit: {
        // s = Ψ v; ĝ = Ψᵀ s / B.
        blas::gemv(B_, M, 1.0, psi_.data(), v, 0.0, s_.data());
        blas::gemvT(B_, M, 1.0, psi_.data(), s_.data(), 0.0, g);
        const double B = static_cast<double>(B_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / B;
        return;
      }

      case Kind::Exact: {
        const double* xi = xi_.data();
        double r2 = 0.0;
        for (int64_t k = 0; k < M; ++k) {
          const double a = sqrtLambda_[Z(k)] * v[k];
          r2 += a * a;
        }
        const double r = std::sqrt(r2);
        if (r == 0.0) {
          std::fill(g, g + M, 0.0);
          return;
        }
        double c = 0.0;
        for (int64_t k = 0; k < M; ++k) c += ((sqrtLambda_[Z(k)] * v[k]) / r) * xi[k];
        const double S = S_;
        const double rootS = std::sqrt(S);
        const double B = static_cast<double>(B_);
        for (int64_t k = 0; k < M; ++k) {
          const double u = (sqrtLambda_[Z(k)] * v[k]) / r;
          const double y = S * u + rootS * (xi[k] - c * u);
          g[k] = (r * sqrtLambda_[Z(k)] * y) / B;
        }
        return;
      }

      case Kind::DataBatch: {
        // ĝ = Σ_j (X[μ_j]·v) X[μ_j] / B.
        std::fill(g, g + M, 0.0);
        for (int64_t j = 0; j < B_; ++j) {
          const double* row = X_.data() + Z(mu_[Z(j)]) * Z(M);
          const double s = blas::dot(M, row, v);
          blas::axpy(M, s, row, g);
        }
        const double B = static_cast<double>(B_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / B;
        return;
      }

      case Kind::DataFull: {
        // ĝ = Xᵀ (X v) / P.
        blas::gemv(P_, M, 1.0, X_.data(), v, 0.0, s_.data());
        blas::gemvT(P_, M, 1.0, X_.data(), s_.data(), 0.0, g);
        const double P = static_cast<double>(P_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / P;
        return;
      }
    }
  }

 private:
  Kind kind_ = Kind::Population;
  int64_t M_, B_, P_;
  const Vec& lambda_;
  const Vec& sqrtLambda_;
  const Vec& X_;
  Vec psi_;                  // B×M (explicit)
  Vec s_;                    // B (explicit) or P (full batch)
  Vec xi_;                   // M (exact)
  double S_ = 0.0;           // exact
  std::vector<int64_t> mu_;  // B (finite data, mini-batch)
};

// A(0) transposed: At[k*N + i] = A(0)[i, k]. The normals are drawn in the reference's row-major order (i, then
// k), eight rows at a time so the transposed writes are contiguous.
template <class T>
std::vector<T> DrawTransposedA0(const SeedArgs& a, Rng& rng) {
  const int64_t N = a.N, M = a.M;
  std::vector<T> At(Z(N) * Z(M), T(0));
  if (a.init == Init::Identity) {
    const double sqrtN = std::sqrt(static_cast<double>(N));
    for (int64_t i = 0; i < N; ++i) At[Z(i) * Z(N) + Z(i)] = static_cast<T>(sqrtN);
    return At;
  }
  constexpr int64_t kRows = 8;
  std::vector<T> rows(Z(kRows) * Z(M));
  for (int64_t i0 = 0; i0 < N; i0 += kRows) {
    const int64_t nr = std::min(kRows, N - i0);
    for (int64_t r = 0; r < nr; ++r) {
      T* row = rows.data() + Z(r) * Z(M);
      for (int64_t k = 0; k < M; ++k) row[k] = static_cast<T>(rng.normal());
    }
    for (int64_t k = 0; k < M; ++k) {
      T* dst = At.data() + Z(k) * Z(N) + Z(i0);
      for (int64_t r = 0; r < nr; ++r) dst[r] = rows[Z(r) * Z(M) + Z(k)];
    }
  }
  return At;
}

// ---- Projected model in the G-representation (section 5), K lanes that share A(0) --------------------
// Lane j has its own w_j, G_j (γ_j ≠ 0) and γ_j; all lanes share At and the sampler's randomness. K = 1 is a
// plain seed. Layouts: w, z, b lane-major (K×N); with K > 1 the gemm operands are interleaved (N×K row-major).
template <class T>
class ProjectedModel {
 public:
  ProjectedModel(const SeedArgs& a, const Vec& gammas, std::vector<T> At, const Vec& sqrtLambda,
                 GradientSampler& sampler)
      : N_(a.N), M_(a.M), K_(static_cast<int64_t>(gammas.size())), B_(a.batch), eta_(a.eta), gammas_(gammas),
        sqrtN_(std::sqrt(static_cast<double>(a.N))), lambda_(a.lambda), sqrtLambda_(sqrtLambda), wstar_(a.wstar),
        sampler_(sampler), At_(std::move(At)), blk_(BlockModes(a, sizeof(T))), G_(Z(K_)), frozen_(Z(K_), false) {
    const int64_t N = N_, K = K_;
    fusable_ = sampler.kind() == GradientSampler::Kind::Population || sampler.kind() == GradientSampler::Kind::Exact;
    const int64_t Kc = K + (sampler.kind() == GradientSampler::Kind::Exact ? 1 : 0);
    w_.assign(Z(K) * Z(N), T(0));
    z_.resize(Z(K) * Z(N));
    b_.resize(Z(K) * Z(N));
    for (int64_t j = 0; j < K; ++j) {
      if (gammas_[Z(j)] == 0.0) continue;
      G_[Z(j)].assign(Z(N) * Z(N), T(0));
      for (int64_t i = 0; i < N; ++i) G_[Z(j)][Z(i) * Z(N) + Z(i)] = T(1);
      anyG_ = true;
    }
    if (anyG_) dw_.resize(Z(N));
    if (K > 1) zi_.resize(Z(N) * Z(K));
    bblk_.resize(Z(blk_) * Z(K));
    pblk_.resize(Z(blk_) * Z(Kc));
    bacc_.resize(Z(N) * Z(Kc));
    g_.resize(Z(M_));
    gT_.resize(Z(M_) * Z(K));
    L_.resize(Z(K));
    r2_.resize(Z(K));
    cd_.resize(Z(K));
  }

  // v (K×M, lane-major) and the population losses of the current state. When `update` (this step's update
  // will follow) and the gradient allows it, the same pass also draws the step's randomness and computes
  // b = A(0) ĝ for every lane (the fused pass, see the file comment).
  void Forward(Rng& rng, double* v, bool update) {
    const int64_t N = N_, M = M_, K = K_;
    for (int64_t j = 0; j < K; ++j) {
      T* z = z_.data() + Z(j) * Z(N);
      const T* w = w_.data() + Z(j) * Z(N);
      if (!G_[Z(j)].empty()) {
        blas::gemvT(N, N, T(1), G_[Z(j)].data(), w, T(0), z);
      } else {
        std::copy(w, w + N, z);
      }
    }
    if (K > 1) {
      for (int64_t j = 0; j < K; ++j) {
        for (int64_t i = 0; i < N; ++i) zi_[Z(i) * Z(K) + Z(j)] = z_[Z(j) * Z(N) + Z(i)];
      }
    }
    const bool fused = update && fusable_;
    const bool exact = sampler_.kind() == GradientSampler::Kind::Exact;
    const int64_t Kc = K + (fused && exact ? 1 : 0);
    if (fused) {
      sampler_.Draw(rng);
      std::fill(bacc_.begin(), bacc_.begin() + N * Kc, T(0));
    }
    const double* xi = exact && fused ? sampler_.xi() : nullptr;
    std::fill(L_.begin(), L_.end(), 0.0);
    std::fill(r2_.begin(), r2_.end(), 0.0);
    std::fill(cd_.begin(), cd_.end(), 0.0);
    // K = 1: the β block is a plain vector; one gradient column (B = ∞) is accumulated with gemv, several (the
    // exact sampler's two, or K lanes) with one gemm over interleaved columns (pblk is n×Kc, bacc is N×Kc), so
    // the slab is read once for all of them.
    const bool single = K == 1;
    const bool singleOut = Kc == 1;
    for (int64_t k0 = 0; k0 < M; k0 += blk_) {
      const int64_t n = std::min(blk_, M - k0);
      const T* Ab = At_.data() + Z(k0) * Z(N);
      if (single) {
        blas::gemv(n, N, T(1), Ab, z_.data(), T(0), bblk_.data());
      } else {
        blas::gemm(false, false, n, K, N, T(1), Ab, N, zi_.data(), K, T(0), bblk_.data(), K);
      }
      for (int64_t kk = 0; kk < n; ++kk) {
        const int64_t k = k0 + kk;
        const double lam = lambda_[Z(k)];
        for (int64_t j = 0; j < K; ++j) {
          const double vv = wstar_[Z(k)] - static_cast<double>(bblk_[Z(kk) * Z(K) + Z(j)]) / sqrtN_;
          v[Z(j) * Z(M) + Z(k)] = vv;
          L_[Z(j)] += lam * vv * vv;
          if (fused) {
            pblk_[Z(kk) * Z(Kc) + Z(j)] = static_cast<T>(lam * vv);
            if (exact) {
              const double s = sqrtLambda_[Z(k)] * vv;
              r2_[Z(j)] += s * s;
              cd_[Z(j)] += s * xi[k];
            }
          }
        }
        if (fused && exact) {
          pblk_[Z(kk) * Z(Kc) + Z(K)] = static_cast<T>(sqrtLambda_[Z(k)] * xi[k]);
        }
      }
      if (!fused) continue;
      if (singleOut) {
        blas::gemvT(n, N, T(1), Ab, pblk_.data(), T(1), bacc_.data());
      } else {
        blas::gemm(true, false, N, Kc, n, T(1), Ab, N, pblk_.data(), Kc, T(1), bacc_.data(), Kc);
      }
    }
    fusedReady_ = fused;
    if (!fused) return;
    // b_j from the accumulated columns: B = ∞: b = A0 Λv. Exact sampler (docs/performance.md):
    // ĝ = a1 Λv + a2 Λ^{1/2} ξ with a1 = (S - √S c)/B, a2 = r √S / B, r = |Λ^{1/2} v|, c = (Λ^{1/2} v)·ξ / r.
    const auto col = [&](int64_t i, int64_t c) -> double {
      return static_cast<double>(bacc_[Z(i) * Z(Kc) + Z(c)]);
    };
    for (int64_t j = 0; j < K; ++j) {
      T* b = b_.data() + Z(j) * Z(N);
      if (!exact) {
        for (int64_t i = 0; i < N; ++i) b[i] = static_cast<T>(col(i, j));
        continue;
      }
      const double r = std::sqrt(r2_[Z(j)]);
      if (r == 0.0) {
        std::fill(b, b + N, T(0));
        continue;
      }
      const double S = sampler_.S(), rootS = std::sqrt(S), B = static_cast<double>(B_);
      const double c = cd_[Z(j)] / r;
      const double a1 = (S - rootS * c) / B, a2 = (r * rootS) / B;
      for (int64_t i = 0; i < N; ++i) b[i] = static_cast<T>(a1 * col(i, j) + a2 * col(i, K));
    }
  }

  // Losses of the last Forward().
  double Loss(int64_t j) const { return L_[Z(j)]; }

  // The residual of the last Forward() is already in v.
  void FinishResidual(double*) {}

  // The update of every lane that is not frozen: draws the batch and computes b = A0 ĝ unless Forward() did;
  // then Δw = (η/√N) G b; G += (ηγ/√N) w bᵀ (old w); w += Δw.
  void Backward(Rng& rng, const double* v) {
    const int64_t N = N_, M = M_, K = K_;
    if (!fusedReady_) {
      sampler_.Draw(rng);
      for (int64_t j = 0; j < K; ++j) {
        sampler_.Apply(v + Z(j) * Z(M), g_.data());
        for (int64_t k = 0; k < M; ++k) gT_[K == 1 ? Z(k) : Z(k) * Z(K) + Z(j)] = static_cast<T>(g_[Z(k)]);
      }
      if (K == 1) {
        blas::gemvT(M, N, T(1), At_.data(), gT_.data(), T(0), b_.data());
      } else {
        blas::gemm(true, false, N, K, M, T(1), At_.data(), N, gT_.data(), K, T(0), bacc_.data(), K);
        for (int64_t j = 0; j < K; ++j) {
          for (int64_t i = 0; i < N; ++i) b_[Z(j) * Z(N) + Z(i)] = bacc_[Z(i) * Z(K) + Z(j)];
        }
      }
    }
    fusedReady_ = false;
    const T c = static_cast<T>(eta_ / sqrtN_);
    for (int64_t j = 0; j < K; ++j) {
      if (frozen_[Z(j)]) continue;
      T* w = w_.data() + Z(j) * Z(N);
      const T* b = b_.data() + Z(j) * Z(N);
      if (G_[Z(j)].empty()) {
        for (int64_t i = 0; i < N; ++i) w[i] += c * b[i];
        continue;
      }
      T* G = G_[Z(j)].data();
      blas::gemv(N, N, c, G, b, T(0), dw_.data());
      blas::ger(N, N, static_cast<T>(eta_ * gammas_[Z(j)] / sqrtN_), w, b, G);
      for (int64_t i = 0; i < N; ++i) w[i] += dw_[Z(i)];
    }
  }

  // Stops a diverged lane: its state is reset to a finite one and no longer updated (its results are ignored).
  void Freeze(int64_t j) {
    frozen_[Z(j)] = true;
    std::fill(w_.begin() + Z(j) * Z(N_), w_.begin() + Z(j + 1) * Z(N_), T(0));
  }

  // The trained state of lane 0: w, then G when γ ≠ 0 (A(0) is redrawn from the seed).
  void SaveState(Vec& out) const {
    out.insert(out.end(), w_.begin(), w_.begin() + N_);
    out.insert(out.end(), G_[0].begin(), G_[0].end());
  }
  void LoadState(const double* in) {
    for (int64_t i = 0; i < N_; ++i) w_[Z(i)] = static_cast<T>(in[i]);
    const int64_t nG = static_cast<int64_t>(G_[0].size());
    for (int64_t i = 0; i < nG; ++i) G_[0][Z(i)] = static_cast<T>(in[N_ + i]);
  }

 private:
  int64_t N_, M_, K_, B_;
  double eta_;
  Vec gammas_;
  double sqrtN_;
  const Vec& lambda_;
  const Vec& sqrtLambda_;
  const Vec& wstar_;
  GradientSampler& sampler_;
  std::vector<T> At_;
  int64_t blk_;
  std::vector<std::vector<T>> G_;  // per lane; empty when γ_j = 0
  std::vector<bool> frozen_;
  bool fusable_ = false, fusedReady_ = false, anyG_ = false;
  std::vector<T> w_, z_, b_, dw_, zi_, bblk_, pblk_, bacc_, gT_;
  Vec g_, L_, r2_, cd_;
};

// ---- Unprojected model (section 5, SPEC 2.2) -------------------------------------------------------
// A is stored transposed (At = Aᵀ, M×N). With B = ∞ the step is one fused pass that also applies the rank-one
// update to each slab of At while it is in cache.
template <class T>
class UnprojectedModel {
 public:
  UnprojectedModel(const SeedArgs& a, std::vector<T> At, GradientSampler& sampler)
      : N_(a.N), M_(a.M), eta_(a.eta), gamma_(a.gamma), sqrtN_(std::sqrt(static_cast<double>(a.N))),
        lambda_(a.lambda), wstar_(a.wstar), sampler_(sampler), At_(std::move(At)), blk_(BlockModes(a, sizeof(T))),
        w_(Z(a.N), T(0)), b_(Z(a.N)), bblk_(Z(blk_)), pblk_(Z(blk_)), g_(Z(a.M)), gT_(Z(a.M)) {}

  // v = w* - Aᵀ w / √N and its loss; with B = ∞ and `update`, also b = A Λv and A += ηγ√N w (Λv)ᵀ (old w).
  void Forward(Rng&, double* v, bool update) {
    const int64_t N = N_, M = M_;
    const bool fused = update && sampler_.kind() == GradientSampler::Kind::Population;
    if (fused) std::fill(b_.begin(), b_.end(), T(0));
    const T cA = static_cast<T>(eta_ * gamma_ * sqrtN_);
    L_ = 0.0;
    for (int64_t k0 = 0; k0 < M; k0 += blk_) {
      const int64_t n = std::min(blk_, M - k0);
      T* Ab = At_.data() + Z(k0) * Z(N);
      blas::gemv(n, N, T(1), Ab, w_.data(), T(0), bblk_.data());
      for (int64_t kk = 0; kk < n; ++kk) {
        const int64_t k = k0 + kk;
        const double vv = wstar_[Z(k)] - static_cast<double>(bblk_[Z(kk)]) / sqrtN_;
        v[k] = vv;
        L_ += lambda_[Z(k)] * vv * vv;
        if (fused) pblk_[Z(kk)] = static_cast<T>(lambda_[Z(k)] * vv);
      }
      if (!fused) continue;
      blas::gemvT(n, N, T(1), Ab, pblk_.data(), T(1), b_.data());
      if (gamma_ != 0.0) blas::ger(n, N, cA, pblk_.data(), w_.data(), Ab);
    }
    fusedReady_ = fused;
  }

  double Loss(int64_t) const { return L_; }

  void FinishResidual(double*) {}

  // b = A ĝ; A += ηγ√N w ĝᵀ (old w); w += (η/√N) b. (b and the A update already done by a fused Forward().)
  void Backward(Rng& rng, const double* v) {
    const int64_t N = N_, M = M_;
    if (!fusedReady_) {
      sampler_.Draw(rng);
      sampler_.Apply(v, g_.data());
      for (int64_t k = 0; k < M; ++k) gT_[Z(k)] = static_cast<T>(g_[Z(k)]);
      blas::gemvT(M, N, T(1), At_.data(), gT_.data(), T(0), b_.data());
      if (gamma_ != 0.0) blas::ger(M, N, static_cast<T>(eta_ * gamma_ * sqrtN_), gT_.data(), w_.data(), At_.data());
    }
    fusedReady_ = false;
    const T c = static_cast<T>(eta_ / sqrtN_);
    for (int64_t i = 0; i < N; ++i) w_[Z(i)] += c * b_[Z(i)];
  }

  void Freeze(int64_t) {}

  // The trained state: w, then A (N×M row-major; it moves when γ ≠ 0).
  void SaveState(Vec& out) const {
    out.insert(out.end(), w_.begin(), w_.end());
    const size_t base = out.size();
    out.resize(base + Z(N_) * Z(M_));
    for (int64_t k = 0; k < M_; ++k) {
      for (int64_t i = 0; i < N_; ++i) out[base + Z(i) * Z(M_) + Z(k)] = static_cast<double>(At_[Z(k) * Z(N_) + Z(i)]);
    }
  }
  void LoadState(const double* in) {
    for (int64_t i = 0; i < N_; ++i) w_[Z(i)] = static_cast<T>(in[i]);
    const double* A = in + N_;
    for (int64_t k = 0; k < M_; ++k) {
      for (int64_t i = 0; i < N_; ++i) At_[Z(k) * Z(N_) + Z(i)] = static_cast<T>(A[Z(i) * Z(M_) + Z(k)]);
    }
  }

 private:
  int64_t N_, M_;
  double eta_, gamma_, sqrtN_;
  const Vec& lambda_;
  const Vec& wstar_;
  GradientSampler& sampler_;
  std::vector<T> At_;
  int64_t blk_;
  std::vector<T> w_, b_, bblk_, pblk_;
  Vec g_;
  std::vector<T> gT_;
  double L_ = 0.0;
  bool fusedReady_ = false;
};

// Train loss |X v|² / P.
double TrainLoss(const Vec& X, int64_t P, int64_t M, const Vec& v, Vec& scratch) {
  blas::gemv(P, M, 1.0, X.data(), v.data(), 0.0, scratch.data());
  double total = 0.0;
  for (int64_t mu = 0; mu < P; ++mu) total += scratch[Z(mu)] * scratch[Z(mu)];
  return total / static_cast<double>(P);
}

template <class ModelT>
SeedResult Loop(const SeedArgs& a, ModelT& model, Rng& rng, const Vec& X, const std::atomic<bool>& cancel,
                const ProgressFn& progress) {
  SeedResult res;
  res.loss.reserve(a.recordSteps.size());
  const bool finiteData = a.data != kUnlimited;
  if (finiteData) res.trainLoss.reserve(a.recordSteps.size());
  Vec v(Z(a.M));
  Vec trainScratch(finiteData ? Z(a.data) : 0);
  const int64_t stopAt = a.stopAt > 0 ? a.stopAt : a.steps;

  // Resuming at t0: the chunk that stopped at t0 already recorded step t0 and checked it for divergence.
  int64_t t0 = 0;
  double L0 = 0.0;
  if (!a.startState.empty()) {
    const double* st = a.startState.data();
    t0 = static_cast<int64_t>(st[1]);
    L0 = st[2];
    rng.s0 = static_cast<uint32_t>(st[3]);
    rng.s1 = static_cast<uint32_t>(st[4]);
    rng.s2 = static_cast<uint32_t>(st[5]);
    rng.s3 = static_cast<uint32_t>(st[6]);
    rng.hasSpare = st[7] != 0.0;
    rng.spare = st[8];
    model.LoadState(st + kStateHeader);
  }
  size_t nextRecord = 0;
  while (nextRecord < a.recordSteps.size() && a.recordSteps[nextRecord] <= (a.startState.empty() ? -1 : t0)) {
    ++nextRecord;
  }
  const auto saveState = [&](int64_t t) {
    if (!a.wantState) return;
    res.state = {kStateVersion, static_cast<double>(t), L0, static_cast<double>(rng.s0), static_cast<double>(rng.s1),
                 static_cast<double>(rng.s2), static_cast<double>(rng.s3), rng.hasSpare ? 1.0 : 0.0, rng.spare};
    res.state.reserve(StateLength(a));
    model.SaveState(res.state);
  };

  for (int64_t t = t0;; ++t) {
    // Whether this step's update follows is known before the pass, so a fused pass never draws randomness for
    // an update that is not taken (the saved RNG state stays the reference's).
    const bool cancelled = t != stopAt && cancel.load(std::memory_order_relaxed);
    model.Forward(rng, v.data(), t != stopAt && !cancelled);
    const double L = model.Loss(0);
    if (t == 0) L0 = L;
    if (t == t0 && t0 > 0) {
      // Already recorded and checked by the previous chunk; fall through to the update.
    } else if (nextRecord < a.recordSteps.size() && a.recordSteps[nextRecord] == t) {
      res.loss.push_back(L);
      if (finiteData) res.trainLoss.push_back(TrainLoss(X, a.data, a.M, v, trainScratch));
      ++nextRecord;
    }
    if ((t != t0 || t0 == 0) && (!std::isfinite(L) || L > kDivergenceFactor * L0)) {
      res.diverged = true;
      res.divergedAt = t;
      res.stepsDone = t;
      break;
    }
    if (t == stopAt) {
      res.stepsDone = t;
      saveState(t);
      break;
    }
    if (cancelled) {
      if (!a.wantState) throw Cancelled();
      res.stepsDone = t;
      res.interrupted = true;
      saveState(t);
      break;
    }
    if (progress) progress(t);
    model.Backward(rng, v.data());
  }
  if (a.wantFinal) {
    model.FinishResidual(v.data());
    res.finalResidual = std::move(v);
  }
  return res;
}

struct Setup {
  Rng rng;
  Vec sqrtLambda;
  Vec X;
};

// The RNG after A(0) is drawn (into At) and the finite data X (drawn after A(0), in the reference's order).
template <class T>
Setup Prepare(const SeedArgs& a, std::vector<T>& At) {
  Setup s{Rng::FromSeed(a.seed, a.stream), Vec(Z(a.M)), Vec()};
  for (int64_t k = 0; k < a.M; ++k) s.sqrtLambda[Z(k)] = std::sqrt(a.lambda[Z(k)]);
  At = DrawTransposedA0<T>(a, s.rng);
  if (a.data != kUnlimited) {
    s.X.resize(Z(a.data) * Z(a.M));
    for (int64_t mu = 0; mu < a.data; ++mu) {
      double* row = s.X.data() + Z(mu) * Z(a.M);
      for (int64_t k = 0; k < a.M; ++k) row[k] = s.sqrtLambda[Z(k)] * s.rng.normal();
    }
  }
  return s;
}

template <class T>
SeedResult RunSeedT(const SeedArgs& a, const std::atomic<bool>& cancel, const ProgressFn& progress) {
  std::vector<T> At;
  Setup s = Prepare<T>(a, At);
  if constexpr (std::is_same_v<T, double>) {
    if (a.sampler == Sampler::Span) {
      detail::SpanModel model(a, std::move(At));
      return Loop(a, model, s.rng, s.X, cancel, progress);
    }
  }
  GradientSampler sampler(a, s.sqrtLambda, s.X);
  if (a.model == Model::Projected) {
    ProjectedModel<T> model(a, Vec{a.gamma}, std::move(At), s.sqrtLambda, sampler);
    return Loop(a, model, s.rng, s.X, cancel, progress);
  }
  UnprojectedModel<T> model(a, std::move(At), sampler);
  return Loop(a, model, s.rng, s.X, cancel, progress);
}

template <class T>
std::vector<SeedResult> RunBatchT(const SeedArgs& a, const Vec& gammas, const std::atomic<bool>& cancel,
                                  const ProgressFn& progress) {
  std::vector<T> At;
  Setup s = Prepare<T>(a, At);
  GradientSampler sampler(a, s.sqrtLambda, s.X);
  ProjectedModel<T> model(a, gammas, std::move(At), s.sqrtLambda, sampler);
  const int64_t K = static_cast<int64_t>(gammas.size());
  std::vector<SeedResult> res(Z(K));
  for (SeedResult& r : res) r.loss.reserve(a.recordSteps.size());
  Vec v(Z(K) * Z(a.M));
  Vec L0(Z(K), 0.0);
  std::vector<bool> live(Z(K), true);
  int64_t nLive = K;
  size_t nextRecord = 0;
  for (int64_t t = 0;; ++t) {
    if (t != a.steps && cancel.load(std::memory_order_relaxed)) throw Cancelled();
    model.Forward(s.rng, v.data(), t != a.steps);
    const bool record = nextRecord < a.recordSteps.size() && a.recordSteps[nextRecord] == t;
    for (int64_t j = 0; j < K; ++j) {
      if (!live[Z(j)]) continue;
      const double L = model.Loss(j);
      if (t == 0) L0[Z(j)] = L;
      if (record) res[Z(j)].loss.push_back(L);
      if (!std::isfinite(L) || L > kDivergenceFactor * L0[Z(j)]) {
        res[Z(j)].diverged = true;
        res[Z(j)].divergedAt = t;
        res[Z(j)].stepsDone = t;
        live[Z(j)] = false;
        --nLive;
        model.Freeze(j);
      } else if (t == a.steps) {
        res[Z(j)].stepsDone = t;
      }
    }
    if (record) ++nextRecord;
    if (t == a.steps || nLive == 0) break;
    if (progress) progress(t);
    model.Backward(s.rng, v.data());
  }
  if (a.wantFinal) {
    for (int64_t j = 0; j < K; ++j) {
      if (live[Z(j)]) res[Z(j)].finalResidual.assign(v.begin() + Z(j) * Z(a.M), v.begin() + Z(j + 1) * Z(a.M));
    }
  }
  return res;
}

}  // namespace

size_t StateLength(const SeedArgs& a) {
  size_t n = kStateHeader + Z(a.N);
  if (a.model == Model::Projected) {
    if (a.gamma != 0.0) n += Z(a.N) * Z(a.N);
  } else {
    n += Z(a.N) * Z(a.M);
  }
  return n;
}

SeedResult RunSeed(const SeedArgs& a, const std::atomic<bool>& cancel, const ProgressFn& progress) {
  if (a.precision == Precision::Float32) return RunSeedT<float>(a, cancel, progress);
  return RunSeedT<double>(a, cancel, progress);
}

std::vector<SeedResult> RunBatch(const SeedArgs& a, const std::vector<double>& gammas, const std::atomic<bool>& cancel,
                                 const ProgressFn& progress) {
  if (a.precision == Precision::Float32) return RunBatchT<float>(a, gammas, cancel, progress);
  return RunBatchT<double>(a, gammas, cancel, progress);
}

}  // namespace richscale::simulate
