// The simulator kernel for one seed (docs/algorithm.md sections 3-6). Pure C++ (no N-API).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace richscale::simulate {

enum class Model { Projected, Unprojected };
enum class Sampler { Explicit, Exact };
enum class Init { Gaussian, Identity };

inline constexpr int64_t kUnlimited = -1;          // batch / data = Infinity
inline constexpr double kDivergenceFactor = 1e4;   // L > 1e4 · L(0) counts as divergence

// Validated inputs (see lib/simulate/types.ts SeedKernelArgs). All sizes fit in a BLAS int.
struct SeedArgs {
  Model model = Model::Projected;
  int64_t N = 0;
  int64_t M = 0;
  double gamma = 0.0;
  double eta = 0.0;
  int64_t batch = kUnlimited;  // B, or kUnlimited
  int64_t data = kUnlimited;   // P, or kUnlimited
  Sampler sampler = Sampler::Explicit;
  Init init = Init::Gaussian;
  int64_t steps = 0;                  // T
  std::vector<int64_t> recordSteps;   // sorted, distinct, in [0, T], contains 0 and T
  std::vector<double> lambda;         // length M
  std::vector<double> wstar;          // length M
  uint64_t seed = 0;
  uint32_t stream = 0;
  bool wantFinal = false;
};

struct SeedResult {
  std::vector<double> loss;           // population loss at each record step reached
  std::vector<double> trainLoss;      // |Xv|²/P at each record step reached (finite data only)
  bool diverged = false;
  int64_t divergedAt = -1;
  int64_t stepsDone = 0;
  std::vector<double> finalResidual;  // v at the last state, if wantFinal
};

// Called with the number of updates done so far (every step; the caller throttles).
using ProgressFn = std::function<void(int64_t stepsDone)>;

// Runs one seed. Checks `cancel` every step and throws richscale::Cancelled when it is set.
SeedResult RunSeed(const SeedArgs& args, const std::atomic<bool>& cancel, const ProgressFn& progress);

}  // namespace richscale::simulate
