// N = B = ∞ dynamics of SPEC 3.3 on binned modes: gradient flow and the exact unit-step map.
// Pure C++ (no N-API). Twin: lib/reference/theory/ode.ts (same variables and formulas; see its header comment).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace richscale::ode {

enum class Form { Flow, Map };
// Flow only. Eig: the reference method (all n bins in every step's eigendecomposition). Fast: the same step on the
// active bins plus a 2-dimensional Galerkin subspace for the untouched tail (see ode.cc, RunFlowFast).
enum class Method { Eig, Fast };

struct OdeArgs {
  Form form = Form::Flow;
  double gamma = 0.0;
  double eta = 0.0;
  Method method = Method::Fast;
  double deflationTol = 1e-3;  // Fast: bins with η·λ_j·(1+γc)·t < deflationTol are in the deflated tail
  std::vector<double> lambda, wstar, mult;  // representatives and multiplicities (length n)
  std::vector<double> times;                // flow: integration grid from 0; map: integer record steps from 0
};

struct OdeResult {
  std::vector<double> loss, c;
  bool diverged = false;
  int64_t divergedAt = -1;  // index into times
  int64_t maxDim = 0;       // largest matrix dimension used (flow: n for Eig; active bins + tail directions for Fast)
  double sumDim3 = 0.0;     // flow, γ > 0: Σ over steps of d³ (d = dimension of that step's eigenproblem)
};

// progress(fraction in [0, 1]); throws richscale::Cancelled when `cancel` is set.
OdeResult Run(const OdeArgs& args, const std::atomic<bool>& cancel, const std::function<void(double)>& progress);

}  // namespace richscale::ode
