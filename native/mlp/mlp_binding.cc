// JS bindings of the ReLU MLP (kernels in native/mlp/mlp.cc; docs/mlp.md):
//   mlpInit({ width, depth, seed, stream }) -> Float64Array (initial parameters)
//   mlpLossGrad({ width, depth, gamma0, params, params0, theta, y }) -> { loss, grad, f }   (synchronous)
//   mlpTrain({ width, depth, gamma0, eta0, batch, steps, K, q, grid, record, seed, stream, divergenceFactor? },
//            onProgress?) -> { promise, cancel }; resolves { loss, diverged, divergedStep, divergedLoss, flops }
//   mlpNtk({ width, depth, params, n }) -> { promise, cancel }; resolves Float64Array (n×n)
//   symmetricEigen({ matrix, n }) -> { promise, cancel }; resolves { values (ascending), vectors (row i = vector i) }
// Every argument is validated and copied here, on the main thread, before a job is queued.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "common/args.h"
#include "common/worker.h"
#include "mlp/mlp.h"

namespace richscale {
namespace {

constexpr double kMaxParams = 1e8;        // 800 MB of parameters
constexpr double kMaxBatchElems = 2e8;    // batch (or n) × width per activation matrix
constexpr double kMaxSeed = 9007199254740991.0;
constexpr double kMaxStream = 4294967295.0;

Napi::Float64Array ToF64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(double));
  return out;
}

mlp::Shape ReadShape(const args::Reader& r) {
  mlp::Shape s;
  s.width = r.Integer("width", 1, 65536, "an integer in [1, 65536]");
  s.depth = r.Integer("depth", 1, 16, "an integer in [1, 16] (hidden layers)");
  if (static_cast<double>(mlp::ParamCount(s)) > kMaxParams) {
    r.Fail("width " + std::to_string(s.width) + " and depth " + std::to_string(s.depth) + " give " +
           std::to_string(mlp::ParamCount(s)) + " parameters, more than the limit of 1e8");
  }
  return s;
}

void CheckRows(const args::Reader& r, const char* what, int64_t rows, const mlp::Shape& s) {
  if (static_cast<double>(rows) * static_cast<double>(s.width) > kMaxBatchElems) {
    r.Fail(std::string(what) + " × width = " + std::to_string(rows) + " × " + std::to_string(s.width) +
           " exceeds the limit of 2e8 activations per layer");
  }
}

Napi::Value MlpInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, "mlpInit", info[0]);
  const mlp::Shape s = ReadShape(r);
  const uint64_t seed = static_cast<uint64_t>(r.Integer("seed", 0, kMaxSeed, "an integer in [0, 2^53-1]"));
  const uint32_t stream = static_cast<uint32_t>(r.Integer("stream", 0, kMaxStream, "an integer in [0, 2^32-1]"));
  Rng rng = Rng::FromSeed(seed, stream);
  return ToF64(env, mlp::InitParams(s, rng));
}

Napi::Value MlpLossGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, "mlpLossGrad", info[0]);
  const mlp::Shape s = ReadShape(r);
  const double gamma0 = r.Finite("gamma0", 0.0, true, "a finite number > 0");
  const int64_t P = mlp::ParamCount(s);
  const std::vector<double> params = r.Float64Array("params", P, true);
  const std::vector<double> params0 = r.Float64Array("params0", P, true);
  const std::vector<double> theta = r.Float64Array("theta", -1, true);
  const int64_t B = static_cast<int64_t>(theta.size());
  if (B < 1) r.Fail("theta must not be empty");
  CheckRows(r, "theta length", B, s);
  const std::vector<double> y = r.Float64Array("y", B, true);
  mlp::Net net(s);
  std::vector<double> g0(B), g(B), f(B), c(B), grad(P, 0.0);
  net.Forward(params0.data(), theta.data(), B, g0.data());
  net.Forward(params.data(), theta.data(), B, g.data());
  double loss = 0.0;
  for (int64_t m = 0; m < B; ++m) {
    f[m] = (g[m] - g0[m]) / gamma0;
    const double e = f[m] - y[m];
    loss += e * e;
    c[m] = e / (static_cast<double>(B) * gamma0);
  }
  loss /= 2.0 * static_cast<double>(B);
  net.Backward(params.data(), c.data(), grad.data());
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", Napi::Number::New(env, loss));
  o.Set("grad", ToF64(env, grad));
  o.Set("f", ToF64(env, f));
  return o;
}

class TrainWorker final : public PromiseWorker {
 public:
  TrainWorker(Napi::Env env, mlp::TrainArgs a, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:mlpTrain", onProgress, std::move(cancel)), args_(std::move(a)) {}

 protected:
  void Run(Reporter& report) override {
    result_ = mlp::Train(args_, cancelFlag(), [&report](double t) { report(t); });
    report(static_cast<double>(args_.steps), true);
  }
  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", ToF64(env, result_.loss));
    o.Set("diverged", Napi::Boolean::New(env, result_.diverged));
    o.Set("divergedStep", Napi::Number::New(env, static_cast<double>(result_.divergedStep)));
    o.Set("divergedLoss", Napi::Number::New(env, result_.divergedLoss));
    o.Set("flops", Napi::Number::New(env, result_.flops));
    return o;
  }

