// Thin row-major wrappers over OpenBLAS's CBLAS interface plus its threading/config queries.
// Sizes are int64_t at the call sites; callers guarantee (by argument validation) that every
// dimension and leading dimension fits in a BLAS int. Each wrapper has a double (d*) and a float (s*)
// overload so kernels can be templated on the scalar type.
#pragma once

#include <cblas.h>

#include <cstdint>
#include <mutex>
#include <string>

namespace richscale::blas {

inline blasint I(int64_t n) { return static_cast<blasint>(n); }

// y = alpha * A x + beta * y, A is rows×cols row-major (lda = cols).
inline void gemv(int64_t rows, int64_t cols, double alpha, const double* A, const double* x, double beta,
                 double* y) {
  cblas_dgemv(CblasRowMajor, CblasNoTrans, I(rows), I(cols), alpha, A, I(cols), x, 1, beta, y, 1);
}
inline void gemv(int64_t rows, int64_t cols, float alpha, const float* A, const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, CblasNoTrans, I(rows), I(cols), alpha, A, I(cols), x, 1, beta, y, 1);
}

// y = alpha * Aᵀ x + beta * y, A is rows×cols row-major (x has length rows, y length cols).
inline void gemvT(int64_t rows, int64_t cols, double alpha, const double* A, const double* x, double beta,
                  double* y) {
  cblas_dgemv(CblasRowMajor, CblasTrans, I(rows), I(cols), alpha, A, I(cols), x, 1, beta, y, 1);
}
inline void gemvT(int64_t rows, int64_t cols, float alpha, const float* A, const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, CblasTrans, I(rows), I(cols), alpha, A, I(cols), x, 1, beta, y, 1);
}

// C = alpha * op(A) op(B) + beta * C, all row-major: op(A) is m×k, op(B) is k×n, C is m×n with leading
// dimensions lda, ldb, ldc.
inline void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, double alpha, const double* A,
                 int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, I(m), I(n), I(k),
              alpha, A, I(lda), B, I(ldb), beta, C, I(ldc));
}
inline void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, I(m), I(n), I(k),
              alpha, A, I(lda), B, I(ldb), beta, C, I(ldc));
}

// A += alpha * x yᵀ, A is rows×cols row-major.
inline void ger(int64_t rows, int64_t cols, double alpha, const double* x, const double* y, double* A) {
  cblas_dger(CblasRowMajor, I(rows), I(cols), alpha, x, 1, y, 1, A, I(cols));
}
inline void ger(int64_t rows, int64_t cols, float alpha, const float* x, const float* y, float* A) {
  cblas_sger(CblasRowMajor, I(rows), I(cols), alpha, x, 1, y, 1, A, I(cols));
}

inline double dot(int64_t n, const double* x, const double* y) { return cblas_ddot(I(n), x, 1, y, 1); }
inline float dot(int64_t n, const float* x, const float* y) { return cblas_sdot(I(n), x, 1, y, 1); }

// y += alpha * x
inline void axpy(int64_t n, double alpha, const double* x, double* y) { cblas_daxpy(I(n), alpha, x, 1, y, 1); }
inline void axpy(int64_t n, float alpha, const float* x, float* y) { cblas_saxpy(I(n), alpha, x, 1, y, 1); }

// OpenBLAS's thread count is process-wide. setNumThreads(n) records the requested count; while a
// SingleThreadScope is alive (a kernel whose BLAS calls are too small to profit from threads, e.g. the ODE's
// method 'fast', native/theory/ode.cc) OpenBLAS runs with 1 thread, and the requested count is restored when the
// last scope ends. getNumThreads() reports the requested count.
namespace detail {
inline std::mutex threadMutex;
inline int requestedThreads = 0;  // 0: never set (use OpenBLAS's own count)
inline int capDepth = 0;
}  // namespace detail

inline void setNumThreads(int n) {
  std::lock_guard<std::mutex> lock(detail::threadMutex);
  detail::requestedThreads = n;
  if (detail::capDepth == 0) openblas_set_num_threads(n);
}
inline int getNumThreads() {
  std::lock_guard<std::mutex> lock(detail::threadMutex);
  return detail::capDepth > 0 && detail::requestedThreads > 0 ? detail::requestedThreads : openblas_get_num_threads();
}

class SingleThreadScope {
 public:
  SingleThreadScope() {
    std::lock_guard<std::mutex> lock(detail::threadMutex);
    if (detail::capDepth++ == 0) {
      if (detail::requestedThreads == 0) detail::requestedThreads = openblas_get_num_threads();
      openblas_set_num_threads(1);
    }
  }
  ~SingleThreadScope() {
    std::lock_guard<std::mutex> lock(detail::threadMutex);
    if (--detail::capDepth == 0) openblas_set_num_threads(detail::requestedThreads);
  }
  SingleThreadScope(const SingleThreadScope&) = delete;
  SingleThreadScope& operator=(const SingleThreadScope&) = delete;
};
inline std::string config() {
  const char* c = openblas_get_config();
  return c ? std::string(c) : std::string();
}
inline std::string corename() {
  const char* c = openblas_get_corename();
  return c ? std::string(c) : std::string();
}

}  // namespace richscale::blas
