// JS binding: odeRich(args, onProgress?) -> { promise, cancel } (SPEC 3.3; kernel native/theory/ode.cc).
// args = { form: 'flow' | 'map', gamma, eta, lambda, wstar, mult: Float64Array(n), times: Float64Array,
//         method?: 'fast' (default) | 'eig', deflationTol?: number > 0 (default 1e-3; flow with method 'fast') }.
// Resolves { loss, c: Float64Array, diverged, divergedAt, maxDim, sumDim3 }. onProgress receives a fraction in [0, 1].
#include <napi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "theory/ode.h"

namespace richscale {
namespace {

constexpr const char* kCtx = "odeRich";

Napi::Float64Array ToF64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(double));
  return out;
}

ode::OdeArgs Parse(Napi::Env env, const Napi::Value& value) {
  const args::Reader r(env, kCtx, value);
  ode::OdeArgs a;
  a.form = r.Enum("form", {"flow", "map"}) == 0 ? ode::Form::Flow : ode::Form::Map;
  a.gamma = r.Finite("gamma", 0.0, false, "a finite number >= 0");
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  if (!r.Absent("method")) a.method = r.Enum("method", {"fast", "eig"}) == 0 ? ode::Method::Fast : ode::Method::Eig;
  if (!r.Absent("deflationTol")) a.deflationTol = r.Finite("deflationTol", 0.0, true, "a finite number > 0");
  a.lambda = r.Float64Array("lambda", -1, true);
  const int64_t n = static_cast<int64_t>(a.lambda.size());
  if (n < 1) r.Fail("lambda must not be empty");
  if (n > 5000) r.Fail("at most 5000 mode bins are supported, got " + std::to_string(n));
  a.wstar = r.Float64Array("wstar", n, true);
  a.mult = r.Float64Array("mult", n, true);
  for (int64_t j = 0; j < n; ++j) {
    if (!(a.lambda[j] > 0)) r.Fail("lambda[" + std::to_string(j) + "] must be > 0");
    if (!(a.mult[j] >= 1)) r.Fail("mult[" + std::to_string(j) + "] must be >= 1");
  }
  a.times = r.Float64Array("times", -1, true);
  if (a.times.size() < 2) r.Fail("times must have at least 2 entries");
  if (a.times[0] != 0.0) r.Fail("times must start at 0");
  for (size_t i = 1; i < a.times.size(); ++i) {
    if (!(a.times[i] > a.times[i - 1])) r.Fail("times must be increasing (times[" + std::to_string(i) + "])");
    if (a.form == ode::Form::Map && (!args::IsInteger(a.times[i]) || a.times[i] > args::kMaxSafeInteger)) {
      r.Fail("times must be integers for form 'map' (times[" + std::to_string(i) + "])");
    }
  }
  return a;
}

class OdeWorker final : public PromiseWorker {
 public:
  OdeWorker(Napi::Env env, ode::OdeArgs args, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:odeRich", onProgress, std::move(cancel)), args_(std::move(args)) {}

 protected:
  void Run(Reporter& report) override {
    result_ = ode::Run(args_, cancelFlag(), [&report](double f) { report(f); });
    report(1.0, true);
  }
  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", ToF64(env, result_.loss));
    o.Set("c", ToF64(env, result_.c));
    o.Set("diverged", Napi::Boolean::New(env, result_.diverged));
    o.Set("divergedAt", Napi::Number::New(env, static_cast<double>(result_.divergedAt)));
    o.Set("maxDim", Napi::Number::New(env, static_cast<double>(result_.maxDim)));
    o.Set("sumDim3", Napi::Number::New(env, result_.sumDim3));
    return o;
  }

 private:
  ode::OdeArgs args_;
  ode::OdeResult result_;
};

Napi::Value OdeRich(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ode::OdeArgs a = Parse(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kCtx, "onProgress", info[1]);
  return StartJob<OdeWorker>(env, std::move(a), onProgress);
}

}  // namespace

void InitOde(Napi::Env env, Napi::Object exports) {
  exports.Set("odeRich", Napi::Function::New(env, OdeRich, "odeRich"));
}

}  // namespace richscale
