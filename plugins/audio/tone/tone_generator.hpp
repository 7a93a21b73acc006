// Test signals for any rate and channel count: a sine tone, silence, or white
// noise, optionally ending after a set duration.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace parley::tone {

struct ToneSettings {
  double frequency_hz = 440;                 // 0: silence
  double level_dbfs = -12;                   // peak level; 0 dBFS is a full-scale sine
  bool noise = false;                        // white noise of that peak level instead of a tone
  std::optional<std::uint64_t> duration_ms;  // none: endless
  std::uint64_t noise_seed = 1;
};

class ToneGenerator {
 public:
  // Throws std::invalid_argument for a frequency at or above Nyquist, a level
  // above 0 dBFS, or a zero rate or channel count.
  ToneGenerator(const ToneSettings& settings, std::uint32_t sample_rate_hz, std::uint32_t channels);

  // Fills pcm (interleaved, a whole number of frames) and returns the frames
  // written: fewer than asked only when the duration ends, then 0.
  std::size_t generate(std::span<std::int16_t> pcm);

 private:
  [[nodiscard]] double next_value();
  ToneSettings settings_;
  std::uint32_t channels_;
  double amplitude_;
  double phase_ = 0;   // radians, kept in [0, 2 pi) so precision never decays
  double phase_step_;  // radians per sample
  std::uint64_t noise_state_;
  std::optional<std::uint64_t> frames_left_;
};

}  // namespace parley::tone
