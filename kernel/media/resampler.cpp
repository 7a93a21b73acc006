#include "media/resampler.hpp"

#include <speex/speex_resampler.h>

#include <stdexcept>
#include <string>

namespace parley::media {

Resampler::Resampler(std::uint32_t channels, std::uint32_t from_hz, std::uint32_t to_hz,
                     int quality)
    : channels_(channels), from_hz_(from_hz), to_hz_(to_hz) {
  if (channels == 0 || from_hz == 0 || to_hz == 0) {
    throw std::invalid_argument("resampler: channels and rates must be non-zero");
  }
  if (passthrough()) return;
  int error = 0;
  state_ = speex_resampler_init(channels, from_hz, to_hz, quality, &error);
  if (state_ == nullptr) {
    throw std::runtime_error(std::string("resampler: ") + speex_resampler_strerror(error));
  }
  speex_resampler_skip_zeros(state_);
}

Resampler::~Resampler() {
  if (state_ != nullptr) speex_resampler_destroy(state_);
}

std::vector<std::int16_t> Resampler::process(std::span<const std::int16_t> input) {
  if (passthrough()) return {input.begin(), input.end()};
  const auto in_frames = static_cast<spx_uint32_t>(input.size() / channels_);
  // Room for the ratio plus the filter's rounding.
  std::vector<std::int16_t> output((std::uint64_t{in_frames} * to_hz_ / from_hz_ + 16) * channels_);
  spx_uint32_t consumed = in_frames;
  auto produced = static_cast<spx_uint32_t>(output.size() / channels_);
  speex_resampler_process_interleaved_int(state_, input.data(), &consumed, output.data(),
                                          &produced);
  output.resize(std::size_t{produced} * channels_);
  return output;
}

std::uint32_t Resampler::delay_samples() const {
  if (passthrough()) return 0;
  return static_cast<std::uint32_t>(speex_resampler_get_output_latency(state_));
}

}  // namespace parley::media
