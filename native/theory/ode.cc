// N = B = ∞ dynamics of SPEC 3.3 (gradient flow) and the exact unit-step map (SPEC 2.1 with A(0)ᵀA(0)/N → I),
// on binned modes. Variables (SPEC 8.2 symmetric rewrite, with multiplicities m_j, s_j = sqrt(m_j λ_j)):
//   ũ = s∘v (L = |ũ|²), a = s∘w*, b̃ = a - ũ, E_jl = s_j s_l (K - I)_jl, c = |w|².
// Flow: dũ/dt = -η H ũ, H = (1+γc)Λ + E; dE/dt = ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ); dc/dt = 2η b̃·ũ.
// Map:  ũ' = ũ - η[(1+γc)Λũ + Eũ] - η²γ(b̃·ũ)Λũ; E' = E + ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ) + η²γ²c(Λũ)(Λũ)ᵀ;
//       c' = c + 2η b̃·ũ + η² ũ·(Λũ + Eũ).
// Twin: lib/reference/theory/ode.ts.
#include "theory/ode.h"

#include <cblas.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/cancel.h"

extern "C" void dsyevd_(const char* jobz, const char* uplo, const blasint* n, double* a, const blasint* lda,
                        double* w, double* work, const blasint* lwork, blasint* iwork, const blasint* liwork,
                        blasint* info);

namespace richscale::ode {
namespace {

constexpr double kDivergenceFactor = 1e4;  // lib/simulate/types.ts DIVERGENCE_FACTOR

// ∫_0^h e^{-x s} ds, stable for small or slightly negative x (same as the TS twin's phi1).
inline double Phi1(double x, double h) {
  const double r = x * h;
  if (std::fabs(r) < 1e-8) return h * (1.0 - r / 2.0 + r * r / 6.0);
  return (-std::expm1(-r) / r) * h;
}

double SumSq(const std::vector<double>& u) {
  double s = 0.0;
  for (size_t j = u.size(); j-- > 0;) s += u[j] * u[j];
  return s;
}

// Symmetric eigensolver (LAPACK dsyevd from OpenBLAS). In: H (n×n, symmetric). Out: mu, and Z (row-major) with
// Z[i*n + k] = component k of eigenvector i, i.e. Z = Qᵀ for H = Q diag(mu) Qᵀ.
class Eigen {
 public:
  explicit Eigen(int64_t n) : n_(n), mu(n), Z(n * n) {
    blasint nn = static_cast<blasint>(n), lwork = -1, liwork = -1, info = 0, iq = 0;
    double wq = 0.0;
    dsyevd_("V", "U", &nn, Z.data(), &nn, mu.data(), &wq, &lwork, &iq, &liwork, &info);
    work_.resize(static_cast<size_t>(wq) + 1);
    iwork_.resize(static_cast<size_t>(iq) + 1);
  }
  void Compute(const std::vector<double>& H) {
    Z = H;
    blasint nn = static_cast<blasint>(n_), lwork = static_cast<blasint>(work_.size()),
            liwork = static_cast<blasint>(iwork_.size()), info = 0;
    dsyevd_("V", "U", &nn, Z.data(), &nn, mu.data(), work_.data(), &lwork, iwork_.data(), &liwork, &info);
    if (info != 0) throw std::runtime_error("ode: the symmetric eigensolver (dsyevd) failed, info = " + std::to_string(info));
  }

 private:
  int64_t n_;

 public:
  std::vector<double> mu, Z;

 private:
  std::vector<double> work_;
  std::vector<blasint> iwork_;
};

struct State {
  std::vector<double> u, E;
  double c = 0.0;
};

class Flow {
 public:
  Flow(const OdeArgs& a)
      : n_(static_cast<int64_t>(a.lambda.size())), gamma_(a.gamma), eta_(a.eta), lam_(a.lambda), a_(n_),
        eig_(a.gamma != 0.0 ? n_ : 1), p_(n_), ep_(n_), fp_(n_), U_(n_), W_(a.gamma != 0.0 ? n_ * n_ : 0),
        T_(W_.size()), S_(W_.size()) {
    for (int64_t j = 0; j < n_; ++j) a_[j] = std::sqrt(a.mult[j] * a.lambda[j]) * a.wstar[j];
  }
  const std::vector<double>& a() const { return a_; }

