#include "speex_codec.hpp"

#include <speex/speex.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace parley::speex {
namespace {

using sdk::Error;

constexpr std::uint32_t kFrameDurationMs = 20;
constexpr std::uint32_t kMaxFramesPerPacket = 3;  // 60 ms
constexpr std::size_t kMaxFrameSamples = 640;     // 20 ms at 32 kHz
constexpr int kDefaultQuality = 8;                // libspeex's own default
// The shortest frame: the wideband flag bit and a 4-bit narrowband mode. Fewer
// bits left over are padding (RFC 5574 3.3), not another frame.
constexpr int kShortestFrameBits = 5;
// speex_decode: 0 decoded, -1 end of stream (terminator), -2 corrupt stream.
constexpr int kEndOfStream = -1;

const SpeexMode* mode_for_rate(std::uint32_t sample_rate_hz) {
  switch (sample_rate_hz) {
    case 8000: return speex_lib_get_mode(SPEEX_MODEID_NB);
    case 16000: return speex_lib_get_mode(SPEEX_MODEID_WB);
    case 32000: return speex_lib_get_mode(SPEEX_MODEID_UWB);
    default: throw Error(PARLEY_ERR_UNSUPPORTED, "speex: no mode for this sample rate");
  }
}

template <typename Value>
void encoder_ctl(void* state, int request, Value value) {
  if (speex_encoder_ctl(state, request, &value) != 0) {
    throw Error(PARLEY_ERR_INTERNAL, "speex: encoder refused request " + std::to_string(request));
  }
}

std::int32_t bitrate_at_quality(void* encoder, std::int32_t quality) {
  encoder_ctl(encoder, SPEEX_SET_QUALITY, quality);
  std::int32_t bitrate_bps = 0;
  speex_encoder_ctl(encoder, SPEEX_GET_BITRATE, &bitrate_bps);
  return bitrate_bps;
}

struct BitrateRange {
  std::int32_t min_bps;
  std::int32_t max_bps;
};

// Asked of libspeex rather than copied from its manual, so the info stays true
// to the library actually linked.
BitrateRange bitrate_range(void* encoder) {
  return {bitrate_at_quality(encoder, 0), bitrate_at_quality(encoder, 10)};
}

std::int16_t to_pcm16(float sample) {
  return static_cast<std::int16_t>(std::lrint(std::clamp(sample, -32768.0f, 32767.0f)));
}

}  // namespace

sdk::CodecInfo info_for_rate(std::uint32_t sample_rate_hz) {
  void* encoder = speex_encoder_init(mode_for_rate(sample_rate_hz));
  if (encoder == nullptr) throw Error(PARLEY_ERR_INTERNAL, "speex: encoder_init failed");
  const auto range = bitrate_range(encoder);
  speex_encoder_destroy(encoder);

  sdk::CodecInfo info;
  info.rtp_encoding_name = "speex";
  info.rtp_clock_rate_hz = sample_rate_hz;  // RFC 5574: the codec's own rate
  info.static_payload_type = PARLEY_RTP_PT_DYNAMIC;
  info.sample_rates_hz = {sample_rate_hz};
  info.max_channels = 1;
  info.frame_durations_ms = {20, 40, 60};  // one to three 20 ms Speex frames per packet
  info.capabilities =
      PARLEY_CODEC_CAP_PLC | PARLEY_CODEC_CAP_VBR | PARLEY_CODEC_CAP_DTX | PARLEY_CODEC_CAP_BITRATE;
  info.min_bitrate_bps = static_cast<std::uint32_t>(range.min_bps);
  info.max_bitrate_bps = static_cast<std::uint32_t>(range.max_bps);
  // Three frames at the top rate, rounded up to whole bytes by the terminator.
  info.max_payload_bytes =
      (info.max_bitrate_bps * kMaxFramesPerPacket * kFrameDurationMs / 1000 + 7) / 8;
  return info;
}

struct Encoder::State {
  void* codec = nullptr;
  SpeexBits bits{};
  std::size_t frame_samples = 0;
  BitrateRange bitrate{};
  bool dtx = false;

  explicit State(const SpeexMode* mode) : codec(speex_encoder_init(mode)) {
    if (codec == nullptr) throw Error(PARLEY_ERR_INTERNAL, "speex: encoder_init failed");
    speex_bits_init(&bits);
  }
  ~State() {
    speex_bits_destroy(&bits);
    speex_encoder_destroy(codec);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

Encoder::Encoder(const sdk::CodecParams& params)
    : state_(std::make_unique<State>(mode_for_rate(params.sample_rate_hz))) {
  std::int32_t frame_samples = 0;
  speex_encoder_ctl(state_->codec, SPEEX_GET_FRAME_SIZE, &frame_samples);
  state_->frame_samples = static_cast<std::size_t>(frame_samples);
  state_->bitrate = bitrate_range(state_->codec);
  update(params);
}

Encoder::~Encoder() = default;

void Encoder::update(const sdk::CodecParams& params) {
  const auto bitrate_bps = static_cast<std::int64_t>(params.bitrate_bps);
  if (bitrate_bps != 0 &&
      (bitrate_bps < state_->bitrate.min_bps || bitrate_bps > state_->bitrate.max_bps)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "speex: bitrate outside this mode's range");
  }
  if (params.complexity < -1 || params.complexity > 10) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "speex: complexity outside 0..10");
  }
  void* codec = state_->codec;
  const auto bitrate = static_cast<std::int32_t>(bitrate_bps);
  encoder_ctl(codec, SPEEX_SET_ABR, std::int32_t{0});  // clears any earlier average-rate target
  if (params.vbr) {
    if (bitrate != 0) {
      encoder_ctl(codec, SPEEX_SET_ABR, bitrate);  // VBR steered to this average
    } else {
      encoder_ctl(codec, SPEEX_SET_VBR, std::int32_t{1});
      encoder_ctl(codec, SPEEX_SET_VBR_QUALITY, static_cast<float>(kDefaultQuality));
    }
  } else {
    encoder_ctl(codec, SPEEX_SET_VBR, std::int32_t{0});
    if (bitrate != 0) {
      encoder_ctl(codec, SPEEX_SET_BITRATE, bitrate);
    } else {
      encoder_ctl(codec, SPEEX_SET_QUALITY, std::int32_t{kDefaultQuality});
    }
  }
  // libspeex only finds silence to skip when VBR or VAD analyses the signal.
  encoder_ctl(codec, SPEEX_SET_VAD, std::int32_t{params.dtx && !params.vbr ? 1 : 0});
  encoder_ctl(codec, SPEEX_SET_DTX, std::int32_t{params.dtx ? 1 : 0});
  if (params.complexity >= 0) {
    encoder_ctl(codec, SPEEX_SET_COMPLEXITY, std::max<std::int32_t>(1, params.complexity));
  }
  state_->dtx = params.dtx;
}

