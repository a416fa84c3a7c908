// Standalone driver for the pure C++ kernels (no N-API, no Node): small cases of every kernel, for valgrind
// memcheck and an ASan + UBSan (+ LeakSanitizer) build. Built only with -DRICHSCALE_NATIVE_DRIVER=ON (CMakeLists.txt)
// by scripts/check-native.sh (`npm run check:native`); it is not part of the addon.
//
// The kernels trust their arguments: the N-API bindings validate them (those rejections are exercised by the vitest
// suites that check:native runs against the sanitized addon). So every case here uses arguments the bindings
// accept, including the smallest ones (N = M = 1, one step, B = 1, P = 1, one bin), plus the paths a kernel leaves
// by an exception (cancellation) or early (divergence, DMFT failures), where leaks would hide.
//
// Prints one line per case and "driver: N cases, N failed checks"; exits 1 if any check failed.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "mlp/mlp.h"
#include "simulate/simulate.h"
#include "theory/dmft.h"
#include "theory/ode.h"
#include "theory/stochastic.h"
#include "theory/volterra.h"

namespace {

using Vec = std::vector<double>;

int g_cases = 0;
int g_failed = 0;
std::string g_case;

void Check(bool ok, const std::string& what) {
  if (ok) return;
  ++g_failed;
  std::printf("  FAIL [%s] %s\n", g_case.c_str(), what.c_str());
}

void Case(const std::string& name, const std::function<void()>& body) {
  g_case = name;
  ++g_cases;
  const int before = g_failed;
  try {
    body();
  } catch (const std::exception& e) {
    Check(false, std::string("unexpected exception: ") + e.what());
  }
  std::printf("%s %s\n", g_failed == before ? "ok  " : "FAIL", name.c_str());
}

// Expects body() to throw richscale::Cancelled.
void ExpectCancelled(const std::function<void()>& body) {
  bool cancelled = false;
  try {
    body();
  } catch (const richscale::Cancelled&) {
    cancelled = true;
  }
  Check(cancelled, "expected richscale::Cancelled");
}

bool AllFinite(const Vec& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// Power-law spectrum λ_k = k^-α, target λ_k w*_k² = k^-(1+αβ) (the task of lib/task.ts, small M).
void PowerLaw(int64_t M, Vec& lambda, Vec& wstar) {
  lambda.resize(static_cast<size_t>(M));
  wstar.resize(static_cast<size_t>(M));
  for (int64_t k = 1; k <= M; ++k) {
    const double l = std::pow(static_cast<double>(k), -1.5);
    lambda[static_cast<size_t>(k - 1)] = l;
    wstar[static_cast<size_t>(k - 1)] = std::sqrt(std::pow(static_cast<double>(k), -(1.0 + 1.5 * 0.5)) / l);
  }
}

// ---- simulator ----------------------------------------------------------------------------------
namespace sim = richscale::simulate;

sim::SeedArgs SeedArgs(sim::Model model, int64_t N, int64_t M, double gamma, int64_t batch, int64_t data,
                       sim::Sampler sampler, int64_t steps) {
  sim::SeedArgs a;
  a.model = model;
  a.N = N;
  a.M = M;
  a.gamma = gamma;
  a.eta = 0.2;
  a.batch = batch;
  a.data = data;
  a.sampler = sampler;
  a.steps = steps;
  a.recordSteps = {0};
  for (int64_t t = 1; t < steps; t *= 2) a.recordSteps.push_back(t);
  if (a.recordSteps.back() != steps) a.recordSteps.push_back(steps);
  PowerLaw(M, a.lambda, a.wstar);
  a.seed = 12345;
  a.stream = 7;
  a.wantFinal = true;
  return a;
}

sim::SeedResult Run(const sim::SeedArgs& a) {
  std::atomic<bool> cancel{false};
  int64_t calls = 0;
  sim::SeedResult r = sim::RunSeed(a, cancel, [&](int64_t) { ++calls; });
  return r;
}

void CheckFullRun(const sim::SeedArgs& a, const sim::SeedResult& r) {
  Check(!r.diverged, "diverged");
  Check(r.stepsDone == a.steps, "stepsDone != steps");
  Check(r.loss.size() == a.recordSteps.size(), "one loss per record step");
  Check(AllFinite(r.loss), "finite losses");
  Check(r.trainLoss.size() == (a.data == sim::kUnlimited ? 0 : a.recordSteps.size()), "train loss count");
  Check(r.finalResidual.size() == static_cast<size_t>(a.M), "final residual length");
  Check(!r.interrupted, "not interrupted");
}

// The run in two chunks (stop at `at` with the state, resume from it) equals the uninterrupted run, bit for bit.
void CheckChunked(sim::SeedArgs a, int64_t at) {
  const sim::SeedResult full = Run(a);
  sim::SeedArgs first = a;
  first.stopAt = at;
  first.wantState = true;
  const sim::SeedResult r1 = Run(first);
  Check(r1.stepsDone == at, "first chunk stops at stopAt");
  Check(r1.state.size() == sim::StateLength(a), "state length");
  sim::SeedArgs second = a;
  second.startState = r1.state;
  second.wantState = true;
  const sim::SeedResult r2 = Run(second);
  Check(r2.stepsDone == a.steps, "second chunk finishes");
  Vec loss = r1.loss;
  loss.insert(loss.end(), r2.loss.begin(), r2.loss.end());
  Vec train = r1.trainLoss;
  train.insert(train.end(), r2.trainLoss.begin(), r2.trainLoss.end());
  Check(loss == full.loss, "chunked losses equal the uninterrupted run");
  Check(train == full.trainLoss, "chunked train losses equal the uninterrupted run");
  Check(r2.finalResidual == full.finalResidual, "chunked final residual equals the uninterrupted run");
}

void SimulatorCases() {
  using sim::Model;
  using sim::Sampler;
  const int64_t inf = sim::kUnlimited;
  struct Cfg {
    const char* name;
    Model model;
    int64_t N, M;
    double gamma;
    int64_t batch, data;
    Sampler sampler;
  };
  const Cfg cfgs[] = {
      {"projected lazy B=inf", Model::Projected, 16, 24, 0.0, inf, inf, Sampler::Explicit},
      {"projected rich B=inf", Model::Projected, 16, 24, 0.5, inf, inf, Sampler::Explicit},
      {"projected rich B=4 explicit", Model::Projected, 16, 24, 0.5, 4, inf, Sampler::Explicit},
      {"projected rich B=4 exact", Model::Projected, 16, 24, 0.5, 4, inf, Sampler::Exact},
      {"projected rich P=20 B=inf", Model::Projected, 16, 24, 0.5, inf, 20, Sampler::Explicit},
      {"projected rich P=20 B=5", Model::Projected, 16, 24, 0.5, 5, 20, Sampler::Explicit},
      {"unprojected lazy B=inf", Model::Unprojected, 12, 20, 0.0, inf, inf, Sampler::Explicit},
      {"unprojected rich B=inf", Model::Unprojected, 12, 20, 0.5, inf, inf, Sampler::Explicit},
      {"unprojected rich B=3 explicit", Model::Unprojected, 12, 20, 0.5, 3, inf, Sampler::Explicit},
      {"unprojected rich B=3 exact", Model::Unprojected, 12, 20, 0.5, 3, inf, Sampler::Exact},
      {"unprojected rich P=15 B=inf", Model::Unprojected, 12, 20, 0.5, inf, 15, Sampler::Explicit},
      {"unprojected rich P=15 B=4", Model::Unprojected, 12, 20, 0.5, 4, 15, Sampler::Explicit},
      // Smallest sizes the bindings accept.
      {"projected N=M=1 B=1 explicit", Model::Projected, 1, 1, 1.0, 1, inf, Sampler::Explicit},
      {"projected N=M=1 B=1 exact", Model::Projected, 1, 1, 1.0, 1, inf, Sampler::Exact},
      {"unprojected N=M=1 P=1 B=1", Model::Unprojected, 1, 1, 1.0, 1, 1, Sampler::Explicit},
      {"projected N=1 M=5 P=1 B=inf", Model::Projected, 1, 5, 0.3, inf, 1, Sampler::Explicit},
      {"projected N=7 M=1 B=2 exact", Model::Projected, 7, 1, 0.3, 2, inf, Sampler::Exact},
      // Sampler 'span' (span_model.h): B = ∞ and finite B, lazy and rich, the smallest N (M > N is required).
      {"projected lazy B=inf span", Model::Projected, 16, 24, 0.0, inf, inf, Sampler::Span},
      {"projected rich B=inf span", Model::Projected, 16, 24, 0.5, inf, inf, Sampler::Span},
      {"projected lazy B=4 span", Model::Projected, 16, 24, 0.0, 4, inf, Sampler::Span},
      {"projected rich B=4 span", Model::Projected, 16, 24, 0.5, 4, inf, Sampler::Span},
      {"projected N=1 M=2 B=1 span", Model::Projected, 1, 2, 1.0, 1, inf, Sampler::Span},
  };
  for (const Cfg& c : cfgs) {
    Case(std::string("simulate ") + c.name, [&] {
      const sim::SeedArgs a = SeedArgs(c.model, c.N, c.M, c.gamma, c.batch, c.data, c.sampler, 40);
      CheckFullRun(a, Run(a));
      CheckChunked(a, 17);
    });
  }
  Case("simulate one step (T = 1)", [] {
    const sim::SeedArgs a = SeedArgs(Model::Projected, 4, 6, 0.5, 2, inf, Sampler::Explicit, 1);
    CheckFullRun(a, Run(a));
  });
  Case("simulate identity init (N = M)", [] {
    sim::SeedArgs a = SeedArgs(Model::Projected, 10, 10, 0.5, inf, inf, Sampler::Explicit, 30);
    a.init = sim::Init::Identity;
    CheckFullRun(a, Run(a));
    a.model = Model::Unprojected;
    CheckFullRun(a, Run(a));
  });
  Case("simulate sparse record steps, wantFinal off", [] {
    sim::SeedArgs a = SeedArgs(Model::Unprojected, 8, 8, 0.2, 2, 6, Sampler::Explicit, 25);
    a.recordSteps = {0, 25};
    a.wantFinal = false;
    const sim::SeedResult r = Run(a);
    Check(r.loss.size() == 2 && r.trainLoss.size() == 2, "two records");
    Check(r.finalResidual.empty(), "no final residual");
  });
  Case("simulate chunks: stop at 1, resume at steps - 1, three chunks", [] {
    const sim::SeedArgs a = SeedArgs(Model::Projected, 9, 13, 0.7, 3, inf, Sampler::Explicit, 20);
    CheckChunked(a, 1);
    CheckChunked(a, 19);
    // Three chunks 0 -> 5 -> 12 -> 20 equal one run.
    const sim::SeedResult full = Run(a);
    sim::SeedArgs c = a;
    c.wantState = true;
    Vec loss;
    for (int64_t stop : {5, 12, 20}) {
      c.stopAt = stop;
      const sim::SeedResult r = Run(c);
      loss.insert(loss.end(), r.loss.begin(), r.loss.end());
      c.startState = r.state;
    }
    Check(loss == full.loss, "three chunks equal one run");
  });
  Case("simulate divergence (eta too large)", [] {
    sim::SeedArgs a = SeedArgs(Model::Projected, 8, 12, 1.0, inf, inf, Sampler::Explicit, 200);
    a.eta = 50.0;
    const sim::SeedResult r = Run(a);
    Check(r.diverged, "diverges");
    Check(r.divergedAt >= 0 && r.stepsDone == r.divergedAt, "divergedAt == stepsDone");
    Check(r.loss.size() < a.recordSteps.size(), "stops recording");
  });
  Case("simulate cancel: throws without wantState, interrupts with it", [] {
    sim::SeedArgs a = SeedArgs(Model::Unprojected, 8, 12, 0.5, 4, inf, Sampler::Exact, 50);
    std::atomic<bool> cancel{false};
    int64_t seen = 0;
    ExpectCancelled([&] {
      sim::RunSeed(a, cancel, [&](int64_t t) {
        seen = t;
        if (t == 10) cancel = true;
      });
    });
    Check(seen == 10, "progress reached step 10");
    cancel = false;
    a.wantState = true;
    const sim::SeedResult r = sim::RunSeed(a, cancel, [&](int64_t t) {
      if (t == 10) cancel = true;
    });
    Check(r.interrupted && r.stepsDone == 11, "interrupted at step 11");
    Check(r.state.size() == sim::StateLength(a), "state length");
    // Resuming the interrupted state gives the uninterrupted run.
    sim::SeedArgs b = a;
    b.startState = r.state;
    const sim::SeedResult r2 = Run(b);
    a.wantState = false;
    const sim::SeedResult full = Run(a);
    Vec loss = r.loss;
    loss.insert(loss.end(), r2.loss.begin(), r2.loss.end());
    Check(loss == full.loss, "resumed after interruption equals the uninterrupted run");
  });
}

// ---- theory kernels -----------------------------------------------------------------------------
void Bins(size_t n, Vec& lambda, Vec& wstar, Vec& mult) {
  lambda.resize(n);
  wstar.resize(n);
  mult.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const double k = std::pow(2.0, static_cast<double>(j));
    lambda[j] = std::pow(k, -1.5);
    wstar[j] = std::sqrt(std::pow(k, -1.75) / lambda[j]);
    mult[j] = k;
  }
}

void OdeCases() {
  namespace ode = richscale::ode;
  for (const ode::Form form : {ode::Form::Flow, ode::Form::Map}) {
    for (const double gamma : {0.0, 0.5}) {
      for (const size_t n : {size_t{1}, size_t{12}}) {
        const std::string name = std::string("ode ") + (form == ode::Form::Flow ? "flow" : "map") +
                                 " gamma=" + std::to_string(gamma).substr(0, 3) + " bins=" + std::to_string(n);
        Case(name, [&] {
          ode::OdeArgs a;
          a.form = form;
          a.gamma = gamma;
          a.eta = 0.5;
          Bins(n, a.lambda, a.wstar, a.mult);
          a.times = {0.0};  // 0, then Fibonacci steps 1, 2, 3, 5, ... up to 377 (integers: valid for both forms)
          for (double x = 1, y = 2; x <= 400; y += x, x = y - x) a.times.push_back(x);
          std::atomic<bool> cancel{false};
          double last = -1;
          const ode::OdeResult r = ode::Run(a, cancel, [&](double f) { last = f; });
          Check(!r.diverged, "no divergence");
          Check(r.loss.size() == a.times.size() && r.c.size() == a.times.size(), "one value per time");
          Check(AllFinite(r.loss) && AllFinite(r.c), "finite");
          Check(r.loss.back() < r.loss.front(), "loss decreases");
          Check(last == 1.0, "progress reaches 1");
          cancel = true;
          ExpectCancelled([&] { ode::Run(a, cancel, [](double) {}); });
        });
      }
    }
  }
  Case("ode map, two record times (0, 1)", [] {
    ode::OdeArgs a;
    a.form = ode::Form::Map;
    a.gamma = 1.0;
    a.eta = 0.3;
    Bins(3, a.lambda, a.wstar, a.mult);
    a.times = {0.0, 1.0};
    std::atomic<bool> cancel{false};
    const ode::OdeResult r = ode::Run(a, cancel, [](double) {});
    Check(r.loss.size() == 2, "two losses");
  });
  Case("ode divergence (eta too large)", [] {
    for (const ode::Form form : {ode::Form::Flow, ode::Form::Map}) {
      ode::OdeArgs a;
      a.form = form;
      a.gamma = 2.0;
      a.eta = 50.0;
      Bins(6, a.lambda, a.wstar, a.mult);
      // Negative-definite growth is impossible for the flow, so only check the map diverges; run both anyway.
      a.times = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 40};
      std::atomic<bool> cancel{false};
      const ode::OdeResult r = ode::Run(a, cancel, [](double) {});
      if (form == ode::Form::Map) Check(r.diverged && r.divergedAt >= 1, "map diverges");
      Check(r.loss.size() <= a.times.size(), "at most one loss per time");
    }
  });
}

