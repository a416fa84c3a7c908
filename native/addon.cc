// Module registration only.
#include <napi.h>

#include "bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  richscale::InitSimulate(env, exports);
  richscale::InitBlas(env, exports);
  richscale::InitDmft(env, exports);
  richscale::InitStochasticDmft(env, exports);
  richscale::InitOde(env, exports);
  richscale::InitVolterra(env, exports);
  richscale::InitMlp(env, exports);
  richscale::InitBench(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(richscale, Init)
