// Lazy (γ = 0) N = ∞ online SGD with batch B (SPEC 3.4) on binned modes: the exact second-moment recursion
// for Gaussian features, or SPEC 3.4's Volterra form. Twin: lib/reference/theory/volterra.ts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace richscale::volterra {

enum class Mode { Exact, Volterra };

struct VolterraArgs {
  Mode mode = Mode::Exact;
  double eta = 0.0;
  double batch = 1.0;
  std::vector<double> lambda, wstar, mult;
  std::vector<int64_t> recordSteps;  // sorted, distinct, starting at 0
};

struct VolterraResult {
  std::vector<double> loss;
  bool diverged = false;
  int64_t divergedAt = -1;  // index into recordSteps
};

VolterraResult Run(const VolterraArgs& args, const std::atomic<bool>& cancel,
                   const std::function<void(double)>& progress);

}  // namespace richscale::volterra
