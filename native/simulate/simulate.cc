// One seed of the simulator, literally as docs/algorithm.md sections 3-6 describe it.
#include "simulate/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "common/blas.h"
#include "common/cancel.h"
#include "common/rng.h"

namespace richscale::simulate {
namespace {

using Vec = std::vector<double>;

inline size_t Z(int64_t n) { return static_cast<size_t>(n); }

// ---- Batch gradient ĝ = Λ̂ v (section 4) ----------------------------------------------------------
class GradientSampler {
 public:
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
    }
  }

  // g = ĝ(v); draws the step's batch randomness from rng (section 3, step 3).
  void Compute(Rng& rng, const double* v, double* g) {
    const int64_t M = M_;
    switch (kind_) {
      case Kind::Population:
        for (int64_t k = 0; k < M; ++k) g[k] = lambda_[Z(k)] * v[k];
        return;

      case Kind::Explicit: {
        // Ψ[μ,k] = sqrtλ_k · normal(), row-major; s = Ψ v; ĝ = Ψᵀ s / B.
        double* psi = psi_.data();
        for (int64_t mu = 0; mu < B_; ++mu) {
          double* row = psi + Z(mu) * Z(M);
          for (int64_t k = 0; k < M; ++k) row[k] = sqrtLambda_[Z(k)] * rng.normal();
        }
        blas::gemv(B_, M, 1.0, psi, v, 0.0, s_.data());
        blas::gemvT(B_, M, 1.0, psi, s_.data(), 0.0, g);
        const double B = static_cast<double>(B_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / B;
        return;
      }

      case Kind::Exact: {
        // n_1..n_B first, then ξ_1..ξ_M (drawn even when r = 0).
        double S = 0.0;
        for (int64_t mu = 0; mu < B_; ++mu) {
          const double n = rng.normal();
          S += n * n;
        }
        double* xi = xi_.data();
        for (int64_t k = 0; k < M; ++k) xi[k] = rng.normal();
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
        // μ_j = floor(uniform() * P), j = 1..B, with replacement; ĝ = Σ_j (X[μ_j]·v) X[μ_j] / B.
        // The rows consume no randomness, so drawing μ_j just before using it keeps the draw order.
        std::fill(g, g + M, 0.0);
        const double P = static_cast<double>(P_);
        for (int64_t j = 0; j < B_; ++j) {
          int64_t mu = static_cast<int64_t>(std::floor(rng.uniform() * P));
          mu = std::min(mu, P_ - 1);
          const double* row = X_.data() + Z(mu) * Z(M);
          const double s = blas::dot(M, row, v);
          blas::axpy(M, s, row, g);
        }
        const double B = static_cast<double>(B_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / B;
        return;
      }

      case Kind::DataFull: {
        // ĝ = Xᵀ (X v) / P; draws nothing.
        blas::gemv(P_, M, 1.0, X_.data(), v, 0.0, s_.data());
        blas::gemvT(P_, M, 1.0, X_.data(), s_.data(), 0.0, g);
        const double P = static_cast<double>(P_);
        for (int64_t k = 0; k < M; ++k) g[k] = g[k] / P;
        return;
      }
    }
  }

 private:
  enum class Kind { Population, Explicit, Exact, DataBatch, DataFull };
  Kind kind_ = Kind::Population;
  int64_t M_, B_, P_;
  const Vec& lambda_;
  const Vec& sqrtLambda_;
  const Vec& X_;
  Vec psi_;  // B×M (explicit)
  Vec s_;    // B (explicit) or P (full batch)
  Vec xi_;   // M (exact)
};

// ---- Projected model in the G-representation (section 5) -----------------------------------------
class ProjectedModel {
 public:
  ProjectedModel(const SeedArgs& a, Vec A0)
      : N_(a.N), M_(a.M), eta_(a.eta), gamma_(a.gamma), sqrtN_(std::sqrt(static_cast<double>(a.N))),
        wstar_(a.wstar), A0_(std::move(A0)), w_(Z(a.N), 0.0), beta_(Z(a.M)), b_(Z(a.N)) {
    if (gamma_ != 0.0) {
      G_.assign(Z(N_) * Z(N_), 0.0);
      for (int64_t i = 0; i < N_; ++i) G_[Z(i) * Z(N_) + Z(i)] = 1.0;
      z_.resize(Z(N_));
      dw_.resize(Z(N_));
    }
  }

  // v = w* - A0ᵀ (Gᵀ w) / √N   (z = w when γ = 0)
  void Residual(double* v) {
    const double* z = w_.data();
    if (gamma_ != 0.0) {
      blas::gemvT(N_, N_, 1.0, G_.data(), w_.data(), 0.0, z_.data());
      z = z_.data();
    }
    blas::gemvT(N_, M_, 1.0, A0_.data(), z, 0.0, beta_.data());
    for (int64_t k = 0; k < M_; ++k) v[k] = wstar_[Z(k)] - beta_[Z(k)] / sqrtN_;
  }

  // b = A0 ĝ; Δw = (η/√N) G b; G += (ηγ/√N) w bᵀ (old w); w += Δw.
  void Update(const double* g) {
    blas::gemv(N_, M_, 1.0, A0_.data(), g, 0.0, b_.data());
    const double c = eta_ / sqrtN_;
    if (gamma_ == 0.0) {
      for (int64_t i = 0; i < N_; ++i) w_[Z(i)] += c * b_[Z(i)];
      return;
    }
    blas::gemv(N_, N_, c, G_.data(), b_.data(), 0.0, dw_.data());
    blas::ger(N_, N_, eta_ * gamma_ / sqrtN_, w_.data(), b_.data(), G_.data());
    for (int64_t i = 0; i < N_; ++i) w_[Z(i)] += dw_[Z(i)];
  }

  // The trained state: w, then G when γ ≠ 0 (A(0) is redrawn from the seed).
  void SaveState(Vec& out) const {
    out.insert(out.end(), w_.begin(), w_.end());
    out.insert(out.end(), G_.begin(), G_.end());
  }
  void LoadState(const double* in) {
    std::copy(in, in + N_, w_.begin());
    std::copy(in + N_, in + N_ + static_cast<int64_t>(G_.size()), G_.begin());
  }

 private:
  int64_t N_, M_;
  double eta_, gamma_, sqrtN_;
  const Vec& wstar_;
  Vec A0_, w_, beta_, b_;
  Vec G_, z_, dw_;  // only when γ ≠ 0
};

// ---- Unprojected model (section 5, SPEC 2.2) -------------------------------------------------------
class UnprojectedModel {
 public:
  UnprojectedModel(const SeedArgs& a, Vec A0)
      : N_(a.N), M_(a.M), eta_(a.eta), gamma_(a.gamma), sqrtN_(std::sqrt(static_cast<double>(a.N))),
        wstar_(a.wstar), A_(std::move(A0)), w_(Z(a.N), 0.0), beta_(Z(a.M)), b_(Z(a.N)) {}

  // v = w* - Aᵀ w / √N
  void Residual(double* v) {
    blas::gemvT(N_, M_, 1.0, A_.data(), w_.data(), 0.0, beta_.data());
    for (int64_t k = 0; k < M_; ++k) v[k] = wstar_[Z(k)] - beta_[Z(k)] / sqrtN_;
  }

  // b = A ĝ; A += ηγ√N w ĝᵀ (old w); w += (η/√N) b.
  void Update(const double* g) {
    blas::gemv(N_, M_, 1.0, A_.data(), g, 0.0, b_.data());
    if (gamma_ != 0.0) blas::ger(N_, M_, eta_ * gamma_ * sqrtN_, w_.data(), g, A_.data());
    const double c = eta_ / sqrtN_;
    for (int64_t i = 0; i < N_; ++i) w_[Z(i)] += c * b_[Z(i)];
  }

  // The trained state: w, then A (it moves when γ ≠ 0).
  void SaveState(Vec& out) const {
    out.insert(out.end(), w_.begin(), w_.end());
    out.insert(out.end(), A_.begin(), A_.end());
  }
  void LoadState(const double* in) {
    std::copy(in, in + N_, w_.begin());
    std::copy(in + N_, in + N_ + static_cast<int64_t>(A_.size()), A_.begin());
  }

 private:
  int64_t N_, M_;
  double eta_, gamma_, sqrtN_;
  const Vec& wstar_;
  Vec A_, w_, beta_, b_;
};

// Population loss L = Σ_k λ_k v_k², plain loop in k order.
double PopulationLoss(const Vec& lambda, const Vec& v) {
  double L = 0.0;
  for (size_t k = 0; k < v.size(); ++k) L += lambda[k] * v[k] * v[k];
  return L;
}

// Train loss |X v|² / P.
double TrainLoss(const Vec& X, int64_t P, int64_t M, const Vec& v, Vec& scratch) {
  blas::gemv(P, M, 1.0, X.data(), v.data(), 0.0, scratch.data());
  double total = 0.0;
  for (int64_t mu = 0; mu < P; ++mu) total += scratch[Z(mu)] * scratch[Z(mu)];
  return total / static_cast<double>(P);
}

template <class ModelT>
SeedResult Loop(const SeedArgs& a, ModelT& model, GradientSampler& sampler, Rng& rng, const Vec& X,
                const std::atomic<bool>& cancel, const ProgressFn& progress) {
  SeedResult res;
  res.loss.reserve(a.recordSteps.size());
  const bool finiteData = a.data != kUnlimited;
  if (finiteData) res.trainLoss.reserve(a.recordSteps.size());
  Vec v(Z(a.M)), g(Z(a.M));
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
    model.Residual(v.data());
    const double L = PopulationLoss(a.lambda, v);
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
    if (cancel.load(std::memory_order_relaxed)) {
      if (!a.wantState) throw Cancelled();
      res.stepsDone = t;
      res.interrupted = true;
      saveState(t);
      break;
    }
    if (progress) progress(t);
    sampler.Compute(rng, v.data(), g.data());
    model.Update(g.data());
  }
  if (a.wantFinal) res.finalResidual = std::move(v);
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
  const int64_t N = a.N, M = a.M;
  Rng rng = Rng::FromSeed(a.seed, a.stream);

  Vec sqrtLambda(Z(M));
  for (int64_t k = 0; k < M; ++k) sqrtLambda[Z(k)] = std::sqrt(a.lambda[Z(k)]);

  // 1. A(0): N×M normals row-major, or √N·I (N = M) drawing nothing.
  Vec A0(Z(N) * Z(M), 0.0);
  if (a.init == Init::Identity) {
    const double sqrtN = std::sqrt(static_cast<double>(N));
    for (int64_t i = 0; i < N; ++i) A0[Z(i) * Z(M) + Z(i)] = sqrtN;
  } else {
    for (double& x : A0) x = rng.normal();
  }

  // 2. Finite data: X[μ,k] = sqrtλ_k · normal(), P×M row-major.
  Vec X;
  if (a.data != kUnlimited) {
    X.resize(Z(a.data) * Z(M));
    for (int64_t mu = 0; mu < a.data; ++mu) {
      double* row = X.data() + Z(mu) * Z(M);
      for (int64_t k = 0; k < M; ++k) row[k] = sqrtLambda[Z(k)] * rng.normal();
    }
  }

  GradientSampler sampler(a, sqrtLambda, X);
  if (a.model == Model::Projected) {
    ProjectedModel model(a, std::move(A0));
    return Loop(a, model, sampler, rng, X, cancel, progress);
  }
  UnprojectedModel model(a, std::move(A0));
  return Loop(a, model, sampler, rng, X, cancel, progress);
}

}  // namespace richscale::simulate
