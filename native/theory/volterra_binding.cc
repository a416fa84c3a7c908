// JS binding: volterraLazy(args, onProgress?) -> { promise, cancel } (SPEC 3.4; kernel native/theory/volterra.cc).
// args = { mode: 'exact' | 'volterra', eta, batch, lambda, wstar, mult: Float64Array(n), recordSteps }.
// Resolves { loss: Float64Array, diverged, divergedAt }. onProgress receives a fraction in [0, 1].
#include <napi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "theory/volterra.h"

namespace richscale {
namespace {

constexpr const char* kCtx = "volterraLazy";

volterra::VolterraArgs Parse(Napi::Env env, const Napi::Value& value) {
  const args::Reader r(env, kCtx, value);
  volterra::VolterraArgs a;
  a.mode = r.Enum("mode", {"exact", "volterra"}) == 0 ? volterra::Mode::Exact : volterra::Mode::Volterra;
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  a.batch = r.Finite("batch", 1.0, false, "a finite number >= 1");
  a.lambda = r.Float64Array("lambda", -1, true);
  const int64_t n = static_cast<int64_t>(a.lambda.size());
  if (n < 1) r.Fail("lambda must not be empty");
  a.wstar = r.Float64Array("wstar", n, true);
  a.mult = r.Float64Array("mult", n, true);
  for (int64_t j = 0; j < n; ++j) {
    if (!(a.lambda[j] > 0)) r.Fail("lambda[" + std::to_string(j) + "] must be > 0");
    if (!(a.mult[j] >= 1)) r.Fail("mult[" + std::to_string(j) + "] must be >= 1");
  }
  const std::vector<double> rec = r.Float64Array("recordSteps", -1, true);
  if (rec.size() < 2) r.Fail("recordSteps must have at least 2 entries");
  for (size_t i = 0; i < rec.size(); ++i) {
    if (!args::IsInteger(rec[i]) || rec[i] < 0 || rec[i] > args::kMaxSafeInteger) {
      r.Fail("recordSteps[" + std::to_string(i) + "] must be a non-negative integer");
    }
    if (i == 0 && rec[i] != 0) r.Fail("recordSteps must start at 0");
    if (i > 0 && !(rec[i] > rec[i - 1])) r.Fail("recordSteps must be sorted and distinct");
    a.recordSteps.push_back(static_cast<int64_t>(rec[i]));
  }
  return a;
}

class VolterraWorker final : public PromiseWorker {
 public:
  VolterraWorker(Napi::Env env, volterra::VolterraArgs args, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:volterraLazy", onProgress, std::move(cancel)), args_(std::move(args)) {}

 protected:
  void Run(Reporter& report) override {
    result_ = volterra::Run(args_, cancelFlag(), [&report](double f) { report(f); });
    report(1.0, true);
  }
  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    Napi::Float64Array loss = Napi::Float64Array::New(env, result_.loss.size());
    if (!result_.loss.empty()) std::memcpy(loss.Data(), result_.loss.data(), result_.loss.size() * sizeof(double));
    o.Set("loss", loss);
    o.Set("diverged", Napi::Boolean::New(env, result_.diverged));
    o.Set("divergedAt", Napi::Number::New(env, static_cast<double>(result_.divergedAt)));
    return o;
  }

 private:
  volterra::VolterraArgs args_;
  volterra::VolterraResult result_;
};

Napi::Value VolterraLazy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  volterra::VolterraArgs a = Parse(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kCtx, "onProgress", info[1]);
  return StartJob<VolterraWorker>(env, std::move(a), onProgress);
}

}  // namespace

void InitVolterra(Napi::Env env, Napi::Object exports) {
  exports.Set("volterraLazy", Napi::Function::New(env, VolterraLazy, "volterraLazy"));
}

}  // namespace richscale