void VolterraCases() {
  namespace vt = richscale::volterra;
  for (const vt::Mode mode : {vt::Mode::Exact, vt::Mode::Volterra}) {
    for (const size_t n : {size_t{1}, size_t{10}}) {
      Case(std::string("volterra ") + (mode == vt::Mode::Exact ? "exact" : "volterra") + " bins=" + std::to_string(n),
           [&] {
             vt::VolterraArgs a;
             a.mode = mode;
             a.eta = 0.5;
             a.batch = 2.0;
             Bins(n, a.lambda, a.wstar, a.mult);
             a.recordSteps = {0, 1, 2, 5, 10, 100, 1000, 3000};
             std::atomic<bool> cancel{false};
             const vt::VolterraResult r = vt::Run(a, cancel, [](double) {});
             Check(!r.diverged && r.loss.size() == a.recordSteps.size(), "one loss per record step");
             Check(AllFinite(r.loss), "finite");
             cancel = true;
             ExpectCancelled([&] { vt::Run(a, cancel, [](double) {}); });
           });
    }
  }
  Case("volterra divergence and T = 1", [] {
    vt::VolterraArgs a;
    a.eta = 30.0;
    a.batch = 1.0;
    Bins(4, a.lambda, a.wstar, a.mult);
    a.recordSteps = {0, 1, 10, 100};
    std::atomic<bool> cancel{false};
    const vt::VolterraResult r = vt::Run(a, cancel, [](double) {});
    Check(r.diverged, "diverges");
    a.eta = 0.1;
    a.recordSteps = {0, 1};
    Check(vt::Run(a, cancel, [](double) {}).loss.size() == 2, "T = 1: two losses");
  });
}

