// A seeded random source that gives the same sequence on every platform and
// standard library (std:: distributions are implementation-defined), so a
// codec-lab run is reproducible from its seed alone.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace parley::media {

// xoshiro256** (Blackman & Vigna), its state seeded through splitmix64.
class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double probability) { return uniform() < probability; }
  // Exponential with the given mean (inverse transform).
  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }
  // Standard normal (Box-Muller; the second value is discarded to keep no state).
  double normal() {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
};

}  // namespace parley::media
