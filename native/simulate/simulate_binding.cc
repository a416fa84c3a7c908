// JS binding: simulateSeed(args, onProgress?) -> { promise, cancel }.
// `args` is lib/simulate/types.ts SeedKernelArgs; everything is validated and copied here, on the main
// thread, before the job is queued.
#include <napi.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "simulate/simulate.h"

namespace richscale {
namespace {

using simulate::kUnlimited;
using simulate::SeedArgs;
using simulate::SeedResult;

constexpr const char* kCtx = "simulateSeed";
constexpr const char* kBatchCtx = "simulateBatch";
constexpr double kMaxDim = 2147483647.0;             // every dimension must fit a BLAS int
constexpr double kMaxElements = 2147483648.0;        // 2^31 elements (16 GiB) per matrix
constexpr double kMaxSeed = 9007199254740991.0;      // 2^53 - 1
constexpr double kMaxStream = 4294967295.0;          // 2^32 - 1

void CheckElements(const args::Reader& r, const char* what, double rows, double cols) {
  const double n = rows * cols;
  if (n > kMaxElements) {
    r.Fail(std::string(what) + " would have " + std::to_string(static_cast<long long>(rows)) + " x " +
           std::to_string(static_cast<long long>(cols)) + " = " + std::to_string(static_cast<long long>(n)) +
           " elements, more than the limit of 2^31 per matrix");
  }
}

// Rejects runs whose buffers cannot fit in physical memory (an overcommitted allocation would otherwise be
// OOM-killed while it is filled, which no exception handler can catch).
void CheckMemory(const args::Reader& r, const SeedArgs& a, size_t lanes = 1) {
  const double N = static_cast<double>(a.N), M = static_cast<double>(a.M);
  const double scalar = a.precision == simulate::Precision::Float32 ? 0.5 : 1.0;  // model arrays, in doubles
  double doubles = scalar * N * M + 8.0 * (N + M);
  if (a.model == simulate::Model::Projected && a.gamma != 0.0) doubles += scalar * N * N * static_cast<double>(lanes);
  if (a.data != kUnlimited) {
    doubles += static_cast<double>(a.data) * (M + 1.0);
  } else if (a.batch != kUnlimited && a.sampler == simulate::Sampler::Explicit) {
    doubles += static_cast<double>(a.batch) * (M + 1.0);
  }
  if (a.sampler == simulate::Sampler::Span) doubles += 4.0 * (N + 1.0) * (N + 1.0);  // K, Q, dsyevd workspace
  doubles += 2.0 * static_cast<double>(a.recordSteps.size());
  const double bytes = doubles * sizeof(double);
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0) return;
  const double physical = static_cast<double>(pages) * static_cast<double>(pageSize);
  if (bytes > physical) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "this run needs about %.1f GiB of buffers, more than the machine's %.1f GiB of RAM",
                  bytes / 1073741824.0, physical / 1073741824.0);
    r.Fail(buf);
  }
}

// Optional chunk fields (checkpoint and resume): stopAt, startState, wantState. A state must come from the same
// args: its length, version, step and RNG words are checked here; its numbers must be finite.
void ParseChunk(const args::Reader& r, SeedArgs& a) {
  a.stopAt = r.Absent("stopAt") ? a.steps : r.Integer("stopAt", 1, static_cast<double>(a.steps), "an integer in [1, steps]");
  a.wantState = r.Absent("wantState") ? false : r.Bool("wantState");
  if (r.Absent("startState")) return;
  a.startState = r.Float64Array("startState", static_cast<int64_t>(simulate::StateLength(a)), true);
  const std::vector<double>& st = a.startState;
  if (st[0] != simulate::kStateVersion) r.Fail("startState has version " + std::to_string(st[0]) + ", expected 1");
  if (!args::IsInteger(st[1]) || st[1] < 1 || st[1] >= static_cast<double>(a.stopAt)) {
    r.Fail("startState is at step " + std::to_string(st[1]) + ", which must be an integer in [1, stopAt = " +
           std::to_string(a.stopAt) + ")");
  }
  for (size_t i = 3; i <= 6; ++i) {
    if (!args::IsInteger(st[i]) || st[i] < 0 || st[i] > 4294967295.0) r.Fail("startState has a corrupt RNG word");
  }
  if (st[3] == 0 && st[4] == 0 && st[5] == 0 && st[6] == 0) r.Fail("startState has an all-zero RNG state");
  if (st[7] != 0.0 && st[7] != 1.0) r.Fail("startState has a corrupt RNG spare flag");
}