void DmftCases() {
  namespace dmft = richscale::dmft;
  struct Cfg {
    double gamma, batch;
    int64_t steps;
    size_t bins;
  };
  const Cfg cfgs[] = {{0.0, -1, 12, 6}, {0.5, -1, 12, 6}, {0.0, 4, 12, 6}, {1.0, -1, 1, 1}, {0.0, 1, 1, 1}};
  for (const Cfg& c : cfgs) {
    Case("dmft gamma=" + std::to_string(c.gamma).substr(0, 3) + " B=" + (c.batch < 0 ? "inf" : std::to_string(c.batch).substr(0, 1)) +
             " T=" + std::to_string(c.steps) + " bins=" + std::to_string(c.bins),
         [&] {
           dmft::Args a;
           a.eta = 0.4;
           a.gamma = c.gamma;
           a.N = 16;
           a.batch = c.batch;
           a.steps = c.steps;
           Vec wstar;
           Bins(c.bins, a.modes.lambda, wstar, a.modes.mult);
           for (double w : wstar) a.modes.wstar2.push_back(w * w);
           a.maxIter = 200;
           std::atomic<bool> cancel{false};
           int64_t iters = 0;
           const dmft::Result r = dmft::Solve(a, cancel, [&](int64_t, double) { ++iters; });
           const size_t n = static_cast<size_t>(c.steps + 1);
           Check(r.converged && r.failure.empty(), "converges (" + r.failure + ")");
           Check(r.state.loss.size() == n && r.state.Cg.size() == n * n && r.state.vv.size() == c.bins * n, "state sizes");
           Check(AllFinite(r.state.loss), "finite");
           Check(iters == r.iterations && r.residuals.size() == static_cast<size_t>(r.iterations), "iterations");
           // Warm start from the converged state, and hit maxIter with one iteration.
           dmft::Args b = a;
           b.hasInit = true;
           b.init = r.state;
           b.maxIter = 1;
           b.tol = 1e-300;
           const dmft::Result r2 = dmft::Solve(b, cancel, nullptr);
           Check(r2.failure == "maxIter" || r2.converged, "maxIter or converged");
           cancel = true;
           ExpectCancelled([&] { dmft::Solve(a, cancel, nullptr); });
         });
  }
  Case("dmft early exits: nan and stalled", [] {
    dmft::Args a;
    a.eta = 1e3;
    a.gamma = 3.0;
    a.N = 2;
    a.steps = 8;
    Vec wstar;
    Bins(3, a.modes.lambda, wstar, a.modes.mult);
    for (double w : wstar) a.modes.wstar2.push_back(w * w);
    a.maxIter = 300;
    std::atomic<bool> cancel{false};
    const dmft::Result r = dmft::Solve(a, cancel, nullptr);
    Check(!r.converged && !r.failure.empty(), "fails (" + r.failure + ")");
    // LazyState and Map on their own.
    a.eta = 0.3;
    a.gamma = 0.5;
    const dmft::State s = dmft::LazyState(a);
    const dmft::State f = dmft::Map(a, s);
    Check(f.Cg.size() == s.Cg.size() && AllFinite(f.Cg), "Map keeps sizes");
  });
}