  void BuildH(const State& st, std::vector<double>& H) const {
    H = st.E;
    const double boost = 1.0 + gamma_ * st.c;
    for (int64_t i = 0; i < n_; ++i) H[i * n_ + i] += boost * lam_[i];
  }

  // One exponential step of length h with H frozen (H == nullptr: γ = 0, H = Λ diagonal). See the TS twin.
  void FrozenStep(const State& st, const std::vector<double>* H, double h, State& out) {
    const int64_t n = n_;
    const double* mu = lam_.data();
    if (H != nullptr) {
      eig_.Compute(*H);
      mu = eig_.mu.data();
      cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, eig_.Z.data(), n, st.u.data(), 1, 0.0, p_.data(), 1);
    } else {
      p_ = st.u;
    }
    for (int64_t i = 0; i < n; ++i) {
      ep_[i] = std::exp(-eta_ * mu[i] * h) * p_[i];
      fp_[i] = Phi1(eta_ * mu[i], h) * p_[i];
    }
    out.u.resize(n);
    if (H != nullptr) {
      cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, eig_.Z.data(), n, ep_.data(), 1, 0.0, out.u.data(), 1);
      cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, eig_.Z.data(), n, fp_.data(), 1, 0.0, U_.data(), 1);
    } else {
      out.u = ep_;
      U_ = fp_;
    }
    double trS = 0.0, aU = 0.0;
    for (int64_t i = 0; i < n; ++i) trS += p_[i] * p_[i] * Phi1(2.0 * eta_ * mu[i], h);
    for (int64_t k = 0; k < n; ++k) aU += a_[k] * U_[k];
    out.c = st.c + 2.0 * eta_ * (aU - trS);
    out.E = st.E;
    if (H == nullptr) return;
    // S = ∫ũũᵀ = Q W Qᵀ = Zᵀ W Z, W_ij = p_i p_j φ(η(μ_i+μ_j)); X = U aᵀ - S; E += ηγ(ΛX + XᵀΛ).
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) W_[i * n + j] = p_[i] * p_[j] * Phi1(eta_ * (mu[i] + mu[j]), h);
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, W_.data(), n, eig_.Z.data(), n, 0.0,
                T_.data(), n);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, eig_.Z.data(), n, T_.data(), n, 0.0,
                S_.data(), n);
    const double g = eta_ * gamma_;
    for (int64_t k = 0; k < n; ++k) {
      for (int64_t l = 0; l < n; ++l) {
        const double s = S_[k * n + l];
        out.E[k * n + l] += g * (lam_[k] * (U_[k] * a_[l] - s) + lam_[l] * (U_[l] * a_[k] - s));
      }
    }
  }

 private:
  int64_t n_;
  double gamma_, eta_;
  const std::vector<double>& lam_;
  std::vector<double> a_;
  Eigen eig_;
  std::vector<double> p_, ep_, fp_, U_, W_, T_, S_;
};

OdeResult RunFlow(const OdeArgs& args, const std::atomic<bool>& cancel, const std::function<void(double)>& progress) {
  const int64_t n = static_cast<int64_t>(args.lambda.size());
  Flow flow(args);
  State st, next;
  st.u = flow.a();
  st.E.assign(args.gamma != 0.0 ? n * n : 0, 0.0);
  OdeResult r;
  const double L0 = SumSq(st.u);
  r.loss.push_back(L0);
  r.c.push_back(0.0);
  // H over a step [t_{i-1}, t_i] is frozen at the trapezoidal average (H(t_{i-1}) + H(t_i))/2, with H(t_i)
  // extrapolated linearly from the two previous grid points: H_mid = H_cur + (h/(2 h_prev))(H_cur - H_prev).
  // Second order, one eigendecomposition per step. The first step (from t = 0, tiny) uses H(0).
  std::vector<double> Hcur, Hprev, Hmid;
  double hPrev = 0.0;
  const size_t steps = args.times.size();
  for (size_t i = 1; i < steps; ++i) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    const double h = args.times[i] - args.times[i - 1];
    if (args.gamma == 0.0) {
      flow.FrozenStep(st, nullptr, h, next);
    } else {
      flow.BuildH(st, Hcur);
      Hmid = Hcur;
      if (i > 1) {
        const double f = h / (2.0 * hPrev);
        for (size_t k = 0; k < Hmid.size(); ++k) Hmid[k] = Hcur[k] + f * (Hcur[k] - Hprev[k]);
      }
      flow.FrozenStep(st, &Hmid, h, next);
      std::swap(Hprev, Hcur);
    }
    hPrev = h;
    std::swap(st, next);
    const double L = SumSq(st.u);
    if (!std::isfinite(L) || L > kDivergenceFactor * L0) {
      r.diverged = true;
      r.divergedAt = static_cast<int64_t>(i);
      return r;
    }
    r.loss.push_back(L);
    r.c.push_back(st.c);
    progress(static_cast<double>(i) / static_cast<double>(steps - 1));
  }
  return r;
}

