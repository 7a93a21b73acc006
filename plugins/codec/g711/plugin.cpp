// codec-g711: PCMU and PCMA (RFC 3551 payload types 0 and 8).
#include "g711.hpp"
#include "parley/sdk/codec.hpp"

namespace {

using parley::sdk::CodecInfo;
using parley::sdk::CodecParams;
using parley::sdk::DecodeRequest;

template <std::uint8_t (*Compress)(std::int16_t), std::int16_t (*Expand)(std::uint8_t)>
struct Companding {
  class Encoder {
   public:
    explicit Encoder(const CodecParams& /*params*/) {}
    std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
      if (out.size() < pcm.size())
        throw parley::sdk::Error(PARLEY_ERR_BUFFER_TOO_SMALL, "g711 output");
      for (std::size_t i = 0; i < pcm.size(); ++i) out[i] = Compress(pcm[i]);
      return pcm.size();
    }
  };
  class Decoder {
   public:
    explicit Decoder(const CodecParams& params) : frame_samples_(params.samples_per_channel()) {}
    std::size_t decode(const DecodeRequest& request, std::span<std::int16_t> pcm) {
      if (request.lost || request.fec) {
        // G.711 has no concealment of its own (Appendix I is the kernel's job):
        // a lost frame is silence of one frame length.
        if (pcm.size() < frame_samples_)
          throw parley::sdk::Error(PARLEY_ERR_BUFFER_TOO_SMALL, "g711 pcm");
        std::fill_n(pcm.begin(), frame_samples_, std::int16_t{0});
        return frame_samples_;
      }
      if (pcm.size() < request.payload.size()) {
        throw parley::sdk::Error(PARLEY_ERR_BUFFER_TOO_SMALL, "g711 pcm");
      }
      for (std::size_t i = 0; i < request.payload.size(); ++i) pcm[i] = Expand(request.payload[i]);
      return request.payload.size();
    }

   private:
    std::size_t frame_samples_;
  };
};

CodecInfo g711_info(std::string_view name, std::uint32_t payload_type) {
  CodecInfo info;
  info.rtp_encoding_name = name;
  info.rtp_clock_rate_hz = 8000;
  info.static_payload_type = payload_type;
  info.sample_rates_hz = {8000};
  info.frame_durations_ms = {10, 20, 30, 40, 60};
  info.min_bitrate_bps = info.max_bitrate_bps = 64000;
  info.max_payload_bytes = 480;  // 60 ms
  return info;
}

struct Pcmu : Companding<parley::g711::linear_to_ulaw, parley::g711::ulaw_to_linear> {
  static CodecInfo info() { return g711_info("PCMU", 0); }
};
struct Pcma : Companding<parley::g711::linear_to_alaw, parley::g711::alaw_to_linear> {
  static CodecInfo info() { return g711_info("PCMA", 8); }
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.codec.g711",
    .display_name = "G.711 (PCMU, PCMA)",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "ITU-T G.711 mu-law and A-law, 8 kHz, 64 kbit/s",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::codec<Pcmu>("pcmu", 10), parley::sdk::codec<Pcma>("pcma", 9))
