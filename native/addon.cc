// Module registration only.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // Jobs run on libuv pool threads, each with its own malloc arena. glibc's dynamic mmap threshold rises to 32 MiB
  // after the first large free, so later G/Ψ/workspace buffers of a few MiB would stay in per-thread arenas and a
  // process running many jobs (a sweep) would hold several copies. A fixed 1 MiB threshold returns every large
  // buffer to the OS when its job ends (docs/performance.md, peak memory).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
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
