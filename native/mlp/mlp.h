// ReLU MLP on the circle in the mean-field / μP parameterisation (docs/mlp.md), pure C++ (no N-API).
// Twin: lib/reference/mlp.ts (same parameter layout, same random stream, same formulas).
//
//   x̃ = (cos θ, sin θ, 1)/√2                         (a first-layer bias of the same scale; |x̃| = 1)
//   h¹ = W¹ x̃,  hˡ⁺¹ = Wˡ⁺¹ φ(hˡ)/√N (ℓ = 1..L-1),     φ = ReLU, every weight iid N(0, 1)
//   g(θ; p) = w·φ(hᴸ)/N,   f(θ) = (g(θ; p) − g(θ; p₀))/γ0   (centred: f = 0 at initialisation)
// Batch loss ½·mean_μ (f_μ − y_μ)²; SGD p ← p − η ∇, η = η0·γ0²·N for every layer.
// Parameter layout (one Float64Array): W¹ (N×3, row-major), W² … Wᴸ (N×N each), w (N).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/rng.h"

namespace richscale::mlp {

inline constexpr int64_t kIn = 3;

struct Shape {
  int64_t width = 0;  // N
  int64_t depth = 0;  // L hidden layers (≥ 1)
};

int64_t ParamCount(const Shape& s);

// Initial parameters: standard normals from `rng` in layout order.
std::vector<double> InitParams(const Shape& s, Rng& rng);

// Normalised target y(θ) = Σ_{k=1..K} k^-q cos kθ / sqrt(Σ k^-2q / 2); cos kθ by the Chebyshev recurrence.
struct Target {
  int64_t K = 0;
  double q = 0.0;
  std::vector<double> coef;  // coef[k-1] = k^-q / norm
  Target(int64_t K, double q);
  double operator()(double theta) const;
};

// Forward and backward passes over a batch of B angles (all matrices row-major, batch along rows).
class Net {
 public:
  explicit Net(const Shape& s);
  // g(θ_μ; params) for μ < B into out (raw output, before centring and 1/γ0); keeps activations for Backward.
  void Forward(const double* params, const double* theta, int64_t B, double* out);
  // After Forward: grad += Σ_μ c_μ ∂g_μ/∂params.
  void Backward(const double* params, const double* c, double* grad);
  // After Forward: the per-sample NTK block K_ab = N Σ_p ∂g_a/∂p ∂g_b/∂p (B×B, full symmetric matrix).
  void Ntk(const double* params, double* K);

 private:
  void Deltas(const double* params, const double* c);  // D_ℓ rows: c_μ δˡ_μ
  Shape s_;
  int64_t B_ = 0;
  std::vector<double> X_;                // B×3
  std::vector<std::vector<double>> H_;   // pre-activations per layer, B×N
  std::vector<std::vector<double>> A_;   // φ(H), B×N
  std::vector<std::vector<double>> D_;   // backward deltas, B×N
};

struct TrainArgs {
  Shape shape;
  double gamma0 = 1.0;
  double eta0 = 1.0;
  int64_t batch = 1;
  int64_t steps = 0;
  int64_t K = 1;
  double q = 1.0;
  int64_t grid = 1024;             // population-loss grid θ_j = 2πj/grid
  std::vector<int64_t> record;     // increasing steps in [0, steps]
  uint64_t seed = 0;
  uint32_t stream = 0;
  double divergenceFactor = 1e4;   // stop when loss > factor·initial loss or not finite
};

struct TrainResult {
  std::vector<double> loss;   // at record steps (up to divergence)
  bool diverged = false;
  int64_t divergedStep = -1;
  double divergedLoss = 0.0;
  double flops = 0.0;
};

// One seed: init from Rng(seed, stream), then per step B angles θ = 2π·uniform(). progress(steps done).
TrainResult Train(const TrainArgs& a, const std::atomic<bool>& cancel, const std::function<void(double)>& progress);

// NTK of the network with parameters `params` on n equispaced points θ_j = 2πj/n: K (n×n, row-major),
// normalised as K = γ0²·N·J Jᵀ = N·Σ_p ∂g∂g (γ0-free), computed layer by layer (dsyrk; docs/mlp.md).
std::vector<double> InitialNtk(const Shape& s, const std::vector<double>& params, int64_t n);

// Symmetric eigendecomposition via LAPACK dsyevd: values ascending; vectors row i = eigenvector i.
void SymmetricEigen(int64_t n, std::vector<double> A, std::vector<double>& values, std::vector<double>& vectors);

}  // namespace richscale::mlp
