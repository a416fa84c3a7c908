// Registration hooks of the addon's modules (called from addon.cc).
#pragma once

#include <napi.h>

namespace richscale {

void InitSimulate(Napi::Env env, Napi::Object exports);  // simulateSeed
void InitBlas(Napi::Env env, Napi::Object exports);      // setNumThreads, getNumThreads, blasInfo

}  // namespace richscale
