// A codec for kernel tests, behind the real codec ABI table: the payload is
// the frame's number (4 bytes) plus, with FEC on, the previous one's (4 more).
// Decoding fills the frame with the number + 1, FEC decoding with -(number + 1)
// of the frame it rebuilds, concealment with zeros: what was played, and how,
// can be read back from the PCM. Payloads of another size are refused.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

#include "parley/abi/codec.h"
#include "plugin/codec_plugin.hpp"

namespace parley::media::testing {

struct FakeCodecState {
  std::uint32_t frame_samples = 0;
  std::uint32_t channels = 1;
  bool fec = false;
  bool dtx = false;
  std::int32_t next_frame = 0;
};

inline std::int32_t read_number(const std::uint8_t* p) {
  return static_cast<std::int32_t>(std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                                   std::uint32_t{p[2]} << 8 | p[3]);
}
inline void write_number(std::uint8_t* p, std::int32_t value) {
  const auto v = static_cast<std::uint32_t>(value);
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

extern "C" {
inline parley_status fake_create(const parley_codec_params* params, void** out) {
  auto* state = new FakeCodecState;
  state->frame_samples = params->sample_rate_hz * params->frame_duration_ms / 1000;
  state->channels = params->channels;
  state->fec = params->fec != 0;
  state->dtx = params->dtx != 0;
  *out = state;
  return PARLEY_OK;
}
inline void fake_destroy(void* state) {
  delete static_cast<FakeCodecState*>(state);
}
inline parley_status fake_encode(void* handle, const int16_t* pcm, uint32_t samples, uint8_t* out,
                                 size_t capacity, size_t* out_size) {
  auto* state = static_cast<FakeCodecState*>(handle);
  const std::int32_t number = state->next_frame++;
  // DTX: an all-zero frame is not worth sending.
  if (state->dtx &&
      std::all_of(pcm, pcm + samples * state->channels, [](int16_t x) { return x == 0; })) {
    *out_size = 0;
    return PARLEY_OK;
  }
  const std::size_t size = state->fec ? 8 : 4;
  if (capacity < size) return PARLEY_ERR_BUFFER_TOO_SMALL;
  write_number(out, number);
  if (state->fec) write_number(out + 4, number - 1);
  *out_size = size;
  return PARLEY_OK;
}
inline parley_status fake_decode(void* handle, const uint8_t* payload, size_t size, uint32_t flags,
                                 int16_t* pcm, uint32_t capacity, uint32_t* out_samples) {
  auto* state = static_cast<FakeCodecState*>(handle);
  if (capacity < state->frame_samples) return PARLEY_ERR_BUFFER_TOO_SMALL;
  std::int16_t value = 0;
  if (payload != nullptr) {
    if (size != 4 && size != 8) return PARLEY_ERR_INVALID_ARGUMENT;
    if ((flags & PARLEY_DECODE_FEC) != 0) {
      value = size == 8 ? static_cast<std::int16_t>(-(read_number(payload + 4) + 1)) : 0;
    } else {
      value = static_cast<std::int16_t>(read_number(payload) + 1);
    }
  }
  std::fill_n(pcm, state->frame_samples * state->channels, value);
  *out_samples = state->frame_samples;
  return PARLEY_OK;
}
}

// A CodecPlugin over the fake table, as the registry would hand out.
class FakeCodec {
 public:
  explicit FakeCodec(std::uint32_t capabilities = PARLEY_CODEC_CAP_PLC | PARLEY_CODEC_CAP_FEC |
                                                  PARLEY_CODEC_CAP_DTX,
                     std::uint32_t rate_hz = 8000, std::uint32_t rtp_clock_hz = 8000) {
    rates_[0] = rate_hz;
    info_.struct_size = sizeof info_;
    info_.rtp_encoding_name = {"FAKE", 4};
    info_.rtp_clock_rate_hz = rtp_clock_hz;
    info_.static_payload_type = PARLEY_RTP_PT_DYNAMIC;
    info_.sample_rates_hz = rates_;
    info_.sample_rate_count = 1;
    info_.max_channels = 2;
    info_.frame_durations_ms = durations_;
    info_.frame_duration_count = 3;
    info_.capabilities = capabilities;
    info_.max_payload_bytes = 8;
    api_.struct_size = sizeof api_;
    api_.info = &info_;
    api_.encoder_create = fake_create;
    api_.encoder_destroy = fake_destroy;
    api_.encode = fake_encode;
    api_.decoder_create = fake_create;
    api_.decoder_destroy = fake_destroy;
    api_.decode = fake_decode;
    interface_.kind = PARLEY_KIND_CODEC;
    interface_.name = "fake";
    interface_.major = 1;
    interface_.minor = 1;
    interface_.api = &api_;
    interface_.api_size = sizeof api_;
    record_.loaded = true;
    record_.id = "org.parley.test.fake-codec";
    record_.interfaces.push_back(interface_);
    plugin_ =
        std::make_unique<plugin::CodecPlugin>(plugin::Offer{&record_, &record_.interfaces[0]});
  }
  FakeCodec(const FakeCodec&) = delete;
  FakeCodec& operator=(const FakeCodec&) = delete;
  ~FakeCodec() = default;
  [[nodiscard]] const plugin::CodecPlugin& plugin() const { return *plugin_; }

 private:
  std::uint32_t rates_[1]{};
  std::uint32_t durations_[3]{10, 20, 40};
  parley_codec_info info_{};
  parley_codec_api api_{};
  plugin::InterfaceRecord interface_;
  plugin::PluginRecord record_;
  std::unique_ptr<plugin::CodecPlugin> plugin_;
};

}  // namespace parley::media::testing
