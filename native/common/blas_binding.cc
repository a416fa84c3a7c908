// JS bindings for OpenBLAS threading and build info: setNumThreads(n), getNumThreads(), blasInfo().
#include <napi.h>

#include <thread>

#include "bindings.h"
#include "common/args.h"
#include "common/blas.h"

namespace richscale {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const int64_t n = args::IntegerArg(info.Env(), "setNumThreads", "n", info[0], 1, 1024,
                                     "an integer in [1, 1024]");
  blas::setNumThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), blas::getNumThreads());
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("config", Napi::String::New(env, blas::config()));
  o.Set("corename", Napi::String::New(env, blas::corename()));
  o.Set("threads", Napi::Number::New(env, blas::getNumThreads()));
  return o;
}

}  // namespace

void InitBlas(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
}

}  // namespace richscale