std::size_t Encoder::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  auto& state = *state_;
  speex_bits_reset(&state.bits);
  bool any_frame_to_send = false;
  std::array<float, kMaxFrameSamples> frame{};  // libspeex uses its input as scratch space
  for (std::size_t at = 0; at + state.frame_samples <= pcm.size(); at += state.frame_samples) {
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(at), state.frame_samples, frame.begin());
    // 0 means "need not be transmitted" (DTX); the frame's bits are still written.
    if (speex_encode(state.codec, frame.data(), &state.bits) != 0) any_frame_to_send = true;
  }
  if (state.dtx && !any_frame_to_send) return 0;
  // Pads the last byte with 0 then 1s, which a decoder reads as end of stream
  // rather than as one more (null) frame.
  speex_bits_insert_terminator(&state.bits);
  const int size = speex_bits_nbytes(&state.bits);
  if (static_cast<std::size_t>(size) > out.size()) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "speex: output too small for the payload");
  }
  return static_cast<std::size_t>(
      speex_bits_write(&state.bits, reinterpret_cast<char*>(out.data()), size));
}

struct Decoder::State {
  void* codec = nullptr;
  SpeexBits bits{};
  std::array<char, kMaxPayloadBytes> payload_copy{};
  std::size_t frame_samples = 0;
  std::size_t frames_per_packet = 1;

  explicit State(const SpeexMode* mode) : codec(speex_decoder_init(mode)) {
    if (codec == nullptr) throw Error(PARLEY_ERR_INTERNAL, "speex: decoder_init failed");
    // Our buffer, not libspeex's: it cannot grow, so every payload is checked
    // against it before speex_bits_read_from (which would truncate quietly).
    speex_bits_init_buffer(&bits, payload_copy.data(), static_cast<int>(payload_copy.size()));
  }
  ~State() {
    speex_bits_destroy(&bits);
    speex_decoder_destroy(codec);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

Decoder::Decoder(const sdk::CodecParams& params)
    : state_(std::make_unique<State>(mode_for_rate(params.sample_rate_hz))) {
  std::int32_t frame_samples = 0;
  speex_decoder_ctl(state_->codec, SPEEX_GET_FRAME_SIZE, &frame_samples);
  state_->frame_samples = static_cast<std::size_t>(frame_samples);
  state_->frames_per_packet = params.frame_duration_ms / kFrameDurationMs;
}

Decoder::~Decoder() = default;

std::size_t Decoder::decode(const sdk::DecodeRequest& request, std::span<std::int16_t> pcm) {
  auto& state = *state_;
  std::array<float, kMaxFrameSamples> frame{};
  auto emit = [&](std::size_t index) {
    std::transform(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(state.frame_samples),
                   pcm.begin() + static_cast<std::ptrdiff_t>(index * state.frame_samples),
                   to_pcm16);
  };
  if (request.lost || request.fec) {
    if (state.frames_per_packet * state.frame_samples > pcm.size()) {
      throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "speex: output shorter than a packet");
    }
    for (std::size_t f = 0; f < state.frames_per_packet; ++f) {
      speex_decode(state.codec, nullptr, frame.data());
      emit(f);
    }
    return state.frames_per_packet * state.frame_samples;
  }
  if (request.payload.empty() || request.payload.size() > kMaxPayloadBytes) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "speex: payload empty or over 1500 bytes");
  }
  speex_bits_read_from(&state.bits, reinterpret_cast<const char*>(request.payload.data()),
                       static_cast<int>(request.payload.size()));
  std::size_t frames = 0;
  while (speex_bits_remaining(&state.bits) >= kShortestFrameBits) {
    // Decoded before the room check: only the decoder knows whether the bits
    // left are one more frame or the terminator.
    const int result = speex_decode(state.codec, &state.bits, frame.data());
    if (result == kEndOfStream) break;
    if (result != 0 || speex_bits_remaining(&state.bits) < 0) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "speex: corrupt payload");
    }
    if ((frames + 1) * state.frame_samples > pcm.size()) {
      throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "speex: payload holds more frames than fit");
    }
    emit(frames++);
  }
  if (frames == 0) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "speex: payload holds no frame");
  return frames * state.frame_samples;
}

}  // namespace parley::speex