SeedArgs ParseArgs(Napi::Env env, const Napi::Value& value, size_t lanes = 1) {
  const args::Reader r(env, kCtx, value);
  SeedArgs a;
  a.model = r.Enum("model", {"projected", "unprojected"}) == 0 ? simulate::Model::Projected
                                                                : simulate::Model::Unprojected;
  a.N = r.Integer("N", 1, kMaxDim, "a positive integer");
  a.M = r.Integer("M", 1, kMaxDim, "a positive integer");
  a.gamma = r.Finite("gamma", 0.0, false, "a finite number >= 0");
  a.eta = r.Finite("eta", 0.0, true, "a finite number > 0");
  a.batch = r.CountOrInfinity("batch", kMaxDim);
  a.data = r.CountOrInfinity("data", kMaxDim);
  switch (r.Enum("sampler", {"explicit", "exact", "span"})) {
    case 0: a.sampler = simulate::Sampler::Explicit; break;
    case 1: a.sampler = simulate::Sampler::Exact; break;
    default: a.sampler = simulate::Sampler::Span; break;
  }
  a.init = r.Enum("init", {"gaussian", "identity"}) == 0 ? simulate::Init::Gaussian : simulate::Init::Identity;
  a.steps = r.Integer("steps", 1, kMaxSeed, "a positive integer");

  const std::vector<double> rec = r.Float64Array("recordSteps", -1, true);
  if (rec.size() < 2) r.Fail("recordSteps must contain at least 0 and steps, got " + std::to_string(rec.size()) + " entries");
  a.recordSteps.reserve(rec.size());
  for (size_t i = 0; i < rec.size(); ++i) {
    const double x = rec[i];
    if (!args::IsInteger(x) || x < 0 || x > static_cast<double>(a.steps)) {
      r.Fail("recordSteps[" + std::to_string(i) + "] must be an integer in [0, steps = " + std::to_string(a.steps) +
             "], got " + Napi::Number::New(env, x).ToString().Utf8Value());
    }
    if (i > 0 && !(x > rec[i - 1])) {
      r.Fail("recordSteps must be sorted and distinct, but recordSteps[" + std::to_string(i) + "] = " +
             Napi::Number::New(env, x).ToString().Utf8Value() + " follows " +
             Napi::Number::New(env, rec[i - 1]).ToString().Utf8Value());
    }
    a.recordSteps.push_back(static_cast<int64_t>(x));
  }
  if (a.recordSteps.front() != 0) r.Fail("recordSteps must start with 0, got " + std::to_string(a.recordSteps.front()));
  if (a.recordSteps.back() != a.steps) {
    r.Fail("recordSteps must end with steps = " + std::to_string(a.steps) + ", got " +
           std::to_string(a.recordSteps.back()));
  }

  a.lambda = r.Float64Array("lambda", a.M, true);
  for (size_t k = 0; k < a.lambda.size(); ++k) {
    if (a.lambda[k] < 0) {
      r.Fail("lambda[" + std::to_string(k) + "] must be >= 0, got " +
             Napi::Number::New(env, a.lambda[k]).ToString().Utf8Value());
    }
  }
  a.wstar = r.Float64Array("wstar", a.M, true);
  a.seed = static_cast<uint64_t>(r.Integer("seed", 0, kMaxSeed, "an integer in [0, 2^53)"));
  a.stream = static_cast<uint32_t>(r.Integer("stream", 0, kMaxStream, "an integer in [0, 2^32)"));
  a.wantFinal = r.Bool("wantFinal");
  a.precision = r.Absent("precision") || r.Enum("precision", {"float64", "float32"}) == 0 ? simulate::Precision::Float64
                                                                                       : simulate::Precision::Float32;
  a.blockModes = r.Absent("blockModes") ? 0 : r.Integer("blockModes", 1, kMaxDim, "a positive integer");
  ParseChunk(r, a);

  if (a.init == simulate::Init::Identity && a.N != a.M) {
    r.Fail("init 'identity' requires N == M, got N = " + std::to_string(a.N) + ", M = " + std::to_string(a.M));
  }
  if (a.sampler == simulate::Sampler::Span) {
    // span_model.h: the step in the span of A(0)'s N features needs the G-representation, online data, Gaussian
    // features (the span covariance is positive definite only for M > N) and float64 (the loss is a difference of
    // O(L(0)) terms).
    if (a.model != simulate::Model::Projected) r.Fail("sampler 'span' needs model 'projected'");
    if (a.data != kUnlimited) r.Fail("sampler 'span' needs data = Infinity (online SGD)");
    if (a.init != simulate::Init::Gaussian) r.Fail("sampler 'span' needs init 'gaussian'");
    if (a.precision != simulate::Precision::Float64) r.Fail("sampler 'span' needs precision 'float64'");
    if (a.M <= a.N) r.Fail("sampler 'span' needs M > N, got N = " + std::to_string(a.N) + ", M = " + std::to_string(a.M));
  }
  const double N = static_cast<double>(a.N), M = static_cast<double>(a.M);
  CheckElements(r, "A(0) (N x M)", N, M);
  if (a.model == simulate::Model::Projected && a.gamma != 0.0) CheckElements(r, "G (N x N)", N, N);
  if (a.data == kUnlimited && a.batch != kUnlimited && a.sampler == simulate::Sampler::Explicit) {
    CheckElements(r, "the explicit batch (batch x M)", static_cast<double>(a.batch), M);
  }
  if (a.data != kUnlimited) CheckElements(r, "the data matrix X (data x M)", static_cast<double>(a.data), M);
  if (lanes == 1) CheckMemory(r, a);
  return a;
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(double));
  return out;
}

