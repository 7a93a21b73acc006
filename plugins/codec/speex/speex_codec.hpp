// Speex behind the codec SDK. The three bands share one encoder and decoder;
// the sample rate picks the band (each interface accepts only its own rate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "parley/sdk/codec.hpp"

namespace parley::speex {

sdk::CodecInfo info_for_rate(std::uint32_t sample_rate_hz);

class Encoder {
 public:
  // bitrate_bps is the constant rate with vbr off (the highest mode not above
  // it) and the average rate with vbr on; 0 means quality 8, libspeex's default.
  explicit Encoder(const sdk::CodecParams& params);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  // One payload of one or more 20 ms frames; 0 bytes when DTX finds them all silent.
  std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
  // Bitrate, VBR, DTX and complexity.
  void update(const sdk::CodecParams& params);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class Decoder {
 public:
  // Largest payload accepted: libspeex silently truncates input longer than its
  // bit buffer, so anything longer is refused instead.
  static constexpr std::size_t kMaxPayloadBytes = 1500;

  explicit Decoder(const sdk::CodecParams& params);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  // Decodes every frame in the payload (RFC 5574 allows several). A loss, or a
  // FEC request (Speex has no FEC), conceals one configured packet duration.
  std::size_t decode(const sdk::DecodeRequest& request, std::span<std::int16_t> pcm);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

template <std::uint32_t SampleRateHz>
struct SpeexBand {
  static sdk::CodecInfo info() { return info_for_rate(SampleRateHz); }
  using Encoder = speex::Encoder;
  using Decoder = speex::Decoder;
};
using SpeexNarrowband = SpeexBand<8000>;
using SpeexWideband = SpeexBand<16000>;
using SpeexUltraWideband = SpeexBand<32000>;

}  // namespace parley::speex
