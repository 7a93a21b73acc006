// Sample-rate conversion between device and codec rates (SpeexDSP).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct SpeexResamplerState_;

namespace parley::media {

class Resampler {
 public:
  // quality 0..10 (SpeexDSP); 5 is its VoIP default, 3 is cheaper and still transparent for speech.
  Resampler(std::uint32_t channels, std::uint32_t from_hz, std::uint32_t to_hz, int quality = 5);
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  ~Resampler();

  [[nodiscard]] bool passthrough() const { return from_hz_ == to_hz_; }
  // Converts interleaved input; output length follows the rate ratio (the
  // resampler keeps its filter history between calls).
  std::vector<std::int16_t> process(std::span<const std::int16_t> input);
  // Samples per channel of delay the filter adds, at the output rate.
  [[nodiscard]] std::uint32_t delay_samples() const;

 private:
  SpeexResamplerState_* state_ = nullptr;
  std::uint32_t channels_;
  std::uint32_t from_hz_;
  std::uint32_t to_hz_;
};

}  // namespace parley::media
