// Stochastic DMFT at N = ∞, finite B, γ ≥ 0 (SPEC 3.2, "What is exact at N = ∞, finite B"; docs/theory-stochastic.md).
// One noise realisation is the unit-step map of the N = ∞ projected network in mode space (P = A(0)ᵀA(0)/N → I):
//   ĝ  = exact batch gradient of v = w* − β (SPEC 8.2 sampler, docs/algorithm.md §4: B normals, then M normals)
//   β' = β + η(K + γc)ĝ + η²γ(β·ĝ)ĝ
//   K' = K + ηγ(ĝβᵀ + βĝᵀ) + η²γ²c ĝĝᵀ          (K = AᵀA/N, K(0) = I)
//   c' = c + 2η β·ĝ + η² ĝᵀKĝ                     (c = |w|², c(0) = 0)
// K − I is held either explicitly (M×M, O(M²) per step) or implicitly as the sum of past rank-1/2 terms
// (O(M t) per step, O(M T²) per realisation).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace richscale::stochastic {

enum class Representation { Implicit, Explicit };

struct Args {
  int64_t M = 0;
  double gamma = 0.0;
  double eta = 0.0;
  int64_t batch = 1;
  int64_t steps = 1;
  std::vector<double> lambda;  // M
  std::vector<double> wstar;   // M
  uint64_t seed = 0;
  uint32_t streamStart = 0;    // realisation r uses stream streamStart + r
  int64_t count = 1;           // number of realisations
  Representation representation = Representation::Implicit;
  double divergenceFactor = 1e4;  // diverged if L non-finite or L > factor · L(0)
};

struct Result {
  // count × (steps + 1), row-major; a diverged realisation's row is NaN from its divergence step on.
  std::vector<double> loss;
  // count entries: −1 if the realisation finished, else the step at which it diverged.
  std::vector<double> divergedAt;
};

// Runs the realisations in order; `progress(done)` gets the number of realisations finished.
Result RunRealisations(const Args& a, const std::atomic<bool>& cancel, const std::function<void(int64_t)>& progress);

}  // namespace richscale::stochastic