Napi::Object ResultObject(Napi::Env env, const SeedResult& res) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", ToFloat64Array(env, res.loss));
  o.Set("trainLoss", ToFloat64Array(env, res.trainLoss));
  o.Set("diverged", Napi::Boolean::New(env, res.diverged));
  o.Set("divergedAt", Napi::Number::New(env, static_cast<double>(res.divergedAt)));
  o.Set("stepsDone", Napi::Number::New(env, static_cast<double>(res.stepsDone)));
  o.Set("finalResidual", ToFloat64Array(env, res.finalResidual));
  o.Set("state", ToFloat64Array(env, res.state));
  o.Set("interrupted", Napi::Boolean::New(env, res.interrupted));
  return o;
}

class SimulateWorker final : public PromiseWorker {
 public:
  SimulateWorker(Napi::Env env, SeedArgs args, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:simulateSeed", onProgress, std::move(cancel)), args_(std::move(args)) {}

 protected:
  void Run(Reporter& report) override {
    result_ = simulate::RunSeed(args_, cancelFlag(),
                                [&report](int64_t done) { report(static_cast<double>(done)); });
    report(static_cast<double>(result_.stepsDone), true);
  }

  Napi::Value BuildResult(Napi::Env env) override { return ResultObject(env, result_); }

 private:
  SeedArgs args_;
  SeedResult result_;
};

Napi::Value SimulateSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SeedArgs a = ParseArgs(env, info[0]);
  Napi::Function onProgress = args::OptionalFunction(env, kCtx, "onProgress", info[1]);

  return StartJob<SimulateWorker>(env, std::move(a), onProgress);
}

struct BatchJob {
  SeedArgs args;
  std::vector<double> gammas;
};

class BatchWorker final : public PromiseWorker {
 public:
  BatchWorker(Napi::Env env, BatchJob job, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:simulateBatch", onProgress, std::move(cancel)), job_(std::move(job)) {}

 protected:
  void Run(Reporter& report) override {
    results_ = simulate::RunBatch(job_.args, job_.gammas, cancelFlag(),
                                  [&report](int64_t done) { report(static_cast<double>(done)); });
    report(static_cast<double>(job_.args.steps), true);
  }

  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t j = 0; j < results_.size(); ++j) out.Set(static_cast<uint32_t>(j), ResultObject(env, results_[j]));
    return out;
  }

 private:
  BatchJob job_;
  std::vector<SeedResult> results_;
};

// simulateBatch(args, onProgress?): `args` is a seed's args (its `gamma` is ignored) plus `gammas`, a
// Float64Array of K ≥ 1 values; resolves to K results, one per γ, sharing A(0) and the batch randomness.
Napi::Value SimulateBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, kBatchCtx, info[0]);
  std::vector<double> gammas = r.Float64Array("gammas", -1, true);
  if (gammas.empty() || gammas.size() > 4096) {
    r.Fail("gammas must hold 1 to 4096 values, got " + std::to_string(gammas.size()));
  }
  for (size_t j = 0; j < gammas.size(); ++j) {
    if (gammas[j] < 0) r.Fail("gammas[" + std::to_string(j) + "] must be >= 0");
  }
  SeedArgs a = ParseArgs(env, info[0], gammas.size());
  if (a.model != simulate::Model::Projected) r.Fail("batched runs need model 'projected'");
  if (a.sampler == simulate::Sampler::Span) r.Fail("batched runs do not support sampler 'span' (run the lanes as seeds)");
  if (a.data != kUnlimited) r.Fail("batched runs need data = Infinity (online SGD)");
  if (!r.Absent("startState") || a.wantState || a.stopAt != a.steps) {
    r.Fail("batched runs do not support chunked runs (stopAt, startState, wantState)");
  }
  CheckElements(r, "the lanes' G matrices (K x N x N)", static_cast<double>(gammas.size()) * static_cast<double>(a.N),
                static_cast<double>(a.N));
  a.gamma = *std::max_element(gammas.begin(), gammas.end());
  CheckMemory(r, a, gammas.size());
  Napi::Function onProgress = args::OptionalFunction(env, kBatchCtx, "onProgress", info[1]);
  return StartJob<BatchWorker>(env, BatchJob{std::move(a), std::move(gammas)}, onProgress);
}

}  // namespace

void InitSimulate(Napi::Env env, Napi::Object exports) {
  exports.Set("simulateSeed", Napi::Function::New(env, SimulateSeed, "simulateSeed"));
  exports.Set("simulateBatch", Napi::Function::New(env, SimulateBatch, "simulateBatch"));
}

}  // namespace richscale
