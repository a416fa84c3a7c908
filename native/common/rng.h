// Seeded RNG shared bit-for-bit with lib/rng.ts (docs/algorithm.md section 1): xoshiro128** with the
// documented seeding, 53-bit uniforms and Marsaglia polar normals with one cached spare.
// Must be compiled with -ffp-contract=off (no FMA in u*u + v*v).
#pragma once

#include <cmath>
#include <cstdint>

namespace richscale {

struct Rng {
  // Full state (plain data, so a run can be checkpointed and restored).
  uint32_t s0 = 1, s1 = 0, s2 = 0, s3 = 0;
  bool hasSpare = false;
  double spare = 0.0;

  static constexpr uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
  }

  static constexpr uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

  // seed: integer in [0, 2^53); stream: ensemble member in [0, 2^32).
  static Rng FromSeed(uint64_t seed, uint32_t stream) {
    const uint32_t lo = static_cast<uint32_t>(seed & 0xFFFFFFFFu);
    const uint32_t hi = static_cast<uint32_t>(seed >> 32);
    const uint32_t streamMix = fmix32(hi ^ ((stream + 1u) * 0x85EBCA6Bu));
    uint32_t w[4];
    for (uint32_t i = 0; i < 4; ++i) {
      const uint32_t a = fmix32(lo ^ ((i + 1u) * 0x9E3779B9u));
      w[i] = fmix32(a + streamMix + i);
    }
    Rng r;
    r.s0 = w[0];
    r.s1 = w[1];
    r.s2 = w[2];
    r.s3 = w[3];
    if ((r.s0 | r.s1 | r.s2 | r.s3) == 0) r.s0 = 1;
    return r;
  }

  uint32_t next() {
    const uint32_t r = rotl(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return r;
  }

  // Uniform in [0, 1) with 53 random bits; a is drawn before b.
  double uniform() {
    const uint32_t a = next() >> 5;
    const uint32_t b = next() >> 6;
    return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) / 9007199254740992.0;
  }

  // Standard normal, Marsaglia polar method (u drawn before v; the spare is v*m).
  double normal() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double m = std::sqrt((-2.0 * std::log(s)) / s);
    spare = v * m;
    hasSpare = true;
    return u * m;
  }
};

}  // namespace richscale
