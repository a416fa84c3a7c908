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
  std::string failure;  // "" | "nan" | "maxIter" | "stalled" | "passes"
  // March only: seconds spent in [N-site rows, per-bin H rows, stacked W = H C_z, per-bin P and sums, the rest].
  std::vector<double> profile;
};

// Lazy N = ∞ starting point (SPEC 3.2 "Iteration").
State LazyState(const Args& a);
// One map X -> F(X). With `cancel`, throws Cancelled when it is set: polled between the O(n³) matrix operations,
// since one map costs bins · O(n³) (seconds to minutes at T = 1000).
State Map(const Args& a, const State& X, const std::atomic<bool>* cancel = nullptr);
// Damped fixed-point iteration; onIter(iter, residual) after each map; throws Cancelled when cancel is set.
Result Solve(const Args& a, const std::atomic<bool>& cancel, const std::function<void(int64_t, double)>& onIter);

// Time-marching solver of the same fixed point (SPEC 3.2: every memory term is strictly causal, so rows [t0, t1)
// of all two-time objects follow from the rows before t0). Blocks of `block` rows; inside a block, Gauss-Seidel
// passes (history parts as BLAS-3 products, the block's own rows from the previous pass) until the block's rows
// change by < innerTol (relative); pass k makes row t0+k-1 exact, so ≤ block passes (rows already exact are
// frozen: later passes redo only the others' per-bin work). B = ∞ only.
// Result.iterations = total passes, residuals = last-pass change per block. onBlock(rowsDone, passes of block).
// Memory: 9 n² + bins·(n² + n·block)/2 doubles (per-bin H_k lower triangle, packed by row blocks).
struct MarchOptions {
  int64_t block = 1;
  double innerTol = 1e-13;
  int64_t maxPasses = 0;  // 0 = block + 4
  int64_t threads = 2;    // workers over the mode bins in the M-site (each with a 1-thread BLAS)
};
Result March(const Args& a, const MarchOptions& o, const std::atomic<bool>& cancel,
             const std::function<void(int64_t, int64_t)>& onBlock);
// Bytes March allocates (the formula above, plus O(n·block) scratch).
double MarchBytes(int64_t steps, int64_t bins, int64_t block);

}  // namespace richscale::dmft
