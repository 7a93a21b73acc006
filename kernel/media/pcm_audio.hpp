// A stretch of 16-bit PCM in memory: what a WAV file holds once read, what the
// codec lab feeds its codecs, what the demo compares a recording against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parley::media {

struct PcmAudio {
  std::vector<std::int16_t> samples;  // interleaved, channels per frame
  std::uint32_t sample_rate_hz = 0;
  std::uint32_t channels = 1;

  [[nodiscard]] double seconds() const {
    if (sample_rate_hz == 0 || channels == 0) return 0;
    const std::size_t frames = samples.size() / channels;  // whole frames only
    return static_cast<double>(frames) / sample_rate_hz;
  }
};

}  // namespace parley::media
