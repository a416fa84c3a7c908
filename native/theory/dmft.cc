// Finite-N DMFT kernel (SPEC 3.1–3.2; equations and derivation in docs/theory-dmft.md).
// Mirrors lib/reference/theory/dmft.ts step by step. Dense T×T algebra through BLAS (dgemm, dtrsm).
#include "theory/dmft.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "common/cancel.h"

namespace richscale::dmft {
namespace {

using Mat = std::vector<double>;

inline blasint I(int64_t n) { return static_cast<blasint>(n); }

// C = A·B (transB: A·Bᵀ)
Mat Gemm(const Mat& A, const Mat& B, int64_t n, bool transB = false) {
  Mat C(static_cast<size_t>(n * n), 0.0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, I(n), I(n), I(n), 1.0, A.data(),
              I(n), B.data(), I(n), 0.0, C.data(), I(n));
  return C;
}

// X = L^{-1} B, L lower triangular.
Mat TrsmLower(const Mat& L, const Mat& B, int64_t n) {
  Mat X = B;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, I(n), I(n), 1.0, L.data(), I(n),
              X.data(), I(n));
  return X;
}

Mat Identity(int64_t n) {
  Mat M(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) M[i * n + i] = 1.0;
  return M;
}

// J = tril(ones, -1)
Mat StrictOnes(int64_t n) {
  Mat J(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) J[i * n + j] = 1.0;
  return J;
}

Mat StrictLower(const Mat& A, int64_t n) {
  Mat X(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) X[i * n + j] = A[i * n + j];
  return X;
}

double RelChange(const Mat& next, const Mat& prev) {
  double num = 0, den = 0;
  for (size_t i = 0; i < next.size(); ++i) {
    num = std::max(num, std::fabs(next[i] - prev[i]));
    den = std::max(den, std::fabs(next[i]));
  }
  return den > 0 ? num / den : num;
}

double Residual(const State& F, const State& X) {
  return std::max({RelChange(F.Cg, X.Cg), RelChange(F.Rg, X.Rg), RelChange(F.Cb, X.Cb), RelChange(F.Cw, X.Cw),
                   RelChange(F.loss, X.loss)});
}

void Mix(Mat& x, const Mat& f, double th) {
  for (size_t i = 0; i < x.size(); ++i) x[i] = (1 - th) * x[i] + th * f[i];
}

bool Finite(const State& X) {
  for (const Mat* m : {&X.Cg, &X.Rg, &X.Cb, &X.Cw, &X.loss})
    for (double v : *m)
      if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

State LazyState(const Args& a) {
  const int64_t n = a.steps + 1;
  const size_t nb = a.modes.lambda.size();
  State S;
  S.Cg.assign(static_cast<size_t>(n * n), 0.0);
  S.vv.assign(nb * static_cast<size_t>(n), 0.0);
  S.loss.assign(static_cast<size_t>(n), 0.0);
  std::vector<double> h(static_cast<size_t>(n));
  for (size_t b = 0; b < nb; ++b) {
    const double lam = a.modes.lambda[b], w2 = a.modes.wstar2[b], m = a.modes.mult[b];
    for (int64_t t = 0; t < n; ++t) h[t] = std::pow(1 - a.eta * lam, static_cast<double>(t));
    for (int64_t t = 0; t < n; ++t) {
      S.vv[b * n + t] = w2 * h[t] * h[t];
      S.loss[t] += m * lam * w2 * h[t] * h[t];
      for (int64_t s = 0; s < n; ++s) S.Cg[t * n + s] += m * lam * lam * w2 * h[t] * h[s];
    }
  }
  const Mat J = StrictOnes(n);
  S.Cw = Gemm(Gemm(J, S.Cg, n), J, n, true);
  for (double& x : S.Cw) x *= a.eta * a.eta;
  S.Rg.assign(static_cast<size_t>(n * n), 0.0);
  S.Cb = S.Cg;
  return S;
}

State Map(const Args& a, const State& X, const std::atomic<bool>* cancel) {
  // Every O(n³) operation first polls the cancel flag: one costs ≤ 2n³ flops (~0.2 s at T = 1000), one map bins × 5n³.
  const auto check = [cancel] {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) throw Cancelled();
  };
  const auto gemm = [&check](const Mat& x, const Mat& y, int64_t k, bool transB = false) {
    check();
    return Gemm(x, y, k, transB);
  };
  const auto trsm = [&check](const Mat& l, const Mat& b, int64_t k) {
    check();
    return TrsmLower(l, b, k);
  };
  const int64_t n = a.steps + 1;
  const size_t nn = static_cast<size_t>(n * n);
  const double eta = a.eta, gamma = a.gamma, N = a.N;
  const size_t nb = a.modes.lambda.size();
  const Mat J = StrictOnes(n);
  const Mat Id = Identity(n);
  // N-site (SPEC 3.2): Φ_w = (I - η²γ J tril(C_b,-1))^{-1} ηJ ; Φ_z = Φ_w + ηγ tril(C_w,-1)
  Mat Lw = gemm(J, StrictLower(X.Cb, n), n);
  for (size_t i = 0; i < nn; ++i) Lw[i] = Id[i] - eta * eta * gamma * Lw[i];
  Mat etaJ = J;
  for (double& x : etaJ) x *= eta;
  const Mat Phiw = trsm(Lw, etaJ, n);
  Mat Phiz = Phiw;
  const Mat Cws = StrictLower(X.Cw, n);
  for (size_t i = 0; i < nn; ++i) Phiz[i] += eta * gamma * Cws[i];
  // R_z = (I - Φ_z R_g)^{-1} Φ_z
  Mat PR = gemm(Phiz, X.Rg, n);
  for (size_t i = 0; i < nn; ++i) PR[i] = Id[i] - PR[i];
  const Mat Rz = trsm(PR, Phiz, n);
  // C_b = (I + R_g R_z) C_g (I + R_g R_z)ᵀ ; C_w = Φ_w C_b Φ_wᵀ ; C_z = R_z C_g R_zᵀ
  Mat E = gemm(X.Rg, Rz, n);
  for (size_t i = 0; i < nn; ++i) E[i] += Id[i];
  State F;
  F.Cb = gemm(gemm(E, X.Cg, n), E, n, true);
  F.Cw = gemm(gemm(Phiw, F.Cb, n), Phiw, n, true);
  const Mat Cz = gemm(gemm(Rz, X.Cg, n), Rz, n, true);
  // M-site, per bin: H = (I + λ R_z)^{-1}
  F.Cg.assign(nn, 0.0);
  F.Rg.assign(nn, 0.0);
  F.vv.assign(nb * static_cast<size_t>(n), 0.0);
  F.loss.assign(static_cast<size_t>(n), 0.0);
  const bool finiteB = a.batch > 0;
  Mat A(nn), HD(nn), D(static_cast<size_t>(n)), h(static_cast<size_t>(n));
  for (size_t b = 0; b < nb; ++b) {
    const double lam = a.modes.lambda[b], w2 = a.modes.wstar2[b], m = a.modes.mult[b];
    for (size_t i = 0; i < nn; ++i) A[i] = lam * Rz[i];
    for (int64_t i = 0; i < n; ++i) A[i * n + i] += 1.0;
    const Mat H = trsm(A, Id, n);
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t j = 0; j <= i; ++j) s += H[i * n + j];
      h[i] = s;
    }
    const Mat P1 = gemm(gemm(H, Cz, n), H, n, true);
    Mat P2, P3;
    if (finiteB) {
      // SGD noise (SPEC 3.1): Var ξ_k(t) = (λ_k L(t) + λ_k² ⟨v_k(t)²⟩)/B, from the previous iterate.
      for (int64_t t = 0; t < n; ++t)
        D[t] = std::sqrt(std::max(0.0, (lam * X.loss[t] + lam * lam * X.vv[b * n + t]) / a.batch));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) HD[i * n + j] = H[i * n + j] * D[j];
      P2 = gemm(HD, HD, n, true);
      Mat HR = gemm(H, Rz, n);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) HR[i * n + j] *= D[j];
      P3 = gemm(HR, HR, n, true);
    }
    for (int64_t t = 0; t < n; ++t) {
      double d = w2 * h[t] * h[t] + P1[t * n + t] / N;
      if (finiteB) d += P3[t * n + t];
      F.vv[b * n + t] = d;
      F.loss[t] += m * lam * d;
      for (int64_t s = 0; s < n; ++s) {
        double g = lam * lam * (w2 * h[t] * h[s] + P1[t * n + s] / N);
        if (finiteB) g += P2[t * n + s];
        F.Cg[t * n + s] += m * g;
        F.Rg[t * n + s] -= (m * lam / N) * H[t * n + s];
      }
    }
  }
  return F;
}

