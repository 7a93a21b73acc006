#include "tone_generator.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace parley::tone {

ToneGenerator::ToneGenerator(const ToneSettings& settings, std::uint32_t sample_rate_hz,
                             std::uint32_t channels)
    : settings_(settings),
      channels_(channels),
      amplitude_(32767.0 * std::pow(10.0, settings.level_dbfs / 20.0)),
      phase_step_(2 * std::numbers::pi * settings.frequency_hz / sample_rate_hz),
      // xorshift64* must not start at zero.
      noise_state_(settings.noise_seed == 0 ? 0x9e3779b97f4a7c15ull : settings.noise_seed) {
  if (sample_rate_hz == 0 || channels == 0) {
    throw std::invalid_argument("tone needs a sample rate and a channel count");
  }
  if (!(settings.frequency_hz >= 0) || settings.frequency_hz >= sample_rate_hz / 2.0) {
    throw std::invalid_argument("freq_hz must be at least 0 and below half the sample rate (" +
                                std::to_string(sample_rate_hz / 2) + " Hz)");
  }
  if (!(settings.level_dbfs <= 0)) throw std::invalid_argument("level_dbfs must be at most 0");
  if (settings.duration_ms) frames_left_ = *settings.duration_ms * sample_rate_hz / 1000;
}

double ToneGenerator::next_value() {
  if (settings_.noise) {
    noise_state_ ^= noise_state_ >> 12;
    noise_state_ ^= noise_state_ << 25;
    noise_state_ ^= noise_state_ >> 27;
    const std::uint64_t bits = noise_state_ * 0x2545f4914f6cdd1dull;
    const double uniform = static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
    return amplitude_ * (2 * uniform - 1);
  }
  if (settings_.frequency_hz == 0) return 0;
  const double value = amplitude_ * std::sin(phase_);
  phase_ += phase_step_;
  if (phase_ >= 2 * std::numbers::pi) phase_ -= 2 * std::numbers::pi;
  return value;
}

std::size_t ToneGenerator::generate(std::span<std::int16_t> pcm) {
  if (pcm.size() % channels_ != 0) {
    throw std::invalid_argument("ToneGenerator::generate: not a whole number of frames");
  }
  std::size_t frames = pcm.size() / channels_;
  if (frames_left_) {
    frames = static_cast<std::size_t>(std::min<std::uint64_t>(frames, *frames_left_));
    *frames_left_ -= frames;
  }
  for (std::size_t frame = 0; frame < frames; ++frame) {
    const auto sample = static_cast<std::int16_t>(std::lround(next_value()));
    for (std::uint32_t channel = 0; channel < channels_; ++channel) {
      pcm[frame * channels_ + channel] = sample;  // the same signal on every channel
    }
  }
  return frames;
}

}  // namespace parley::tone
