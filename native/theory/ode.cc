// N = B = ∞ dynamics of SPEC 3.3 (gradient flow) and the exact unit-step map (SPEC 2.1 with A(0)ᵀA(0)/N → I),
// on binned modes. Variables (SPEC 8.2 symmetric rewrite, with multiplicities m_j, s_j = sqrt(m_j λ_j)):
//   ũ = s∘v (L = |ũ|²), a = s∘w*, b̃ = a - ũ, E_jl = s_j s_l (K - I)_jl, c = |w|².
// Flow: dũ/dt = -η H ũ, H = (1+γc)Λ + E; dE/dt = ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ); dc/dt = 2η b̃·ũ.
// Map:  ũ' = ũ - η[(1+γc)Λũ + Eũ] - η²γ(b̃·ũ)Λũ; E' = E + ηγ(Λũ b̃ᵀ + b̃ ũᵀΛ) + η²γ²c(Λũ)(Λũ)ᵀ;
//       c' = c + 2η b̃·ũ + η² ũ·(Λũ + Eũ).
// Twin: lib/reference/theory/ode.ts.
#include "theory/ode.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/blas.h"
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
  void Compute(const std::vector<double>& H) { Compute(H, n_); }
  // Eigendecomposition of the d×d matrix stored densely (stride d) in the first d² entries of H, d ≤ n.
  void Compute(const std::vector<double>& H, int64_t d) {
    std::copy(H.begin(), H.begin() + d * d, Z.begin());
    blasint nn = static_cast<blasint>(d), lwork = static_cast<blasint>(work_.size()),
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

// ---------------------------------------------------------------------------------------------------------------
// method 'fast': deflation of the untouched tail (SPEC 3.2: "modes with λ_k R_z ≪ 1 can be treated to first order";
// SPEC 3.3 flow in the SPEC 8.2 symmetric variables). Twin: referenceOdeFlowFast in lib/reference/theory/ode.ts.
//
// At time t a bin j with θ_j = η λ_j (1+γc) t ≪ 1 has barely moved. To first order in θ_j its residual is
// ũ_j = a_j - ηΦ(t) ζ_j with ζ = Λa and one scalar history Φ shared by the whole tail, and E's tail rows are
// E_jl = ζ_j ε_l, E_jj' = e ζ_j ζ_j' (the b̃ = s∘β of every tail bin is ∝ ζ, and Λũ ≈ Λa = ζ there). So the
// exact state lies, to first order in θ, in the subspace V = span(e_1..e_nA, q_0, q_1) with q_0 ∝ ζ_tail and
// q_1 ∝ the part of a_tail orthogonal to q_0 (V contains a, hence b̃ and ũ). The solver evolves the Galerkin
// projection of the flow onto V: x = Pᵀũ (dimension d = nA + 2), E_V = PᵀEP, Λ_V = PᵀΛP (diagonal on the
// active bins, a 2×2 block on the tail), a_V = Pᵀa; the equations are those of SPEC 3.3 with Λ → Λ_V, and the
// step is the reference frozen-H exponential step on d instead of n dimensions. L = |x|² and b̃·ũ = (a_V - x)·x
// are exact in V. Bins join the active set when θ_j(t_next) ≥ deflationTol (never leave it); V only grows
// (the old tail directions are combinations of the new active bins and the new tail directions), so the change
// of basis R = P'ᵀP is exact and sparse: x' = Rx, E' = R E Rᵀ. The error is second order in θ at the
// activation threshold: measured ≈ 1.6e-5 relative in L at deflationTol = 1e-3 on the bench workload (scaling
// ∝ tol²), see docs/theory.md.

namespace {

// Scaled Euclidean norm (tail vectors span many decades; avoids under/overflow of the squares).
double Norm(const double* v, int64_t m) {
  double scale = 0.0;
  for (int64_t j = 0; j < m; ++j) scale = std::max(scale, std::fabs(v[j]));
  if (scale == 0.0) return 0.0;
  double s = 0.0;
  for (int64_t j = m; j-- > 0;) s += (v[j] / scale) * (v[j] / scale);
  return scale * std::sqrt(s);
}

double Dot(const double* x, const double* y, int64_t m) {
  double s = 0.0;
  for (int64_t j = m; j-- > 0;) s += x[j] * y[j];
  return s;
}

// Orthonormal directions of the deflated tail (bins nA..n-1) and the tail block of Λ_V and a_V.
struct Tail {
  int64_t nA = 0;
  int r = 0;                    // 0 (no tail), 1 or 2 directions
  std::vector<double> q[2];     // length n - nA each
  double Lt[2][2] = {{0, 0}, {0, 0}};
  double at[2] = {0, 0};

  Tail() = default;
  Tail(const std::vector<double>& lam, const std::vector<double>& a, int64_t nActive) : nA(nActive) {
    const int64_t n = static_cast<int64_t>(lam.size()), m = n - nA;
    if (m <= 0) return;
    const double* as = a.data() + nA;
    q[0].resize(m);
    for (int64_t j = 0; j < m; ++j) q[0][j] = lam[nA + j] * as[j];
    const double z = Norm(q[0].data(), m);
    if (z == 0.0) {  // a = 0 on the whole tail: it stays exactly 0 (no tail directions needed)
      q[0].clear();
      return;
    }
    for (double& v : q[0]) v /= z;
    r = 1;
    if (m >= 2) {
      q[1].assign(as, as + m);
      for (int pass = 0; pass < 2; ++pass) {  // Gram–Schmidt, twice
        const double pr = Dot(q[0].data(), q[1].data(), m);
        for (int64_t j = 0; j < m; ++j) q[1][j] -= pr * q[0][j];
      }
      const double w = Norm(q[1].data(), m);
      if (w > 1e-12 * Norm(as, m)) {
        for (double& v : q[1]) v /= w;
        r = 2;
      } else {
        q[1].clear();
      }
    }
    for (int c = 0; c < r; ++c) {
      at[c] = Dot(q[c].data(), as, m);
      for (int e = 0; e < r; ++e) {
        double s = 0.0;
        for (int64_t j = m; j-- > 0;) s += lam[nA + j] * q[c][j] * q[e][j];
        Lt[c][e] = s;
      }
    }
  }
  int64_t dim() const { return nA + r; }
};

class FastFlow {
 public:
  explicit FastFlow(const OdeArgs& args)
      : n_(static_cast<int64_t>(args.lambda.size())), gamma_(args.gamma), eta_(args.eta), lam_(args.lambda), a_(n_),
        eig_(n_ + 2), p_(n_ + 2), ep_(n_ + 2), fp_(n_ + 2), U_(n_ + 2),
        W_((n_ + 2) * (n_ + 2)), T_(W_.size()), S_(W_.size()), H_(W_.size()), Hp_(W_.size()), tmp_(W_.size()) {
    for (int64_t j = 0; j < n_; ++j) a_[j] = std::sqrt(args.mult[j] * args.lambda[j]) * args.wstar[j];
    SetTail(Tail(lam_, a_, 0));
    x_ = aV_;
    E_.assign(d_ * d_, 0.0);
  }

  double Loss() const { return SumSq(x_); }
  double c() const { return c_; }
  int64_t dim() const { return d_; }

  // Grow the active set to the first nA bins (nA ≥ current): exact change of basis x' = Rx, E' = R E Rᵀ
  // (also applied to the previous step's E, used by the H extrapolation).
  void Activate(int64_t nA) {
    if (nA <= tail_.nA || tail_.r == 0) return;
    Tail t2(lam_, a_, nA);
    const int64_t nA0 = tail_.nA, k = nA - nA0, d0 = d_, d2 = t2.dim(), rows = k + t2.r, r0 = tail_.r;
    // Rt (rows × r0): the old tail directions in the new coordinates nA0..d2-1.
    std::vector<double> Rt(rows * r0, 0.0);
    for (int c = 0; c < r0; ++c) {
      for (int64_t i = 0; i < k; ++i) Rt[i * r0 + c] = tail_.q[c][i];
      for (int e = 0; e < t2.r; ++e) {
        Rt[(k + e) * r0 + c] = Dot(t2.q[e].data(), tail_.q[c].data() + k, n_ - nA);
      }
    }
    auto mapVec = [&](const std::vector<double>& v) {
      std::vector<double> out(d2, 0.0);
      std::copy(v.begin(), v.begin() + nA0, out.begin());
      for (int64_t i = 0; i < rows; ++i) {
        double s = 0.0;
        for (int c = 0; c < r0; ++c) s += Rt[i * r0 + c] * v[nA0 + c];
        out[nA0 + i] = s;
      }
      return out;
    };
    auto mapMat = [&](const std::vector<double>& M) {
      std::vector<double> out(d2 * d2, 0.0);
      for (int64_t i = 0; i < nA0; ++i) {
        std::copy(M.begin() + i * d0, M.begin() + i * d0 + nA0, out.begin() + i * d2);
        for (int64_t j = 0; j < rows; ++j) {
          double s = 0.0;
          for (int c = 0; c < r0; ++c) s += M[i * d0 + nA0 + c] * Rt[j * r0 + c];
          out[i * d2 + nA0 + j] = s;
          out[(nA0 + j) * d2 + i] = s;  // M symmetric
        }
      }
      double Mt[2][2] = {{0, 0}, {0, 0}};
      for (int c = 0; c < r0; ++c)
        for (int e = 0; e < r0; ++e) Mt[c][e] = M[(nA0 + c) * d0 + nA0 + e];
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < rows; ++j) {
          double s = 0.0;
          for (int c = 0; c < r0; ++c)
            for (int e = 0; e < r0; ++e) s += Rt[i * r0 + c] * Mt[c][e] * Rt[j * r0 + e];
          out[(nA0 + i) * d2 + nA0 + j] = s;
        }
      }
      return out;
    };
    x_ = mapVec(x_);
    E_ = mapMat(E_);
    if (!Eprev_.empty()) Eprev_ = mapMat(Eprev_);
    SetTail(std::move(t2));
  }

  // One step of length h: H frozen at the extrapolated midpoint (as RunFlow), exponential step in V.
  void Step(double h, bool first) {
    BuildH(E_, c_, H_);
    if (!first) {
      BuildH(Eprev_, cPrev_, Hp_);
      const double f = h / (2.0 * hPrev_);
      for (int64_t k = 0; k < d_ * d_; ++k) H_[k] += f * (H_[k] - Hp_[k]);
    }
    Eprev_ = E_;
    cPrev_ = c_;
    hPrev_ = h;
    FrozenStep(h);
  }

 private:
  void SetTail(Tail t) {
    tail_ = std::move(t);
    d_ = tail_.dim();
    aV_.assign(a_.begin(), a_.begin() + tail_.nA);
    for (int c = 0; c < tail_.r; ++c) aV_.push_back(tail_.at[c]);
  }

  // (Λ_V M)_kl for row k of a d×d matrix M.
  void LambdaTimes(const std::vector<double>& M, std::vector<double>& out) const {
    const int64_t d = d_, nA = tail_.nA;
    for (int64_t k = 0; k < nA; ++k)
      for (int64_t l = 0; l < d; ++l) out[k * d + l] = lam_[k] * M[k * d + l];
    for (int c = 0; c < tail_.r; ++c) {
      for (int64_t l = 0; l < d; ++l) {
        double s = 0.0;
        for (int e = 0; e < tail_.r; ++e) s += tail_.Lt[c][e] * M[(nA + e) * d + l];
        out[(nA + c) * d + l] = s;
      }
    }
  }

  void BuildH(const std::vector<double>& E, double c, std::vector<double>& H) const {
    const int64_t d = d_, nA = tail_.nA;
    const double boost = 1.0 + gamma_ * c;
    std::copy(E.begin(), E.begin() + d * d, H.begin());
    for (int64_t i = 0; i < nA; ++i) H[i * d + i] += boost * lam_[i];
    for (int c2 = 0; c2 < tail_.r; ++c2)
      for (int e = 0; e < tail_.r; ++e) H[(nA + c2) * d + nA + e] += boost * tail_.Lt[c2][e];
  }

  // As Flow::FrozenStep with Λ → Λ_V (SPEC 8.2: the stiff linear part treated exactly).
  void FrozenStep(double h) {
    const int64_t d = d_;
    const blasint bd = static_cast<blasint>(d);
    eig_.Compute(H_, d);
    const double* mu = eig_.mu.data();
    const double* Z = eig_.Z.data();
    cblas_dgemv(CblasRowMajor, CblasNoTrans, bd, bd, 1.0, Z, bd, x_.data(), 1, 0.0, p_.data(), 1);
    for (int64_t i = 0; i < d; ++i) {
      ep_[i] = std::exp(-eta_ * mu[i] * h) * p_[i];
      fp_[i] = Phi1(eta_ * mu[i], h) * p_[i];
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, bd, bd, 1.0, Z, bd, ep_.data(), 1, 0.0, x_.data(), 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, bd, bd, 1.0, Z, bd, fp_.data(), 1, 0.0, U_.data(), 1);
    double trS = 0.0, aU = 0.0;
    for (int64_t i = 0; i < d; ++i) trS += p_[i] * p_[i] * Phi1(2.0 * eta_ * mu[i], h);
    for (int64_t k = 0; k < d; ++k) aU += aV_[k] * U_[k];
    c_ = c_ + 2.0 * eta_ * (aU - trS);
    // S = ∫xxᵀ = Zᵀ W Z, W_ij = p_i p_j φ(η(μ_i+μ_j)); X = U a_Vᵀ - S; E += ηγ(Λ_V X + XᵀΛ_V).
    for (int64_t i = 0; i < d; ++i) {
      for (int64_t j = i; j < d; ++j) {
        const double w = p_[i] * p_[j] * Phi1(eta_ * (mu[i] + mu[j]), h);
        W_[i * d + j] = w;
        W_[j * d + i] = w;
      }
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bd, bd, bd, 1.0, W_.data(), bd, Z, bd, 0.0, T_.data(), bd);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bd, bd, bd, 1.0, Z, bd, T_.data(), bd, 0.0, S_.data(), bd);
    for (int64_t k = 0; k < d; ++k)
      for (int64_t l = 0; l < d; ++l) S_[k * d + l] = U_[k] * aV_[l] - S_[k * d + l];  // X
    LambdaTimes(S_, tmp_);
    const double g = eta_ * gamma_;
    for (int64_t k = 0; k < d; ++k)
      for (int64_t l = 0; l < d; ++l) E_[k * d + l] += g * (tmp_[k * d + l] + tmp_[l * d + k]);
  }

  int64_t n_;
  double gamma_, eta_;
  const std::vector<double>& lam_;
  std::vector<double> a_;
  Tail tail_;
  int64_t d_ = 0;
  std::vector<double> aV_, x_, E_, Eprev_;
  double c_ = 0.0, cPrev_ = 0.0, hPrev_ = 0.0;
  Eigen eig_;
  std::vector<double> p_, ep_, fp_, U_, W_, T_, S_, H_, Hp_, tmp_;
};

