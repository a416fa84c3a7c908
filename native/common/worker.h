// A reusable Promise-based background worker:
//  - runs Run() on the libuv thread pool and resolves a Promise::Deferred with BuildResult();
//  - reports progress (a double, e.g. steps done) to an optional JS callback through the thread-safe
//    function of Napi::AsyncProgressWorker, throttled to at most ~20 calls per second;
//  - supports cancellation through a shared std::atomic<bool> (Run throws Cancelled when it sees it);
//  - turns every C++ exception into a rejected promise, so nothing aborts the process.
// A cancelled job rejects with Error('cancelled') carrying code 'ABORT_ERR' (name 'AbortError').
// If the progress callback throws, the job is cancelled and the promise rejects with that exception.
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "common/cancel.h"

namespace richscale {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

class PromiseWorker : public Napi::AsyncProgressWorker<double> {
 public:
  static constexpr std::chrono::milliseconds kProgressInterval{50};  // ≤ 20 calls/s

  // Throttled progress sink handed to Run() (worker thread only).
  class Reporter {
   public:
    // Sends `value` if a callback exists and the last report is ≥ kProgressInterval old (or `force`).
    void operator()(double value, bool force = false) {
      if (!enabled_) return;
      const auto now = std::chrono::steady_clock::now();
      if (!force && sent_ && now - last_ < kProgressInterval) return;
      last_ = now;
      sent_ = true;
      progress_.Send(&value, 1);
    }

   private:
    friend class PromiseWorker;
    Reporter(const ExecutionProgress& progress, bool enabled) : progress_(progress), enabled_(enabled) {}
    const ExecutionProgress& progress_;
    bool enabled_;
    bool sent_ = false;
    std::chrono::steady_clock::time_point last_{};
  };

  PromiseWorker(Napi::Env env, const char* name, Napi::Function onProgress, CancelFlag cancel)
      : Napi::AsyncProgressWorker<double>(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        cancel_(std::move(cancel)) {
    if (!onProgress.IsEmpty()) onProgress_ = Napi::Persistent(onProgress);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  // Worker thread: do the work (no JS access). May throw; throw Cancelled when cancelRequested().
  virtual void Run(Reporter& report) = 0;
  // Main thread: build the resolution value from the results stored by Run().
  virtual Napi::Value BuildResult(Napi::Env env) = 0;

  bool cancelRequested() const { return cancel_->load(std::memory_order_relaxed); }
  const std::atomic<bool>& cancelFlag() const { return *cancel_; }

 private:
  void Execute(const ExecutionProgress& progress) final {
    try {
      Reporter report(progress, !onProgress_.IsEmpty());
      Run(report);
    } catch (const Cancelled&) {
      cancelled_ = true;
      SetError("cancelled");
    } catch (const std::bad_alloc&) {
      SetError("out of memory (std::bad_alloc): the requested sizes are too large for this machine");
    } catch (const std::exception& e) {
      const std::string what = e.what();
      SetError(what.empty() ? std::string("native error") : what);
    } catch (...) {
      SetError("unknown native error");
    }
  }

  void OnProgress(const double* data, size_t count) final {
    if (onProgress_.IsEmpty() || data == nullptr || count == 0 || callbackFailed_) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      onProgress_.Call({Napi::Number::New(env, data[count - 1])});
    } catch (const Napi::Error& e) {
      // The callback threw: stop the job and reject with the callback's exception.
      callbackFailed_ = true;
      // Keep the thrown value in a holder object (it may be a primitive, which cannot be referenced).
      Napi::Object holder = Napi::Object::New(env);
      holder.Set("error", e.Value());
      callbackError_ = Napi::Persistent(holder);
      cancel_->store(true);
    }
  }

  void OnOK() final {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (callbackFailed_) {
      deferred_.Reject(callbackError_.Value().Get("error"));
      return;
    }
    try {
      deferred_.Resolve(BuildResult(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(Napi::Error::New(env, e.what()).Value());
    }
  }

  void OnError(const Napi::Error& e) final {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      if (callbackFailed_) {
        deferred_.Reject(callbackError_.Value().Get("error"));
      } else if (cancelled_) {
        Napi::Error err = Napi::Error::New(env, "cancelled");
        err.Set("name", Napi::String::New(env, "AbortError"));
        err.Set("code", Napi::String::New(env, "ABORT_ERR"));
        deferred_.Reject(err.Value());
      } else {
        deferred_.Reject(e.Value());
      }
    } catch (const Napi::Error& inner) {
      deferred_.Reject(inner.Value());
    }
  }

  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference onProgress_;
  CancelFlag cancel_;
  bool cancelled_ = false;        // written on the worker thread, read in OnError (after completion)
  bool callbackFailed_ = false;   // main thread only
  Napi::ObjectReference callbackError_;  // { error: <what the callback threw> }
};

// Starts worker W (constructed as W(env, args, onProgress, cancel)) on the libuv pool and returns the JS handle
// { promise, cancel }: cancel() sets the shared flag the worker polls.
template <class W, class Args>
Napi::Object StartJob(Napi::Env env, Args&& args, Napi::Function onProgress) {
  CancelFlag cancel = std::make_shared<std::atomic<bool>>(false);
  auto worker = std::make_unique<W>(env, std::forward<Args>(args), onProgress, cancel);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  worker.release();  // owned by the libuv queue from here on; deletes itself when complete
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  handle.Set("cancel", Napi::Function::New(
                           env,
                           [cancel](const Napi::CallbackInfo& ci) -> Napi::Value {
                             cancel->store(true);
                             return ci.Env().Undefined();
                           },
                           "cancel"));
  return handle;
}

}  // namespace richscale