void StochasticCases() {
  namespace st = richscale::stochastic;
  struct Cfg {
    double gamma;
    st::Representation rep;
    int64_t M, batch, steps, count;
  };
  const Cfg cfgs[] = {{0.0, st::Representation::Implicit, 20, 4, 30, 3},
                      {0.5, st::Representation::Implicit, 20, 4, 30, 3},
                      {0.5, st::Representation::Explicit, 20, 4, 30, 3},
                      {1.0, st::Representation::Implicit, 1, 1, 1, 1},
                      {1.0, st::Representation::Explicit, 1, 1, 1, 1}};
  for (const Cfg& c : cfgs) {
    Case("stochastic gamma=" + std::to_string(c.gamma).substr(0, 3) +
             (c.rep == st::Representation::Implicit ? " implicit" : " explicit") + " M=" + std::to_string(c.M) +
             " B=" + std::to_string(c.batch) + " T=" + std::to_string(c.steps),
         [&] {
           st::Args a;
           a.M = c.M;
           a.gamma = c.gamma;
           a.eta = 0.3;
           a.batch = c.batch;
           a.steps = c.steps;
           PowerLaw(c.M, a.lambda, a.wstar);
           a.seed = 99;
           a.streamStart = 4294967295u - static_cast<uint32_t>(c.count) + 1u;  // up to the last stream
           a.count = c.count;
           a.representation = c.rep;
           std::atomic<bool> cancel{false};
           int64_t done = 0;
           const st::Result r = st::RunRealisations(a, cancel, [&](int64_t d) { done = d; });
           Check(done == c.count, "progress counts realisations");
           Check(r.loss.size() == static_cast<size_t>(c.count * (c.steps + 1)), "loss size");
           Check(r.divergedAt.size() == static_cast<size_t>(c.count), "divergedAt size");
           Check(AllFinite(r.loss), "finite (no divergence)");
           cancel = true;
           ExpectCancelled([&] { st::RunRealisations(a, cancel, [](int64_t) {}); });
         });
  }
  Case("stochastic implicit == explicit, and divergence", [] {
    st::Args a;
    a.M = 16;
    a.gamma = 0.8;
    a.eta = 0.3;
    a.batch = 3;
    a.steps = 25;
    PowerLaw(a.M, a.lambda, a.wstar);
    a.count = 2;
    std::atomic<bool> cancel{false};
    const st::Result ri = st::RunRealisations(a, cancel, [](int64_t) {});
    a.representation = st::Representation::Explicit;
    const st::Result re = st::RunRealisations(a, cancel, [](int64_t) {});
    double worst = 0;
    for (size_t i = 0; i < ri.loss.size(); ++i) worst = std::fmax(worst, std::fabs(ri.loss[i] - re.loss[i]) / ri.loss[i]);
    Check(worst < 1e-9, "implicit and explicit agree (rel. " + std::to_string(worst) + ")");
    a.eta = 20.0;
    a.representation = st::Representation::Implicit;
    const st::Result rd = st::RunRealisations(a, cancel, [](int64_t) {});
    Check(rd.divergedAt[0] >= 1 && std::isnan(rd.loss.back()), "diverges; rest of the row NaN");
  });
}

