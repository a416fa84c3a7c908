// JS binding: stochasticDmftRealisations(args, onProgress?) -> { promise, cancel } (SPEC 3.2; see stochastic.h).
// args: { M, gamma, eta, batch, steps, lambda, wstar, seed, streamStart, count, representation, divergenceFactor }.
// Resolves to { loss: Float64Array(count·(steps+1)), divergedAt: Float64Array(count) }.
#include <napi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "theory/stochastic.h"

namespace richscale {
namespace {

constexpr const char* kCtx = "stochasticDmftRealisations";
constexpr double kMaxDim = 2147483647.0;
constexpr double kMaxSeed = 9007199254740991.0;
constexpr double kMaxStream = 4294967295.0;

stochastic::Args ParseArgs(Napi::Env env, const Napi::Value& value) {
  const args::Reader r(env, kCtx, value);
  stochastic::Args a;
  a.M = r.Integer("M", 1, kMaxDim, "a positive integer");
  a.gamma = r.Finite("gamma", 0.0, false, "a finite number >= 0");
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  a.batch = r.Integer("batch", 1, kMaxDim, "a positive integer (finite batch)");
  a.steps = r.Integer("steps", 1, kMaxDim, "a positive integer");
  a.lambda = r.Float64Array("lambda", a.M, true);
  a.wstar = r.Float64Array("wstar", a.M, true);
  for (size_t k = 0; k < a.lambda.size(); ++k) {
    if (a.lambda[k] < 0) r.Fail("lambda[" + std::to_string(k) + "] must be >= 0");
  }
  a.seed = static_cast<uint64_t>(r.Integer("seed", 0, kMaxSeed, "an integer in [0, 2^53)"));
  a.streamStart = static_cast<uint32_t>(r.Integer("streamStart", 0, kMaxStream, "an integer in [0, 2^32)"));
  a.count = r.Integer("count", 1, kMaxDim, "a positive integer");
  if (static_cast<double>(a.streamStart) + static_cast<double>(a.count) - 1.0 > kMaxStream) {
    r.Fail("streamStart + count - 1 must be < 2^32");
  }
  a.representation = r.Enum("representation", {"implicit", "explicit"}) == 0 ? stochastic::Representation::Implicit
                                                                            : stochastic::Representation::Explicit;
  a.divergenceFactor = r.Finite("divergenceFactor", 0.0, true, "a finite number > 0");
  const double M = static_cast<double>(a.M), T = static_cast<double>(a.steps), R = static_cast<double>(a.count);
  if (R * (T + 1.0) > 2147483648.0) r.Fail("count * (steps + 1) must be at most 2^31");
  if (a.gamma != 0.0) {
    const double elems = a.representation == stochastic::Representation::Explicit ? M * M : 2.0 * M * T;
    if (elems > 2147483648.0) r.Fail("the kernel history would exceed 2^31 elements; use the other representation");
  }
  return a;
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(double));
  return out;
}

class StochasticWorker final : public PromiseWorker {
 public:
  StochasticWorker(Napi::Env env, stochastic::Args args, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:stochasticDmft", onProgress, std::move(cancel)), args_(std::move(args)) {}

 protected:
  void Run(Reporter& report) override {
    result_ = stochastic::RunRealisations(args_, cancelFlag(),
                                          [&report](int64_t done) { report(static_cast<double>(done)); });
    report(static_cast<double>(args_.count), true);
  }

  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", ToFloat64Array(env, result_.loss));
    o.Set("divergedAt", ToFloat64Array(env, result_.divergedAt));
    return o;
  }

 private:
  stochastic::Args args_;
  stochastic::Result result_;
};

Napi::Value StochasticDmftRealisations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  stochastic::Args a = ParseArgs(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kCtx, "onProgress", info[1]);
  return StartJob<StochasticWorker>(env, std::move(a), onProgress);
}

}  // namespace

void InitStochasticDmft(Napi::Env env, Napi::Object exports) {
  exports.Set("stochasticDmftRealisations",
              Napi::Function::New(env, StochasticDmftRealisations, "stochasticDmftRealisations"));
}

}  // namespace richscale
