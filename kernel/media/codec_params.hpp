// The codec parameters both call directions start from.
#pragma once

#include <cstdint>

#include "parley/abi/codec.h"

namespace parley::media {

// Rate, channels and frame; codec-default bitrate and complexity, VBR on,
// FEC and DTX off, no options (point .options at a string the caller keeps).
parley_codec_params codec_params(std::uint32_t sample_rate_hz, std::uint32_t channels,
                                 std::uint32_t frame_duration_ms);

}  // namespace parley::media
