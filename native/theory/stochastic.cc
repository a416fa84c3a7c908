// Stochastic DMFT kernel (see stochastic.h; SPEC 3.2 and 8.2). Mirrors lib/reference/theory/stochasticDmft.ts
// operation for operation up to BLAS summation order, so the two agree to rounding on the same stream.
#include "theory/stochastic.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "common/blas.h"
#include "common/cancel.h"
#include "common/rng.h"

namespace richscale::stochastic {
namespace {

using Vec = std::vector<double>;
inline size_t Z(int64_t n) { return static_cast<size_t>(n); }

// Exact O(M) batch-gradient sampler of SPEC 8.2, in the draw order of docs/algorithm.md §4.
void ExactGradient(Rng& rng, const Vec& v, const Vec& sqrtLambda, int64_t B, Vec& xi, Vec& g) {
  const int64_t M = static_cast<int64_t>(v.size());
  double S = 0.0;
  for (int64_t mu = 0; mu < B; ++mu) {
    const double n = rng.normal();
    S += n * n;
  }
  for (int64_t k = 0; k < M; ++k) xi[Z(k)] = rng.normal();
  double r2 = 0.0;
  for (int64_t k = 0; k < M; ++k) {
    const double a = sqrtLambda[Z(k)] * v[Z(k)];
    r2 += a * a;
  }
  const double r = std::sqrt(r2);
  if (r == 0.0) {
    std::fill(g.begin(), g.end(), 0.0);
    return;
  }
  double c = 0.0;
  for (int64_t k = 0; k < M; ++k) c += ((sqrtLambda[Z(k)] * v[Z(k)]) / r) * xi[Z(k)];
  const double rootS = std::sqrt(S);
  const double Bd = static_cast<double>(B);
  for (int64_t k = 0; k < M; ++k) {
    const double u = (sqrtLambda[Z(k)] * v[Z(k)]) / r;
    const double y = S * u + rootS * (xi[Z(k)] - c * u);
    g[Z(k)] = (r * sqrtLambda[Z(k)] * y) / Bd;
  }
}

double Loss(const Vec& lambda, const Vec& v) {
  double L = 0.0;
  for (size_t k = 0; k < v.size(); ++k) L += lambda[k] * v[k] * v[k];
  return L;
}

}  // namespace

Result RunRealisations(const Args& a, const std::atomic<bool>& cancel, const std::function<void(int64_t)>& progress) {
  const int64_t M = a.M, T = a.steps;
  const double eta = a.eta, gamma = a.gamma;
  const bool rich = gamma != 0.0;
  const bool explicitK = rich && a.representation == Representation::Explicit;
  const bool implicitK = rich && a.representation == Representation::Implicit;

  Vec sqrtLambda(Z(M));
  for (int64_t k = 0; k < M; ++k) sqrtLambda[Z(k)] = std::sqrt(a.lambda[Z(k)]);

  Result res;
  res.loss.assign(Z(a.count) * Z(T + 1), NAN);
  res.divergedAt.assign(Z(a.count), -1.0);

  Vec beta(Z(M)), v(Z(M)), g(Z(M)), Kg(Z(M)), xi(Z(M));
  Vec K;                      // explicit: M×M
  Vec Gs, Bs, cs, ga, gb, cg, cb;  // implicit history: past ĝ_s and β_s (rows), c_s; scratch of length T
  if (explicitK) K.resize(Z(M) * Z(M));
  if (implicitK) {
    Gs.resize(Z(T) * Z(M));
    Bs.resize(Z(T) * Z(M));
    cs.resize(Z(T));
    ga.resize(Z(T));
    gb.resize(Z(T));
    cg.resize(Z(T));
    cb.resize(Z(T));
  }
  double L0 = 0.0;
  for (int64_t k = 0; k < M; ++k) L0 += a.lambda[Z(k)] * a.wstar[Z(k)] * a.wstar[Z(k)];

  for (int64_t r = 0; r < a.count; ++r) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    Rng rng = Rng::FromSeed(a.seed, a.streamStart + static_cast<uint32_t>(r));
    double* lossRow = res.loss.data() + Z(r) * Z(T + 1);
    std::fill(beta.begin(), beta.end(), 0.0);
    for (int64_t k = 0; k < M; ++k) v[Z(k)] = a.wstar[Z(k)];
    double c = 0.0;
    if (explicitK) {
      std::fill(K.begin(), K.end(), 0.0);
      for (int64_t k = 0; k < M; ++k) K[Z(k) * Z(M) + Z(k)] = 1.0;
    }
    lossRow[0] = Loss(a.lambda, v);
    for (int64_t t = 0; t < T; ++t) {
      if ((t & 15) == 0 && cancel.load(std::memory_order_relaxed)) throw Cancelled();
      ExactGradient(rng, v, sqrtLambda, a.batch, xi, g);
      // Kĝ
      if (explicitK) {
        blas::gemv(M, M, 1.0, K.data(), g.data(), 0.0, Kg.data());
      } else {
        std::copy(g.begin(), g.end(), Kg.begin());
        if (implicitK && t > 0) {
          // K − I = Σ_{s<t} [ηγ(ĝ_s β_sᵀ + β_s ĝ_sᵀ) + η²γ² c_s ĝ_s ĝ_sᵀ]
          blas::gemv(t, M, 1.0, Gs.data(), g.data(), 0.0, ga.data());  // a_s = ĝ_s·ĝ
          blas::gemv(t, M, 1.0, Bs.data(), g.data(), 0.0, gb.data());  // b_s = β_s·ĝ
          for (int64_t s = 0; s < t; ++s) {
            cg[Z(s)] = eta * gamma * gb[Z(s)] + eta * eta * gamma * gamma * cs[Z(s)] * ga[Z(s)];
            cb[Z(s)] = eta * gamma * ga[Z(s)];
          }
          blas::gemvT(t, M, 1.0, Gs.data(), cg.data(), 1.0, Kg.data());
          blas::gemvT(t, M, 1.0, Bs.data(), cb.data(), 1.0, Kg.data());
        }
      }
      const double bg = blas::dot(M, beta.data(), g.data());
      const double gKg = blas::dot(M, g.data(), Kg.data());
      // K update (old β, old c) before β changes.
      if (explicitK) {
        blas::ger(M, M, eta * gamma, g.data(), beta.data(), K.data());
        blas::ger(M, M, eta * gamma, beta.data(), g.data(), K.data());
        blas::ger(M, M, eta * eta * gamma * gamma * c, g.data(), g.data(), K.data());
      } else if (implicitK) {
        std::copy(g.begin(), g.end(), Gs.begin() + static_cast<std::ptrdiff_t>(Z(t) * Z(M)));
        std::copy(beta.begin(), beta.end(), Bs.begin() + static_cast<std::ptrdiff_t>(Z(t) * Z(M)));
        cs[Z(t)] = c;
      }
      const double coefG = eta * gamma * c + eta * eta * gamma * bg;
      for (int64_t k = 0; k < M; ++k) {
        beta[Z(k)] += eta * Kg[Z(k)] + coefG * g[Z(k)];
        v[Z(k)] = a.wstar[Z(k)] - beta[Z(k)];
      }
      c = c + 2.0 * eta * bg + eta * eta * gKg;
      const double L = Loss(a.lambda, v);
      if (!std::isfinite(L) || L > a.divergenceFactor * L0) {
        res.divergedAt[Z(r)] = static_cast<double>(t + 1);
        break;  // the rest of the row stays NaN
      }
      lossRow[t + 1] = L;
    }
    progress(r + 1);
  }
  return res;
}

}  // namespace richscale::stochastic
