#include "media/codec_params.hpp"

namespace parley::media {

parley_codec_params codec_params(std::uint32_t sample_rate_hz, std::uint32_t channels,
                                 std::uint32_t frame_duration_ms) {
  parley_codec_params params{};
  params.struct_size = sizeof params;
  params.sample_rate_hz = sample_rate_hz;
  params.channels = channels;
  params.frame_duration_ms = frame_duration_ms;
  params.complexity = -1;
  params.vbr = 1;
  return params;
}

}  // namespace parley::media
