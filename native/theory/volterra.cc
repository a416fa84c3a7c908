// Lazy N = ∞ online SGD (SPEC 3.4), γ = 0, batch B, Gaussian features, on binned modes. Twin:
// lib/reference/theory/volterra.ts. 'exact' is the exact second-moment recursion
//   x_k(t+1) = [(1-ηλ_k)² + η²λ_k²/B] x_k(t) + (η²/B) λ_k L(t),  L = Σ m_k λ_k x_k,
// from Cov(ĝ) = (1/B)[Λ L + Λvvᵀ Λ]; 'volterra' is SPEC 3.4's equation, which equals this recursion without the
// η²λ_k²/B term (SPEC 3.4 drops it).
#include "theory/volterra.h"

#include <cmath>

#include "common/cancel.h"

namespace richscale::volterra {

VolterraResult Run(const VolterraArgs& args, const std::atomic<bool>& cancel,
                   const std::function<void(double)>& progress) {
  const size_t n = args.lambda.size();
  const double eta = args.eta, B = args.batch;
  std::vector<double> x(n), decay(n), drive(n), ml(n);
  const double extra = args.mode == Mode::Exact ? 1.0 : 0.0;
  for (size_t j = 0; j < n; ++j) {
    const double l = args.lambda[j];
    x[j] = args.wstar[j] * args.wstar[j];
    decay[j] = (1.0 - eta * l) * (1.0 - eta * l) + extra * (eta * eta * l * l) / B;
    drive[j] = (eta * eta / B) * l;
    ml[j] = args.mult[j] * l;
  }
  auto lossOf = [&]() {
    double s = 0.0;
    for (size_t j = n; j-- > 0;) s += ml[j] * x[j];
    return s;
  };
  const double L0 = lossOf();
  const int64_t T = args.recordSteps.back();
  VolterraResult r;
  size_t rec = 0;
  for (int64_t t = 0;; ++t) {
    const double L = lossOf();
    if (!std::isfinite(L) || L > 1e4 * L0) {
      r.diverged = true;
      r.divergedAt = static_cast<int64_t>(rec);
      return r;
    }
    if (rec < args.recordSteps.size() && t == args.recordSteps[rec]) {
      r.loss.push_back(L);
      ++rec;
    }
    if (t >= T) break;
    if ((t & 1023) == 0) {
      if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
      progress(static_cast<double>(t) / static_cast<double>(T));
    }
    for (size_t j = 0; j < n; ++j) x[j] = decay[j] * x[j] + drive[j] * L;
  }
  progress(1.0);
  return r;
}

}  // namespace richscale::volterra