void MlpCases() {
  namespace mlp = richscale::mlp;
  struct Cfg {
    int64_t width, depth, batch, steps;
  };
  const Cfg cfgs[] = {{1, 1, 1, 1}, {4, 1, 3, 6}, {5, 2, 2, 6}, {3, 3, 4, 5}};
  for (const Cfg& c : cfgs) {
    Case("mlp train N=" + std::to_string(c.width) + " L=" + std::to_string(c.depth) + " B=" + std::to_string(c.batch) +
             " T=" + std::to_string(c.steps),
         [&] {
           mlp::TrainArgs a;
           a.shape = {c.width, c.depth};
           a.gamma0 = 0.7;
           a.eta0 = 0.1;
           a.batch = c.batch;
           a.steps = c.steps;
           a.K = 4;
           a.q = 1.0;
           a.grid = 16;
           for (int64_t t = 0; t <= c.steps; ++t) a.record.push_back(t);
           a.seed = 5;
           a.stream = 4294967295u;
           std::atomic<bool> cancel{false};
           double done = 0;
           const mlp::TrainResult r = mlp::Train(a, cancel, [&](double d) { done = d; });
           Check(!r.diverged && r.loss.size() == a.record.size(), "one loss per record step");
           Check(AllFinite(r.loss), "finite losses");
           Check(r.loss.size() > 1 && r.loss[0] > 0, "loss(0) > 0");
           cancel = true;
           ExpectCancelled([&] { mlp::Train(a, cancel, [](double) {}); });
           cancel = false;
           a.eta0 = 1e6;
           const mlp::TrainResult d = mlp::Train(a, cancel, [](double) {});
           // The early exit on divergence (where a leak would hide); observed for the N = 4 and N = 5 cases.
           Check((c.width != 4 && c.width != 5) || (d.diverged && d.divergedStep >= 1), "a huge learning rate diverges");
           Check(d.diverged || AllFinite(d.loss), "no divergence means finite losses");
           // The NTK on n points and its eigendecomposition (reconstruct K from V, values).
           richscale::Rng rng = richscale::Rng::FromSeed(5, 0);
           const std::vector<double> params = mlp::InitParams(a.shape, rng);
           const int64_t n = 6;
           const std::vector<double> K = mlp::InitialNtk(a.shape, params, n);
           Check(K.size() == static_cast<size_t>(n * n) && AllFinite(K), "NTK n×n, finite");
           std::vector<double> values, vectors;
           mlp::SymmetricEigen(n, K, values, vectors);
           double worst = 0, scale = 0;
           for (int64_t i = 0; i < n; ++i) {
             for (int64_t j = 0; j < n; ++j) {
               double rec = 0;
               for (int64_t e = 0; e < n; ++e) rec += vectors[e * n + i] * values[e] * vectors[e * n + j];
               worst = std::fmax(worst, std::fabs(rec - K[i * n + j]));
               scale = std::fmax(scale, std::fabs(K[i * n + j]));
             }
           }
           Check(worst <= 1e-10 * std::fmax(scale, 1.0), "V diag(values) Vᵀ = K");
         });
  }
  Case("mlp eigen n=1", [] {
    std::vector<double> values, vectors;
    richscale::mlp::SymmetricEigen(1, {2.5}, values, vectors);
    Check(values.size() == 1 && values[0] == 2.5 && vectors.size() == 1 && std::fabs(vectors[0]) == 1.0, "1×1");
  });
}

