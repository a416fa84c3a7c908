// machineLimits(threads): the machine limits the bench compares kernels with (docs/performance.md), measured in
// the calling process with the addon's own OpenBLAS: dgemm and sgemm GFLOP/s (n = 1024, best of 3) and memory
// bandwidth of large (256 MiB) arrays: copy (memcpy; read + write bytes), read (a sum over the array) and triad
// (a = b + s·c; 3 arrays). Bandwidth uses `threads` std::threads on disjoint parts; BLAS uses `threads` BLAS
// threads (restored afterwards). Synchronous: the bench calls it from a child process.
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "bindings.h"
#include "common/args.h"
#include "common/blas.h"

namespace richscale {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class T>
double GemmGflops(int64_t n, int reps) {
  std::vector<T> A(static_cast<size_t>(n * n)), B(A.size()), C(A.size());
  for (size_t i = 0; i < A.size(); ++i) {
    A[i] = static_cast<T>((i % 7) * 0.1);
    B[i] = static_cast<T>((i % 5) * 0.1);
  }
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const double t0 = Now();
    blas::gemm(false, false, n, n, n, T(1), A.data(), n, B.data(), n, T(0), C.data(), n);
    best = std::min(best, Now() - t0);
  }
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9;
}

// Runs f(begin, end) on `threads` threads over [0, n) and returns the best wall time of `reps` runs.
template <class F>
double Parallel(size_t n, int threads, int reps, F f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const double t0 = Now();
    std::vector<std::thread> pool;
    const size_t chunk = (n + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
    for (int t = 1; t < threads; ++t) {
      const size_t b = std::min(n, chunk * static_cast<size_t>(t)), e = std::min(n, b + chunk);
      pool.emplace_back([&f, b, e] { f(b, e); });
    }
    f(0, std::min(n, chunk));
    for (std::thread& th : pool) th.join();
    best = std::min(best, Now() - t0);
  }
  return best;
}

Napi::Value MachineLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int threads = static_cast<int>(args::IntegerArg(env, "machineLimits", "threads", info[0], 1, 64,
                                                        "an integer in [1, 64]"));
  const int saved = blas::getNumThreads();
  blas::setNumThreads(threads);
  const double dgemm = GemmGflops<double>(1024, 3);
  const double sgemm = GemmGflops<float>(1024, 3);
  blas::setNumThreads(saved);

  constexpr size_t kBytes = size_t(256) << 20;
  const size_t n = kBytes / sizeof(double);
  std::vector<double> a(n, 1.0), b(n, 2.0), c(n, 3.0);
  const double tCopy = Parallel(n, threads, 3, [&](size_t s, size_t e) {
    std::memcpy(a.data() + s, b.data() + s, (e - s) * sizeof(double));
  });
  std::vector<double> sums(static_cast<size_t>(threads) * 8, 0.0);
  const double tRead = Parallel(n, threads, 3, [&](size_t s, size_t e) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = s;
    for (; i + 8 <= e; i += 8) {
      for (int j = 0; j < 8; ++j) acc[j] += b[i + static_cast<size_t>(j)];
    }
    for (; i < e; ++i) acc[0] += b[i];
    sums[(s / std::max<size_t>(1, (n + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads))) * 8] +=
        acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
  });
  const double tTriad = Parallel(n, threads, 3, [&](size_t s, size_t e) {
    for (size_t i = s; i < e; ++i) a[i] = b[i] + 0.5 * c[i];
  });
  double checksum = 0.0;
  for (double x : sums) checksum += x;

  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", Napi::Number::New(env, threads));
  o.Set("dgemmGflops", Napi::Number::New(env, dgemm));
  o.Set("sgemmGflops", Napi::Number::New(env, sgemm));
  o.Set("copyGBs", Napi::Number::New(env, 2.0 * static_cast<double>(kBytes) / tCopy / 1e9));
  o.Set("readGBs", Napi::Number::New(env, static_cast<double>(kBytes) / tRead / 1e9));
  o.Set("triadGBs", Napi::Number::New(env, 3.0 * static_cast<double>(kBytes) / tTriad / 1e9));
  o.Set("checksum", Napi::Number::New(env, checksum + a[n / 2]));
  return o;
}

}  // namespace

void InitBench(Napi::Env env, Napi::Object exports) {
  exports.Set("machineLimits", Napi::Function::New(env, MachineLimits, "machineLimits"));
}

}  // namespace richscale
