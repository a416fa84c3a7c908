// JS binding: dmftSolve(args, onProgress?) -> { promise, cancel }  (finite-N DMFT, SPEC 3.1–3.2).
// `args` is lib/theory/dmft.ts DmftKernelArgs; validated and copied here on the main thread.
// Progress value = iteration + r/(1+r) with r the residual of that iteration (decoded in lib/theory/dmft.ts).
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "theory/dmft.h"

namespace richscale {
namespace {

constexpr const char* kCtx = "dmftSolve";
constexpr double kMaxSteps = 4000;  // n² doubles per matrix; T³ work per mode and iteration

Napi::Float64Array ToF64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(double));
  return out;
}

dmft::Args ParseArgs(Napi::Env env, const Napi::Value& value) {
  const args::Reader r(env, kCtx, value);
  dmft::Args a;
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  a.gamma = r.Finite("gamma", 0.0, false, "a finite number >= 0");
  a.N = r.Finite("N", 0.0, true, "a finite number > 0");
  a.batch = static_cast<double>(r.CountOrInfinity("batch", 2147483647.0));
  a.steps = r.Integer("steps", 1, kMaxSteps, "an integer in [1, 4000]");
  a.damping = r.Finite("damping", 0.0, true, "a number in (0, 1]");
  if (a.damping > 1) r.Fail("damping must be a number in (0, 1], got " + std::to_string(a.damping));
  a.tol = r.Finite("tol", 0.0, true, "a finite number > 0");
  a.maxIter = r.Integer("maxIter", 1, 1e7, "a positive integer");
  a.modes.lambda = r.Float64Array("lambda", -1, true);
  const int64_t nb = static_cast<int64_t>(a.modes.lambda.size());
  if (nb < 1) r.Fail("lambda must not be empty");
  a.modes.wstar2 = r.Float64Array("wstar2", nb, true);
  a.modes.mult = r.Float64Array("mult", nb, true);
  for (int64_t b = 0; b < nb; ++b) {
    if (a.modes.lambda[b] < 0 || a.modes.wstar2[b] < 0 || a.modes.mult[b] < 0) {
      r.Fail("lambda, wstar2 and mult must be >= 0 (bin " + std::to_string(b) + ")");
    }
  }
  const int64_t n = a.steps + 1;
  const Napi::Value init = r.Get("init");
  if (!init.IsUndefined() && !init.IsNull()) {
    const args::Reader ir(env, std::string(kCtx) + ": init", init, "init");
    a.hasInit = true;
    a.init.Cg = ir.Float64Array("Cg", n * n, true);
    a.init.Rg = ir.Float64Array("Rg", n * n, true);
    a.init.Cb = ir.Float64Array("Cb", n * n, true);
    a.init.Cw = ir.Float64Array("Cw", n * n, true);
    a.init.vv = ir.Float64Array("vv", nb * n, true);
    a.init.loss = ir.Float64Array("loss", n, true);
  }
  return a;
}

// Return the solve's freed O(T²) temporaries to the OS. glibc keeps freed blocks of this size in the arena of the
// libuv thread that ran the solve (one arena per thread), so without this the process RSS stays up to (pool
// threads) × the peak of a solve after it finished or was cancelled (measured: +124 MiB per thread at T = 1000).
void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// dmftMarch(args, onProgress?) -> { promise, cancel }: the time-marching solver (dmft_march.cc), B = ∞.
// args: eta, gamma, N, steps, lambda, wstar2, mult, block, innerTol, maxPasses (0 = block + 4).
// Progress value = rows of the grid done (t1 of the last finished block).
constexpr const char* kMarchCtx = "dmftMarch";
constexpr double kMarchMaxSteps = 20000;  // the JS wrapper refuses earlier by its memory formula (MarchBytes)

struct MarchJob {
  dmft::Args args;
  dmft::MarchOptions opts;
};