 private:
  mlp::TrainArgs args_;
  mlp::TrainResult result_;
};

Napi::Value MlpTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, "mlpTrain", info[0]);
  mlp::TrainArgs a;
  a.shape = ReadShape(r);
  a.gamma0 = r.Finite("gamma0", 0.0, true, "a finite number > 0");
  a.eta0 = r.Finite("eta0", 0.0, true, "a finite number > 0");
  a.batch = r.Integer("batch", 1, 1048576, "an integer in [1, 1048576]");
  CheckRows(r, "batch", a.batch, a.shape);
  a.steps = r.Integer("steps", 0, 1e9, "an integer in [0, 1e9]");
  a.K = r.Integer("K", 1, 1e6, "an integer in [1, 1e6] (target frequencies)");
  a.q = r.Finite("q", 0.0, true, "a finite number > 0");
  a.grid = r.Integer("grid", 1, 1e6, "an integer in [1, 1e6] (population-loss grid points)");
  a.seed = static_cast<uint64_t>(r.Integer("seed", 0, kMaxSeed, "an integer in [0, 2^53-1]"));
  a.stream = static_cast<uint32_t>(r.Integer("stream", 0, kMaxStream, "an integer in [0, 2^32-1]"));
  if (!r.Absent("divergenceFactor")) a.divergenceFactor = r.Finite("divergenceFactor", 1.0, true, "a finite number > 1");
  const std::vector<double> rec = r.Float64Array("record", -1, true);
  if (rec.empty()) r.Fail("record must not be empty");
  for (size_t i = 0; i < rec.size(); ++i) {
    if (!args::IsInteger(rec[i]) || rec[i] < 0 || rec[i] > static_cast<double>(a.steps)) {
      r.Fail("record[" + std::to_string(i) + "] must be an integer step in [0, steps]");
    }
    if (i > 0 && !(rec[i] > rec[i - 1])) r.Fail("record must be increasing (record[" + std::to_string(i) + "])");
    a.record.push_back(static_cast<int64_t>(rec[i]));
  }
  Napi::Function onProgress = args::OptionalFunction(env, "mlpTrain", "onProgress", info[1]);
  return StartJob<TrainWorker>(env, std::move(a), onProgress);
}

struct NtkArgs {
  mlp::Shape shape;
  std::vector<double> params;
  int64_t n = 0;
};

class NtkWorker final : public PromiseWorker {
 public:
  NtkWorker(Napi::Env env, NtkArgs a, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:mlpNtk", onProgress, std::move(cancel)), args_(std::move(a)) {}

 protected:
  void Run(Reporter&) override { K_ = mlp::InitialNtk(args_.shape, args_.params, args_.n); }
  Napi::Value BuildResult(Napi::Env env) override { return ToF64(env, K_); }

 private:
  NtkArgs args_;
  std::vector<double> K_;
};

Napi::Value MlpNtk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, "mlpNtk", info[0]);
  NtkArgs a;
  a.shape = ReadShape(r);
  a.params = r.Float64Array("params", mlp::ParamCount(a.shape), true);
  a.n = r.Integer("n", 1, 16384, "an integer in [1, 16384] (kernel points)");
  CheckRows(r, "n", a.n, a.shape);
  return StartJob<NtkWorker>(env, std::move(a), Napi::Function());
}

struct EigenArgs {
  int64_t n = 0;
  std::vector<double> matrix;
};

class EigenWorker final : public PromiseWorker {
 public:
  EigenWorker(Napi::Env env, EigenArgs a, Napi::Function onProgress, CancelFlag cancel)
      : PromiseWorker(env, "richscale:symmetricEigen", onProgress, std::move(cancel)), args_(std::move(a)) {}

 protected:
  void Run(Reporter&) override { mlp::SymmetricEigen(args_.n, std::move(args_.matrix), values_, vectors_); }
  Napi::Value BuildResult(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("values", ToF64(env, values_));
    o.Set("vectors", ToF64(env, vectors_));
    return o;
  }

 private:
  EigenArgs args_;
  std::vector<double> values_, vectors_;
};

Napi::Value SymmetricEigenJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const args::Reader r(env, "symmetricEigen", info[0]);
  EigenArgs a;
  a.n = r.Integer("n", 1, 16384, "an integer in [1, 16384] (matrix size)");
  a.matrix = r.Float64Array("matrix", a.n * a.n, true);
  return StartJob<EigenWorker>(env, std::move(a), Napi::Function());
}

}  // namespace

void InitMlp(Napi::Env env, Napi::Object exports) {
  exports.Set("mlpInit", Napi::Function::New(env, MlpInit, "mlpInit"));
  exports.Set("mlpLossGrad", Napi::Function::New(env, MlpLossGrad, "mlpLossGrad"));
  exports.Set("mlpTrain", Napi::Function::New(env, MlpTrain, "mlpTrain"));
  exports.Set("mlpNtk", Napi::Function::New(env, MlpNtk, "mlpNtk"));
  exports.Set("symmetricEigen", Napi::Function::New(env, SymmetricEigenJs, "symmetricEigen"));
}

}  // namespace richscale
