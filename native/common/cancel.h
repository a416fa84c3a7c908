// Cancellation signal shared by kernels (pure C++) and the N-API worker.
#pragma once

#include <stdexcept>

namespace richscale {

// Thrown by a kernel when it observes its cancel flag.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace richscale