OdeResult RunMap(const OdeArgs& args, const std::atomic<bool>& cancel, const std::function<void(double)>& progress) {
  const int64_t n = static_cast<int64_t>(args.lambda.size());
  const double eta = args.eta, gamma = args.gamma;
  const std::vector<double>& lam = args.lambda;
  std::vector<double> a(n), u(n), lu(n), Eu(n, 0.0), b(n), y(n);
  for (int64_t j = 0; j < n; ++j) a[j] = std::sqrt(args.mult[j] * lam[j]) * args.wstar[j];
  u = a;
  // E is kept in full (both triangles) so that symv-free gemv and the TS twin's order of updates agree.
  std::vector<double> E(gamma != 0.0 ? n * n : 0, 0.0);
  double c = 0.0;
  OdeResult r;
  const double L0 = SumSq(u);
  const int64_t T = static_cast<int64_t>(args.times.back());
  size_t rec = 0;
  for (int64_t t = 0;; ++t) {
    const double L = SumSq(u);
    if (!std::isfinite(L) || L > kDivergenceFactor * L0) {
      r.diverged = true;
      r.divergedAt = static_cast<int64_t>(rec);
      return r;
    }
    if (rec < args.times.size() && static_cast<double>(t) == args.times[rec]) {
      r.loss.push_back(L);
      r.c.push_back(c);
      ++rec;
    }
    if (t >= T) break;
    if ((t & 255) == 0) {
      if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
      progress(static_cast<double>(t) / static_cast<double>(T));
    }
    double bu = 0.0, uKu = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      lu[j] = lam[j] * u[j];
      b[j] = a[j] - u[j];
      bu += b[j] * u[j];
    }
    if (gamma != 0.0) cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, E.data(), n, u.data(), 1, 0.0, Eu.data(), 1);
    for (int64_t j = 0; j < n; ++j) uKu += u[j] * (lu[j] + Eu[j]);
    const double boost = 1.0 + gamma * c;
    const double q = eta * eta * gamma * bu;
    if (gamma != 0.0) {
      // E += ηγ(lu bᵀ + b luᵀ) + η²γ²c lu luᵀ = ηγ[lu yᵀ + y luᵀ] with y = b + (ηγc/2) lu.
      const double g1 = eta * gamma, half = 0.5 * eta * gamma * c;
      for (int64_t j = 0; j < n; ++j) y[j] = b[j] + half * lu[j];
      cblas_dger(CblasRowMajor, n, n, g1, lu.data(), 1, y.data(), 1, E.data(), n);
      cblas_dger(CblasRowMajor, n, n, g1, y.data(), 1, lu.data(), 1, E.data(), n);
    }
    for (int64_t j = 0; j < n; ++j) u[j] = u[j] - eta * (boost * lu[j] + Eu[j]) - q * lu[j];
    c = c + 2.0 * eta * bu + eta * eta * uKu;
  }
  progress(1.0);
  return r;
}

}  // namespace

OdeResult Run(const OdeArgs& args, const std::atomic<bool>& cancel, const std::function<void(double)>& progress) {
  return args.form == Form::Flow ? RunFlow(args, cancel, progress) : RunMap(args, cancel, progress);
}

}  // namespace richscale::ode
