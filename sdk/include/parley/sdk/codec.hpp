// Codec plugins in C++. A codec is a type T with:
//   static parley::sdk::CodecInfo info();
//   class T::Encoder { explicit Encoder(const CodecParams&);
//                      std::size_t encode(std::span<const std::int16_t> pcm,
//                                         std::span<std::uint8_t> out);   // bytes, 0 = DTX
//                      void update(const CodecParams&); };                // optional
//   class T::Decoder { explicit Decoder(const CodecParams&);
//                      std::size_t decode(const DecodeRequest&,
//                                         std::span<std::int16_t> pcm); };  // samples/channel
// and is registered with parley::sdk::codec<T>("name", score).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "parley/abi/codec.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

struct CodecInfo {
  std::string_view rtp_encoding_name;
  std::uint32_t rtp_clock_rate_hz = 8000;
  std::uint32_t static_payload_type = PARLEY_RTP_PT_DYNAMIC;
  std::vector<std::uint32_t> sample_rates_hz{8000};
  std::uint32_t max_channels = 1;
  std::vector<std::uint32_t> frame_durations_ms{20};
  std::uint32_t capabilities = 0;
  std::uint32_t min_bitrate_bps = 0;
  std::uint32_t max_bitrate_bps = 0;
  std::uint32_t max_payload_bytes = 1500;
};

struct CodecParams {
  std::uint32_t sample_rate_hz = 8000;
  std::uint32_t channels = 1;
  std::uint32_t frame_duration_ms = 20;
  std::uint32_t bitrate_bps = 0;
  std::int32_t complexity = -1;
  bool vbr = false;
  bool fec = false;
  bool dtx = false;
  std::uint8_t expected_loss_pct = 0;
  std::string_view options;

  [[nodiscard]] std::uint32_t samples_per_channel() const {
    return sample_rate_hz * frame_duration_ms / 1000;
  }
  static CodecParams from_c(const parley_codec_params& c) {
    CodecParams p;
    p.sample_rate_hz = c.sample_rate_hz;
    p.channels = c.channels;
    p.frame_duration_ms = c.frame_duration_ms;
    p.bitrate_bps = c.bitrate_bps;
    p.complexity = c.complexity;
    p.vbr = c.vbr != 0;
    p.fec = c.fec != 0;
    p.dtx = c.dtx != 0;
    p.expected_loss_pct = c.expected_loss_pct;
    p.options = sdk::from_c(c.options);
    return p;
  }
};

struct DecodeRequest {
  std::span<const std::uint8_t> payload;  // empty when lost
  bool lost = false;                      // conceal (PLC)
  bool fec = false;                       // rebuild the previous frame from this payload's FEC
};

namespace detail {

template <typename T, typename = void>
struct has_update : std::false_type {};
template <typename T>
struct has_update<
    T, std::void_t<decltype(std::declval<T&>().update(std::declval<const CodecParams&>()))>>
    : std::true_type {};

// Checks params against the codec's info before any codec code sees them.
inline void validate(const CodecInfo& info, const parley_codec_params* params) {
  if (params == nullptr || params->struct_size < sizeof(std::uint32_t) * 4) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "codec params missing or too small");
  }
  bool rate_ok = false;
  for (auto rate : info.sample_rates_hz) rate_ok = rate_ok || rate == params->sample_rate_hz;
  bool frame_ok = false;
  for (auto ms : info.frame_durations_ms) frame_ok = frame_ok || ms == params->frame_duration_ms;
  if (!rate_ok) throw Error(PARLEY_ERR_UNSUPPORTED, "unsupported sample rate");
  if (!frame_ok) throw Error(PARLEY_ERR_UNSUPPORTED, "unsupported frame duration");
  if (params->channels == 0 || params->channels > info.max_channels) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "unsupported channel count");
  }
}

