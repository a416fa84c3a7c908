// Registration hooks of the addon's modules (called from addon.cc).
#pragma once

#include <napi.h>

namespace richscale {

void InitSimulate(Napi::Env env, Napi::Object exports);  // simulateSeed
void InitBlas(Napi::Env env, Napi::Object exports);      // setNumThreads, getNumThreads, blasInfo
void InitDmft(Napi::Env env, Napi::Object exports);  // dmftSolve (finite-N DMFT)

void InitStochasticDmft(Napi::Env env, Napi::Object exports);  // stochasticDmftRealisations

void InitOde(Napi::Env env, Napi::Object exports);  // odeRich (N = B = ∞ ODE / unit-step map, SPEC 3.3)
void InitVolterra(Napi::Env env, Napi::Object exports);  // volterraLazy (lazy finite-B, SPEC 3.4)
void InitBench(Napi::Env env, Napi::Object exports);  // machineLimits (bench: GEMM GFLOP/s, memory bandwidth)

void InitMlp(Napi::Env env, Napi::Object exports);  // mlpInit, mlpLossGrad, mlpTrain, mlpNtk, symmetricEigen

}  // namespace richscale
