// ReLU MLP kernels (see mlp.h and docs/mlp.md). Twin: lib/reference/mlp.ts.
#include "mlp/mlp.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/cancel.h"

extern "C" void dsyevd_(const char* jobz, const char* uplo, const blasint* n, double* a, const blasint* lda,
                        double* w, double* work, const blasint* lwork, blasint* iwork, const blasint* liwork,
                        blasint* info);

namespace richscale::mlp {
namespace {

constexpr double kTwoPi = 6.283185307179586;
inline blasint I(int64_t n) { return static_cast<blasint>(n); }

int64_t OffsetW(const Shape& s, int64_t layer) {  // layer = 2..L: offset of Wˡ
  return s.width * kIn + (layer - 2) * s.width * s.width;
}
int64_t OffsetReadout(const Shape& s) { return s.width * kIn + (s.depth - 1) * s.width * s.width; }

// Population loss on the fixed grid; y and g(θ; p₀) are precomputed once.
class Evaluator {
 public:
  static constexpr int64_t kChunk = 512;
  Evaluator(const Shape& s, const std::vector<double>& params0, const Target& target, int64_t grid)
      : grid_(grid), theta_(grid), y_(grid), g0_(grid), g_(grid), net_(s) {
    for (int64_t j = 0; j < grid; ++j) {
      theta_[j] = kTwoPi * static_cast<double>(j) / static_cast<double>(grid);
      y_[j] = target(theta_[j]);
    }
    Eval(params0.data(), g0_.data());
  }
  double Loss(const double* params, double gamma0) {
    Eval(params, g_.data());
    double sum = 0.0;
    for (int64_t j = 0; j < grid_; ++j) {
      const double e = (g_[j] - g0_[j]) / gamma0 - y_[j];
      sum += e * e;
    }
    return sum / static_cast<double>(grid_);
  }

 private:
  void Eval(const double* params, double* out) {
    for (int64_t j = 0; j < grid_; j += kChunk) {
      const int64_t b = std::min(kChunk, grid_ - j);
      net_.Forward(params, theta_.data() + j, b, out + j);
    }
  }
  int64_t grid_;
  std::vector<double> theta_, y_, g0_, g_;
  Net net_;
};

}  // namespace

int64_t ParamCount(const Shape& s) { return OffsetReadout(s) + s.width; }

std::vector<double> InitParams(const Shape& s, Rng& rng) {
  std::vector<double> p(static_cast<size_t>(ParamCount(s)));
  for (double& x : p) x = rng.normal();
  return p;
}

Target::Target(int64_t K_, double q_) : K(K_), q(q_), coef(static_cast<size_t>(K_)) {
  double power = 0.0;
  for (int64_t k = 1; k <= K; ++k) {
    coef[k - 1] = std::pow(static_cast<double>(k), -q);
    power += coef[k - 1] * coef[k - 1];
  }
  const double norm = std::sqrt(power / 2.0);
  for (double& c : coef) c /= norm;
}

double Target::operator()(double theta) const {
  const double c1 = std::cos(theta);
  double prev = 1.0, cur = c1, sum = 0.0;
  for (int64_t k = 1; k <= K; ++k) {
    sum += coef[k - 1] * cur;
    const double next = 2.0 * c1 * cur - prev;
    prev = cur;
    cur = next;
  }
  return sum;
}

Net::Net(const Shape& s) : s_(s), H_(s.depth), A_(s.depth), D_(s.depth) {}

void Net::Forward(const double* params, const double* theta, int64_t B, double* out) {
  const int64_t N = s_.width, L = s_.depth;
  if (B != B_) {
    B_ = B;
    X_.assign(B * kIn, 0.0);
    for (int64_t l = 0; l < L; ++l) {
      H_[l].assign(B * N, 0.0);
      A_[l].assign(B * N, 0.0);
      D_[l].assign(B * N, 0.0);
    }
  }
  const double r = std::sqrt(0.5);
  for (int64_t m = 0; m < B; ++m) {
    X_[m * kIn + 0] = std::cos(theta[m]) * r;
    X_[m * kIn + 1] = std::sin(theta[m]) * r;
    X_[m * kIn + 2] = r;
  }
  // H¹ = X W¹ᵀ
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, I(B), I(N), I(kIn), 1.0, X_.data(), I(kIn), params, I(kIn),
              0.0, H_[0].data(), I(N));
  const double invSqrtN = 1.0 / std::sqrt(static_cast<double>(N));
  for (int64_t l = 0; l < L; ++l) {
    if (l > 0) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, I(B), I(N), I(N), invSqrtN, A_[l - 1].data(), I(N),
                  params + OffsetW(s_, l + 1), I(N), 0.0, H_[l].data(), I(N));
    }
    const std::vector<double>& h = H_[l];
    std::vector<double>& a = A_[l];
    for (int64_t i = 0; i < B * N; ++i) a[i] = h[i] > 0.0 ? h[i] : 0.0;
  }
  cblas_dgemv(CblasRowMajor, CblasNoTrans, I(B), I(N), 1.0 / static_cast<double>(N), A_[L - 1].data(), I(N),
              params + OffsetReadout(s_), 1, 0.0, out, 1);
}

