// The simulator kernel for one seed (docs/algorithm.md sections 3-6). Pure C++ (no N-API).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace richscale::simulate {

enum class Model { Projected, Unprojected };
// Span: the exact sampler drawn in the span of A(0)'s features, O(N²) a step (span_model.h); projected, float64.
enum class Sampler { Explicit, Exact, Span };
enum class Init { Gaussian, Identity };
// Scalar type of the model's arrays (A(0), G, w, the BLAS work). Losses and residuals are always double.
enum class Precision { Float64, Float32 };

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
  Precision precision = Precision::Float64;
  // Modes per block of the fused pass over A(0) (docs/performance.md); 0 = automatic (about 512 KiB per block).
  int64_t blockModes = 0;
  // Chunked runs (checkpoint and resume, docs/algorithm.md section 8): run from `startState` (empty: from
  // t = 0) until `stopAt` updates are done (≤ steps), and return the full state when `wantState`.
  int64_t stopAt = 0;                 // 0: steps
  std::vector<double> startState;     // a state returned by an earlier chunk of the same args
  bool wantState = false;
};

// State layout (all doubles, exact for the integers stored): [kStateVersion, t, L0, s0, s1, s2, s3, hasSpare,
// spare, w (N), then G (N×N, projected with γ ≠ 0) or A (N×M, unprojected)].
inline constexpr double kStateVersion = 1.0;
inline constexpr size_t kStateHeader = 9;
size_t StateLength(const SeedArgs& a);

struct SeedResult {
  std::vector<double> loss;           // population loss at each record step reached
  std::vector<double> trainLoss;      // |Xv|²/P at each record step reached (finite data only)
  bool diverged = false;
  int64_t divergedAt = -1;
  int64_t stepsDone = 0;
  std::vector<double> finalResidual;  // v at the last state, if wantFinal
  std::vector<double> state;          // the state after stepsDone updates, if wantState
  bool interrupted = false;           // cancelled with wantState: `state` holds the state at stepsDone
};

// Called with the number of updates done so far (every step; the caller throttles).
using ProgressFn = std::function<void(int64_t stepsDone)>;

// Runs one seed (or one chunk of it). Checks `cancel` every step; when it is set, throws richscale::Cancelled,
// or, with wantState, returns early with `interrupted` and the state reached.
SeedResult RunSeed(const SeedArgs& args, const std::atomic<bool>& cancel, const ProgressFn& progress);

// Batched runs that share A(0) and the batch randomness (one seed and stream, lanes differ only in γ):
// lane j is the run of `args` with gamma = gammas[j], and gives the same curve as RunSeed of that run up to
// rounding. The per-step matrix-vector products over A(0) become matrix-matrix products (one pass over A(0)
// for all lanes). Projected model, data = ∞, no chunked runs (checked by the binding). Throws
// richscale::Cancelled when `cancel` is set.
std::vector<SeedResult> RunBatch(const SeedArgs& args, const std::vector<double>& gammas,
                                 const std::atomic<bool>& cancel, const ProgressFn& progress);

}  // namespace richscale::simulate
