// Opus behind the codec SDK: one encoder or decoder per call direction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "parley/sdk/codec.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace parley::opus {

struct OpusCodec {
  static sdk::CodecInfo info();

  class Encoder {
   public:
    // options: "application=voip|audio|lowdelay" (default voip).
    explicit Encoder(const sdk::CodecParams& params);
    // Returns 0 when DTX is on and the frame need not be sent.
    std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
    // Bitrate, FEC, expected loss, DTX, VBR and complexity; the application is fixed.
    void update(const sdk::CodecParams& params);

   private:
    struct Release {
      void operator()(OpusEncoder* encoder) const;
    };
    std::unique_ptr<OpusEncoder, Release> encoder_;
    std::uint32_t samples_per_channel_;
    bool dtx_ = false;
  };

  class Decoder {
   public:
    explicit Decoder(const sdk::CodecParams& params);
    // Normal packets may hold up to 120 ms; lost and FEC decodes produce one
    // configured frame.
    std::size_t decode(const sdk::DecodeRequest& request, std::span<std::int16_t> pcm);

   private:
    struct Release {
      void operator()(OpusDecoder* decoder) const;
    };
    std::unique_ptr<OpusDecoder, Release> decoder_;
    std::uint32_t sample_rate_hz_;
    std::uint32_t channels_;
    std::uint32_t samples_per_channel_;
  };
};

}  // namespace parley::opus