void Net::Deltas(const double* params, const double* c) {
  const int64_t N = s_.width, L = s_.depth, B = B_;
  const double* w = params + OffsetReadout(s_);
  {
    const std::vector<double>& h = H_[L - 1];
    std::vector<double>& d = D_[L - 1];
    for (int64_t m = 0; m < B; ++m) {
      for (int64_t i = 0; i < N; ++i) d[m * N + i] = h[m * N + i] > 0.0 ? c[m] * w[i] : 0.0;
    }
  }
  const double invSqrtN = 1.0 / std::sqrt(static_cast<double>(N));
  for (int64_t l = L - 1; l >= 1; --l) {  // D_{l-1} (0-based) from D_l through W^{l+1} (1-based)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, I(B), I(N), I(N), invSqrtN, D_[l].data(), I(N),
                params + OffsetW(s_, l + 1), I(N), 0.0, D_[l - 1].data(), I(N));
    const std::vector<double>& h = H_[l - 1];
    std::vector<double>& d = D_[l - 1];
    for (int64_t i = 0; i < B * N; ++i) if (!(h[i] > 0.0)) d[i] = 0.0;
  }
}

void Net::Backward(const double* params, const double* c, double* grad) {
  const int64_t N = s_.width, L = s_.depth, B = B_;
  const double dN = static_cast<double>(N);
  Deltas(params, c);
  // ∂/∂w: Aᴸᵀ c / N
  cblas_dgemv(CblasRowMajor, CblasTrans, I(B), I(N), 1.0 / dN, A_[L - 1].data(), I(N), c, 1, 1.0,
              grad + OffsetReadout(s_), 1);
  // ∂/∂Wˡ⁺¹: D_{ℓ+1}ᵀ A_ℓ / (N√N)
  for (int64_t l = L - 1; l >= 1; --l) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, I(N), I(N), I(B), 1.0 / (dN * std::sqrt(dN)),
                D_[l].data(), I(N), A_[l - 1].data(), I(N), 1.0, grad + OffsetW(s_, l + 1), I(N));
  }
  // ∂/∂W¹: D₁ᵀ X / N
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, I(N), I(kIn), I(B), 1.0 / dN, D_[0].data(), I(N), X_.data(),
              I(kIn), 1.0, grad, I(kIn));
}

void Net::Ntk(const double* params, double* K) {
  const int64_t N = s_.width, L = s_.depth, B = B_;
  const double dN = static_cast<double>(N);
  std::vector<double> ones(static_cast<size_t>(B), 1.0);
  Deltas(params, ones.data());
  std::vector<double> G1(static_cast<size_t>(B * B)), G2(static_cast<size_t>(B * B));
  // Readout term Aᴸ Aᴸᵀ / N.
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, I(B), I(N), 1.0 / dN, A_[L - 1].data(), I(N), 0.0, K, I(B));
  // Hidden layers: (D_{ℓ+1} D_{ℓ+1}ᵀ) ∘ (A_ℓ A_ℓᵀ) / N².
  for (int64_t l = L - 1; l >= 1; --l) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, I(B), I(N), 1.0 / dN, D_[l].data(), I(N), 0.0, G1.data(), I(B));
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, I(B), I(N), 1.0 / dN, A_[l - 1].data(), I(N), 0.0, G2.data(), I(B));
    for (int64_t a = 0; a < B; ++a)
      for (int64_t b = a; b < B; ++b) K[a * B + b] += G1[a * B + b] * G2[a * B + b];
  }
  // First layer: (D₁ D₁ᵀ) ∘ (X Xᵀ) / N.
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, I(B), I(N), 1.0 / dN, D_[0].data(), I(N), 0.0, G1.data(), I(B));
  for (int64_t a = 0; a < B; ++a) {
    for (int64_t b = a; b < B; ++b) {
      double xx = 0.0;
      for (int64_t j = 0; j < kIn; ++j) xx += X_[a * kIn + j] * X_[b * kIn + j];
      K[a * B + b] += G1[a * B + b] * xx;
    }
  }
  for (int64_t a = 0; a < B; ++a)
    for (int64_t b = 0; b < a; ++b) K[a * B + b] = K[b * B + a];
}