Result Solve(const Args& a, const std::atomic<bool>& cancel, const std::function<void(int64_t, double)>& onIter) {
  Result r;
  State X = a.hasInit ? a.init : LazyState(a);
  double best = INFINITY;
  int64_t bestAt = 0;
  for (int64_t it = 1; it <= a.maxIter; ++it) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    State F = Map(a, X, &cancel);
    if (!Finite(F)) {
      r.state = std::move(X);
      r.iterations = it;
      r.failure = "nan";
      return r;
    }
    const double res = Residual(F, X);
    r.residuals.push_back(res);
    if (onIter) onIter(it, res);
    Mix(X.Cg, F.Cg, a.damping);
    Mix(X.Rg, F.Rg, a.damping);
    Mix(X.Cb, F.Cb, a.damping);
    Mix(X.Cw, F.Cw, a.damping);
    Mix(X.vv, F.vv, a.damping);
    Mix(X.loss, F.loss, a.damping);
    if (res < a.tol) {
      r.state = std::move(F);
      r.iterations = it;
      r.converged = true;
      return r;
    }
    if (res < best / 2) {
      best = res;
      bestAt = it;
    }
    if (it - bestAt > 50) {
      r.state = std::move(X);
      r.iterations = it;
      r.failure = "stalled";
      return r;
    }
  }
  r.state = std::move(X);
  r.iterations = a.maxIter;
  r.failure = "maxIter";
  return r;
}

}  // namespace richscale::dmft
