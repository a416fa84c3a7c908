// Finite-N DMFT of the projected model on the discrete step grid (SPEC 3.1–3.2; docs/theory-dmft.md).
// B = ∞ for any γ, finite B (SGD noise via R_z) for γ = 0. Pure C++ + BLAS; no N-API here.
// The pure-TS twin is lib/reference/theory/dmft.ts: same algorithm, same order of operations.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace richscale::dmft {

struct Modes {
  std::vector<double> lambda, wstar2, mult;  // per bin: representative λ, w*², multiplicity
};

// The fixed-point state; n = steps + 1, matrices n×n row-major, vv is bins×n.
struct State {
  std::vector<double> Cg, Rg, Cb, Cw, vv, loss;
};

struct Args {
  double eta = 0, gamma = 0, N = 1;
  double batch = -1;  // -1 = ∞
  int64_t steps = 1;
  Modes modes;
  double damping = 0.5, tol = 1e-9;
  int64_t maxIter = 500;
  bool hasInit = false;
  State init;
};

struct Result {
  State state;
  std::vector<double> residuals;
  int64_t iterations = 0;
  bool converged = false;
  std::string failure;  // "" | "nan" | "maxIter" | "stalled"
};

// Lazy N = ∞ starting point (SPEC 3.2 "Iteration").
State LazyState(const Args& a);
// One map X -> F(X). With `cancel`, throws Cancelled when it is set: polled between the O(n³) matrix operations,
// since one map costs bins · O(n³) (seconds to minutes at T = 1000).
State Map(const Args& a, const State& X, const std::atomic<bool>* cancel = nullptr);
// Damped fixed-point iteration; onIter(iter, residual) after each map; throws Cancelled when cancel is set.
Result Solve(const Args& a, const std::atomic<bool>& cancel, const std::function<void(int64_t, double)>& onIter);

}  // namespace richscale::dmft