TrainResult Train(const TrainArgs& a, const std::atomic<bool>& cancel, const std::function<void(double)>& progress) {
  const Shape& s = a.shape;
  const int64_t N = s.width, L = s.depth, B = a.batch, P = ParamCount(s);
  Rng rng = Rng::FromSeed(a.seed, a.stream);
  std::vector<double> params = InitParams(s, rng);
  const std::vector<double> params0 = params;
  const Target target(a.K, a.q);
  Evaluator eval(s, params0, target, a.grid);
  Net net(s);
  std::vector<double> theta(B), y(B), g0(B), g(B), c(B), grad(P);
  const double eta = a.eta0 * a.gamma0 * a.gamma0 * static_cast<double>(N);
  const double dN = static_cast<double>(N), dB = static_cast<double>(B);
  const double fwd = 2.0 * dB * dN * (kIn + (L - 1) * dN + 1.0);
  const double flopsPerStep = 2.0 * fwd + 2.0 * dB * dN * (2.0 * (L - 1) * dN + kIn + 1.0) + 2.0 * P;
  const double flopsPerEval = static_cast<double>(a.grid) * 2.0 * dN * (kIn + (L - 1) * dN + 1.0);

  TrainResult res;
  size_t r = 0;
  double initialLoss = 0.0;
  auto record = [&](int64_t t) -> bool {  // false: diverged
    const double loss = eval.Loss(params.data(), a.gamma0);
    res.flops += flopsPerEval;
    if (t == 0) initialLoss = loss;
    if (!std::isfinite(loss) || loss > a.divergenceFactor * std::max(initialLoss, 1e-300)) {
      res.diverged = true;
      res.divergedStep = t;
      res.divergedLoss = loss;
      return false;
    }
    res.loss.push_back(loss);
    return true;
  };
  // Step 0 is always evaluated (it fixes the divergence reference); recorded only if requested.
  {
    const double loss0 = eval.Loss(params.data(), a.gamma0);
    initialLoss = loss0;
    if (!a.record.empty() && a.record[0] == 0) {
      res.loss.push_back(loss0);
      r = 1;
    }
  }
  for (int64_t t = 1; t <= a.steps; ++t) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    for (int64_t m = 0; m < B; ++m) {
      theta[m] = kTwoPi * rng.uniform();
      y[m] = target(theta[m]);
    }
    net.Forward(params0.data(), theta.data(), B, g0.data());
    net.Forward(params.data(), theta.data(), B, g.data());
    bool finite = true;
    for (int64_t m = 0; m < B; ++m) {
      const double e = (g[m] - g0[m]) / a.gamma0 - y[m];
      if (!std::isfinite(e)) finite = false;
      c[m] = e / (dB * a.gamma0);
    }
    if (!finite) {
      res.diverged = true;
      res.divergedStep = t;
      res.divergedLoss = NAN;
      break;
    }
    std::fill(grad.begin(), grad.end(), 0.0);
    net.Backward(params.data(), c.data(), grad.data());
    cblas_daxpy(I(P), -eta, grad.data(), 1, params.data(), 1);
    res.flops += flopsPerStep;
    if (r < a.record.size() && a.record[r] == t) {
      if (!record(t)) break;
      ++r;
    }
    progress(static_cast<double>(t));
  }
  return res;
}

std::vector<double> InitialNtk(const Shape& s, const std::vector<double>& params, int64_t n) {
  std::vector<double> theta(n), out(n), K(static_cast<size_t>(n * n));
  for (int64_t j = 0; j < n; ++j) theta[j] = kTwoPi * static_cast<double>(j) / static_cast<double>(n);
  Net net(s);
  net.Forward(params.data(), theta.data(), n, out.data());
  net.Ntk(params.data(), K.data());
  return K;
}

void SymmetricEigen(int64_t n, std::vector<double> A, std::vector<double>& values, std::vector<double>& vectors) {
  blasint nn = I(n), lwork = -1, liwork = -1, info = 0, iq = 0;
  double wq = 0.0;
  values.assign(static_cast<size_t>(n), 0.0);
  dsyevd_("V", "U", &nn, A.data(), &nn, values.data(), &wq, &lwork, &iq, &liwork, &info);
  if (info != 0) throw std::runtime_error("symmetricEigen: workspace query of dsyevd failed, info = " + std::to_string(info));
  std::vector<double> work(static_cast<size_t>(wq) + 1);
  std::vector<blasint> iwork(static_cast<size_t>(iq) + 1);
  lwork = static_cast<blasint>(work.size());
  liwork = static_cast<blasint>(iwork.size());
  dsyevd_("V", "U", &nn, A.data(), &nn, values.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
  if (info != 0) throw std::runtime_error("symmetricEigen: dsyevd did not converge, info = " + std::to_string(info));
  vectors = std::move(A);  // column-major Z = row-major Zᵀ: row i is eigenvector i
}

}  // namespace richscale::mlp