OdeResult RunFlowFast(const OdeArgs& args, const std::atomic<bool>& cancel,
                      const std::function<void(double)>& progress) {
  const int64_t n = static_cast<int64_t>(args.lambda.size());
  FastFlow flow(args);
  OdeResult r;
  const double L0 = flow.Loss();
  r.loss.push_back(L0);
  r.c.push_back(0.0);
  r.maxDim = flow.dim();
  // Below kThreadedDim the step's BLAS/LAPACK calls are too small for a second thread to pay: dsyevd makes ~d
  // dsymv calls per step, each a thread synchronisation. Measured on the bench workload (d ≤ 231, 2-core VM, load
  // ~2.5): 2 BLAS threads 0.95 s, 1 thread 0.57 s. So the solve runs single-threaded until d reaches it.
  constexpr int64_t kThreadedDim = 256;
  auto single = std::make_unique<blas::SingleThreadScope>();
  const size_t steps = args.times.size();
  for (size_t i = 1; i < steps; ++i) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    const double h = args.times[i] - args.times[i - 1];
    if (single && flow.dim() >= kThreadedDim) single.reset();
    // Active bins: every bin up to the last one with θ_j = η λ_j (1+γc) t_i ≥ tol (at the step's end time).
    const double scale = args.eta * (1.0 + args.gamma * flow.c()) * args.times[i];
    int64_t nA = 0;
    for (int64_t j = n; j-- > 0;) {
      if (scale * args.lambda[j] >= args.deflationTol) {
        nA = j + 1;
        break;
      }
    }
    flow.Activate(nA);
    r.maxDim = std::max(r.maxDim, flow.dim());
    r.sumDim3 += std::pow(static_cast<double>(flow.dim()), 3);
    flow.Step(h, i == 1);
    const double L = flow.Loss();
    if (!std::isfinite(L) || L > kDivergenceFactor * L0) {
      r.diverged = true;
      r.divergedAt = static_cast<int64_t>(i);
      return r;
    }
    r.loss.push_back(L);
    r.c.push_back(flow.c());
    progress(static_cast<double>(i) / static_cast<double>(steps - 1));
  }
  return r;
}

}  // namespace

OdeResult Run(const OdeArgs& args, const std::atomic<bool>& cancel, const std::function<void(double)>& progress) {
  if (args.form == Form::Map) return RunMap(args, cancel, progress);
  // γ = 0: H = Λ is diagonal and both methods are the closed form (RunFlow's diagonal path).
  if (args.method == Method::Fast && args.gamma != 0.0) return RunFlowFast(args, cancel, progress);
  OdeResult r = RunFlow(args, cancel, progress);
  r.maxDim = static_cast<int64_t>(args.lambda.size());
  if (args.gamma != 0.0) r.sumDim3 = std::pow(static_cast<double>(r.maxDim), 3) * static_cast<double>(r.loss.size() - 1);
  return r;
}

}  // namespace richscale::ode
