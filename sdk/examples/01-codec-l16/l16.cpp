// L16 (RFC 3551 section 4.5.11): uncompressed 16-bit PCM in network byte order.
// A lossless reference for codec experiments, and a whole codec plugin in one screen.
#include <parley/sdk/codec.hpp>

namespace {

struct L16 {
  static parley::sdk::CodecInfo info() {
    parley::sdk::CodecInfo info;
    info.rtp_encoding_name = "L16";
    info.rtp_clock_rate_hz = 16000;
    info.sample_rates_hz = {16000};  // RTP clock = sample rate for L16
    info.max_channels = 2;
    info.frame_durations_ms = {10, 20};
    info.max_payload_bytes = 16000 / 50 * 2 * 2;  // 20 ms, stereo
    return info;
  }
  class Encoder {
   public:
    explicit Encoder(const parley::sdk::CodecParams&) {}
    std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
      if (out.size() < pcm.size() * 2) throw parley::sdk::Error(PARLEY_ERR_BUFFER_TOO_SMALL, "L16");
      for (std::size_t i = 0; i < pcm.size(); ++i) {
        const auto s = static_cast<std::uint16_t>(pcm[i]);
        out[2 * i] = static_cast<std::uint8_t>(s >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(s & 0xff);
      }
      return pcm.size() * 2;
    }
  };
  class Decoder {
   public:
    explicit Decoder(const parley::sdk::CodecParams& p)
        : frame_(p.samples_per_channel() * p.channels), channels_(p.channels) {}
    std::size_t decode(const parley::sdk::DecodeRequest& request, std::span<std::int16_t> pcm) {
      const auto samples = request.lost ? frame_ : request.payload.size() / 2;
      if (request.payload.size() % (2 * channels_) != 0 || pcm.size() < samples) {
        throw parley::sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "L16 payload size");
      }
      for (std::size_t i = 0; i < samples; ++i) {  // a lost frame is silence
        pcm[i] = request.lost ? 0
                              : static_cast<std::int16_t>((request.payload[2 * i] << 8) |
                                                          request.payload[2 * i + 1]);
      }
      return samples / channels_;
    }

   private:
    std::size_t frame_;
    std::size_t channels_;
  };
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.example.codec.l16",
    .display_name = "L16 linear PCM (example)",
    .version = "1.0.0",
    .license = "MIT",
    .description = "RFC 3551 L16: the SDK's example plugin",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::codec<L16>("l16", 1))