// Negative controls for scripts/check-native.sh: `driver --fault=KIND` commits one deliberate error, so the script can
// show that ASan/UBSan/LSan and valgrind do report it (the clean run is then evidence, not silence).
double* volatile g_sink = nullptr;
int Fault(const std::string& kind) {
  if (kind == "heap-overflow") {
    std::vector<double> v(4, 1.0);
    volatile size_t end = v.size();
    volatile double x = v.data()[end];  // one past the end
    return static_cast<int>(x) == 12345 ? 3 : 0;
  }
  if (kind == "leak") {
    g_sink = new double[100]();  // never freed
    g_sink = nullptr;
    return 0;
  }
  if (kind == "ub") {
    volatile int big = 2147483647;
    const int y = big + 1;  // signed overflow
    return y == 0 ? 3 : 0;
  }
  if (kind == "uninit") {
    double* p = new double[4];
    const int branch = p[2] > 0.5 ? 1 : 0;  // reads an uninitialised value (valgrind)
    delete[] p;
    std::printf("uninit branch %d\n", branch);
    return 0;
  }
  std::fprintf(stderr, "driver: unknown fault '%s'\n", kind.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    const std::string arg = argv[1];
    if (arg.rfind("--fault=", 0) == 0) return Fault(arg.substr(8));
    std::fprintf(stderr, "usage: %s [--fault=heap-overflow|leak|ub|uninit]\n", argv[0]);
    return 2;
  }
  SimulatorCases();
  OdeCases();
  VolterraCases();
  DmftCases();
  StochasticCases();
  MlpCases();
  std::printf("driver: %d cases, %d failed checks\n", g_cases, g_failed);
  return g_failed == 0 ? 0 : 1;
}
