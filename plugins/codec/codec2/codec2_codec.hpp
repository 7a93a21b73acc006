// Codec 2 behind the codec SDK. A mode is fixed for an encoder's or decoder's
// life (the bitstream does not say which mode it is), chosen by
//   options "mode=3200|2400|1600|1400|1300|1200|700C", else
//   bitrate_bps: the highest mode not above it, else 3200;
// and the packet duration must be a whole number of the mode's frames:
// 20 ms frames for 3200 and 2400, 40 ms for the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "parley/sdk/codec.hpp"

struct CODEC2;

namespace parley::codec2 {

struct Mode {
  int library_id;  // CODEC2_MODE_*
  std::uint32_t bitrate_bps;
  std::string_view name;
  std::uint32_t frame_duration_ms;
};

// Throws sdk::Error: INVALID_ARGUMENT for an unknown mode name, UNSUPPORTED
// when no mode fits the bitrate and packet duration.
const Mode& choose_mode(const sdk::CodecParams& params);

struct Codec2 {
  static sdk::CodecInfo info();

  struct Release {
    void operator()(CODEC2* state) const;
  };

  class Encoder {
   public:
    explicit Encoder(const sdk::CodecParams& params);
    std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);

   private:
    std::unique_ptr<CODEC2, Release> state_;
    std::size_t frame_samples_;
    std::size_t frame_bytes_;
  };

  class Decoder {
   public:
    explicit Decoder(const sdk::CodecParams& params);
    // Payloads are whole frames of the configured mode. Codec 2 has no
    // concealment: a loss replays the last good frame, fading to silence
    // over 100 ms.
    std::size_t decode(const sdk::DecodeRequest& request, std::span<std::int16_t> pcm);

   private:
    void conceal(std::span<std::int16_t> pcm);
    std::unique_ptr<CODEC2, Release> state_;
    std::size_t frame_samples_;
    std::size_t frame_bytes_;
    std::size_t frames_per_packet_;
    std::vector<unsigned char> last_good_frame_;
    std::size_t concealed_samples_ = 0;
  };
};

}  // namespace parley::codec2