template <typename T>
struct CodecAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_CODEC;
  static constexpr std::uint16_t major = PARLEY_CODEC_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_CODEC_MINOR;

  struct EncoderBox {
    CodecParams params;
    typename T::Encoder encoder;
    explicit EncoderBox(const CodecParams& p) : params(p), encoder(p) {}
  };
  struct DecoderBox {
    CodecParams params;
    typename T::Decoder decoder;
    explicit DecoderBox(const CodecParams& p) : params(p), decoder(p) {}
  };

  static const CodecInfo& info() {
    static const CodecInfo cached = T::info();
    return cached;
  }

  static parley_status encoder_create(const parley_codec_params* params, void** out) {
    return guard("encoder_create", [&] {
      if (out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      validate(info(), params);
      // Options live in the caller's memory; encoders may keep only what they copied.
      *out = new EncoderBox(CodecParams::from_c(*params));
      return PARLEY_OK;
    });
  }
  static void encoder_destroy(void* encoder) { delete static_cast<EncoderBox*>(encoder); }

  static parley_status encode(void* encoder, const std::int16_t* pcm, std::uint32_t samples,
                              std::uint8_t* out, std::size_t capacity, std::size_t* out_size) {
    return guard("encode", [&] {
      auto* box = static_cast<EncoderBox*>(encoder);
      if (box == nullptr || pcm == nullptr || out == nullptr || out_size == nullptr) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (samples != box->params.samples_per_channel()) return PARLEY_ERR_INVALID_ARGUMENT;
      *out_size = box->encoder.encode(
          std::span<const std::int16_t>(pcm, std::size_t{samples} * box->params.channels),
          std::span<std::uint8_t>(out, capacity));
      return PARLEY_OK;
    });
  }

  static parley_status encoder_update(void* encoder, const parley_codec_params* params) {
    return guard("encoder_update", [&] {
      auto* box = static_cast<EncoderBox*>(encoder);
      if (box == nullptr || params == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      if constexpr (has_update<typename T::Encoder>::value) {
        auto next = CodecParams::from_c(*params);
        next.sample_rate_hz = box->params.sample_rate_hz;  // fixed for an encoder's life
        next.channels = box->params.channels;
        next.frame_duration_ms = box->params.frame_duration_ms;
        box->encoder.update(next);
        box->params = next;
        return PARLEY_OK;
      } else {
        return PARLEY_ERR_UNSUPPORTED;
      }
    });
  }

  static parley_status decoder_create(const parley_codec_params* params, void** out) {
    return guard("decoder_create", [&] {
      if (out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      validate(info(), params);
      *out = new DecoderBox(CodecParams::from_c(*params));
      return PARLEY_OK;
    });
  }
  static void decoder_destroy(void* decoder) { delete static_cast<DecoderBox*>(decoder); }

  static parley_status decode(void* decoder, const std::uint8_t* payload, std::size_t size,
                              std::uint32_t flags, std::int16_t* pcm, std::uint32_t capacity,
                              std::uint32_t* out_samples) {
    return guard("decode", [&] {
      auto* box = static_cast<DecoderBox*>(decoder);
      if (box == nullptr || pcm == nullptr || out_samples == nullptr) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (payload == nullptr && size != 0) return PARLEY_ERR_INVALID_ARGUMENT;
      DecodeRequest request;
      request.lost = payload == nullptr;
      request.fec = (flags & PARLEY_DECODE_FEC) != 0;
      if (payload != nullptr) request.payload = {payload, size};
      const auto channels = box->params.channels;
      const auto samples = box->decoder.decode(
          request, std::span<std::int16_t>(pcm, std::size_t{capacity} * channels));
      if (samples > capacity) return PARLEY_ERR_BUFFER_TOO_SMALL;
      *out_samples = static_cast<std::uint32_t>(samples);
      return PARLEY_OK;
    });
  }

  static const void* get_api() {
    return build_table_once<parley_codec_api>("codec", [] {
      static parley_codec_info c_info{};
      const auto& i = info();
      c_info.struct_size = sizeof(parley_codec_info);
      c_info.rtp_encoding_name = to_c(i.rtp_encoding_name);
      c_info.rtp_clock_rate_hz = i.rtp_clock_rate_hz;
      c_info.static_payload_type = i.static_payload_type;
      c_info.sample_rates_hz = i.sample_rates_hz.data();
      c_info.sample_rate_count = static_cast<std::uint32_t>(i.sample_rates_hz.size());
      c_info.max_channels = i.max_channels;
      c_info.frame_durations_ms = i.frame_durations_ms.data();
      c_info.frame_duration_count = static_cast<std::uint32_t>(i.frame_durations_ms.size());
      c_info.capabilities = i.capabilities;
      c_info.min_bitrate_bps = i.min_bitrate_bps;
      c_info.max_bitrate_bps = i.max_bitrate_bps;
      c_info.max_payload_bytes = i.max_payload_bytes;

      parley_codec_api api{};
      api.struct_size = sizeof(parley_codec_api);
      api.info = &c_info;
      api.encoder_create = &encoder_create;
      api.encoder_destroy = &encoder_destroy;
      api.encode = &encode;
      api.decoder_create = &decoder_create;
      api.decoder_destroy = &decoder_destroy;
      api.decode = &decode;
      api.encoder_update = &encoder_update;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface codec(std::string_view name, std::int32_t score = 0) {
  return make_interface<detail::CodecAdapter<T>>(name, score);
}

}  // namespace parley::sdk