MarchJob ParseMarchArgs(Napi::Env env, const Napi::Value& value) {
  const args::Reader r(env, kMarchCtx, value);
  MarchJob j;
  dmft::Args& a = j.args;
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  a.gamma = r.Finite("gamma", 0.0, false, "a finite number >= 0");
  a.N = r.Finite("N", 0.0, true, "a finite number > 0");
  a.steps = r.Integer("steps", 1, kMarchMaxSteps, "an integer in [1, 20000]");
  a.modes.lambda = r.Float64Array("lambda", -1, true);
  const int64_t nb = static_cast<int64_t>(a.modes.lambda.size());
  if (nb < 1) r.Fail("lambda must not be empty");
  a.modes.wstar2 = r.Float64Array("wstar2", nb, true);
  a.modes.mult = r.Float64Array("mult", nb, true);
  for (int64_t b = 0; b < nb; ++b) {
    if (a.modes.lambda[b] < 0 || a.modes.wstar2[b] < 0 || a.modes.mult[b] < 0) {
      r.Fail("lambda, wstar2 and mult must be >= 0 (bin " + std::to_string(b) + ")");
    }
  }
  j.opts.block = r.Integer("block", 1, 4096, "an integer in [1, 4096]");
  j.opts.innerTol = r.Finite("innerTol", 0.0, true, "a finite number > 0");
  j.opts.maxPasses = r.Integer("maxPasses", 0, 1e6, "an integer >= 0");
  j.opts.threads = r.Integer("threads", 1, 64, "an integer in [1, 64]");
  return j;
}

// The result object both DMFT solvers return (state, residuals, iteration count, convergence).
Napi::Object ResultObject(Napi::Env env, const dmft::Result& r) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Object s = Napi::Object::New(env);
  s.Set("Cg", ToF64(env, r.state.Cg));
  s.Set("Rg", ToF64(env, r.state.Rg));
  s.Set("Cb", ToF64(env, r.state.Cb));
  s.Set("Cw", ToF64(env, r.state.Cw));
  s.Set("vv", ToF64(env, r.state.vv));
  s.Set("loss", ToF64(env, r.state.loss));
  o.Set("state", s);
  o.Set("residuals", ToF64(env, r.residuals));
  o.Set("iterations", Napi::Number::New(env, static_cast<double>(r.iterations)));
  o.Set("converged", Napi::Boolean::New(env, r.converged));
  o.Set("failure", Napi::String::New(env, r.failure));
  return o;
}

class DmftMarchWorker final : public PromiseWorker {
 public:
  DmftMarchWorker(Napi::Env env, MarchJob job, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:dmftMarch", onProgress, std::move(cancel)), job_(std::move(job)) {}

 protected:
  void Run(Reporter& report) override {
    try {
      result_ = dmft::March(job_.args, job_.opts, cancelFlag(), [&report](int64_t rows, int64_t) {
        report(static_cast<double>(rows));
      });
    } catch (...) {
      ReleaseFreedMemory();
      throw;
    }
    ReleaseFreedMemory();
  }

  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = ResultObject(env, result_);
    o.Set("profile", ToF64(env, result_.profile));
    return o;
  }

 private:
  MarchJob job_;
  dmft::Result result_;
};

Napi::Value DmftMarch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MarchJob j = ParseMarchArgs(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kMarchCtx, "onProgress", info[1]);
  return StartJob<DmftMarchWorker>(env, std::move(j), onProgress);
}

Napi::Value DmftMarchBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "dmftMarchBytes(steps, bins, block): three numbers expected");
  }
  return Napi::Number::New(env, dmft::MarchBytes(info[0].As<Napi::Number>().Int64Value(),
                                                 info[1].As<Napi::Number>().Int64Value(),
                                                 info[2].As<Napi::Number>().Int64Value()));
}

class DmftWorker final : public PromiseWorker {
 public:
  DmftWorker(Napi::Env env, dmft::Args args, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:dmftSolve", onProgress, std::move(cancel)), args_(std::move(args)) {}

 protected:
  void Run(Reporter& report) override {
    try {
      result_ = dmft::Solve(args_, cancelFlag(), [&report](int64_t it, double res) {
        const double f = std::isfinite(res) ? res / (1.0 + res) : 0.999999;
        report(static_cast<double>(it) + f);
      });
    } catch (...) {
      ReleaseFreedMemory();  // cancelled or failed: the solve's matrices are already destroyed
      throw;
    }
    ReleaseFreedMemory();
  }

  Napi::Value BuildResult(Napi::Env env) override { return ResultObject(env, result_); }

 private:
  dmft::Args args_;
  dmft::Result result_;
};

Napi::Value DmftSolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dmft::Args a = ParseArgs(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kCtx, "onProgress", info[1]);
  return StartJob<DmftWorker>(env, std::move(a), onProgress);
}

}  // namespace

void InitDmft(Napi::Env env, Napi::Object exports) {
  exports.Set("dmftSolve", Napi::Function::New(env, DmftSolve, "dmftSolve"));
  exports.Set("dmftMarch", Napi::Function::New(env, DmftMarch, "dmftMarch"));
  exports.Set("dmftMarchBytes", Napi::Function::New(env, DmftMarchBytes, "dmftMarchBytes"));
}

}  // namespace richscale
