#include "gsm_codec.hpp"

#include <gsm.h>

#include <algorithm>

namespace parley::gsm_fr {
namespace {

using sdk::Error;

constexpr std::uint32_t kFrameDurationMs = 20;
constexpr std::uint32_t kBitrateBps = 13200;  // 33 bytes every 20 ms
constexpr std::size_t kMaxFramesPerPacket = 3;
// gsm_explode's parameter vector: 8 LAR codes, then per 5 ms sub-frame
// Nc, bc, Mc, xmaxc and 13 xmc; xmaxc is the sub-frame's block amplitude.
constexpr std::size_t kParameterCount = 76;
constexpr std::size_t kFirstXmaxc = 11;
constexpr std::size_t kSubframeStride = 17;
constexpr std::size_t kSubframes = 4;
// GSM 06.11: each further lost frame lowers xmaxc by 4 (about 3 dB) and after
// 16 frames (320 ms) the output is muted.
constexpr gsm_signal kXmaxcStepPerLostFrame = 4;
constexpr int kLostFramesBeforeSilence = 16;

bool has_signature(std::span<const std::uint8_t> frame) {
  return (frame[0] >> 4) == GSM_MAGIC;
}

struct GsmHandle {
  ::gsm handle = gsm_create();
  GsmHandle() {
    if (handle == nullptr) throw Error(PARLEY_ERR_INTERNAL, "gsm: gsm_create failed");
  }
  ~GsmHandle() { gsm_destroy(handle); }
  GsmHandle(const GsmHandle&) = delete;
  GsmHandle& operator=(const GsmHandle&) = delete;
};

}  // namespace

sdk::CodecInfo GsmFullRate::info() {
  sdk::CodecInfo info;
  info.rtp_encoding_name = "GSM";
  info.rtp_clock_rate_hz = 8000;
  info.static_payload_type = 3;
  info.sample_rates_hz = {8000};
  info.max_channels = 1;
  info.frame_durations_ms = {20, 40, 60};  // RFC 3551 4.5.8: frames simply concatenate
  info.capabilities = PARLEY_CODEC_CAP_PLC;
  info.min_bitrate_bps = info.max_bitrate_bps = kBitrateBps;
  info.max_payload_bytes = kMaxFramesPerPacket * kFrameBytes;
  return info;
}

struct GsmFullRate::Encoder::State {
  GsmHandle gsm;
};

GsmFullRate::Encoder::Encoder(const sdk::CodecParams& /*params*/)
    : state_(std::make_unique<State>()) {}
GsmFullRate::Encoder::~Encoder() = default;

std::size_t GsmFullRate::Encoder::encode(std::span<const std::int16_t> pcm,
                                         std::span<std::uint8_t> out) {
  const std::size_t frames = pcm.size() / kFrameSamples;
  if (out.size() < frames * kFrameBytes) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "gsm: output holds fewer than the frames");
  }
  std::array<gsm_signal, kFrameSamples> block{};  // libgsm takes its input non-const
  for (std::size_t f = 0; f < frames; ++f) {
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(f * kFrameSamples), kFrameSamples,
                block.begin());
    gsm_encode(state_->gsm.handle, block.data(), out.data() + f * kFrameBytes);
  }
  return frames * kFrameBytes;
}

struct GsmFullRate::Decoder::State {
  GsmHandle gsm;
  std::size_t frames_per_packet = 1;
  std::array<gsm_byte, kFrameBytes> last_good{};
  bool has_last_good = false;
  int lost_in_a_row = 0;
};

GsmFullRate::Decoder::Decoder(const sdk::CodecParams& params) : state_(std::make_unique<State>()) {
  state_->frames_per_packet = params.frame_duration_ms / kFrameDurationMs;
}
GsmFullRate::Decoder::~Decoder() = default;

std::size_t GsmFullRate::Decoder::decode(const sdk::DecodeRequest& request,
                                         std::span<std::int16_t> pcm) {
  auto& state = *state_;
  const std::size_t frames =
      request.lost || request.fec ? state.frames_per_packet : request.payload.size() / kFrameBytes;
  if (!request.lost && !request.fec &&
      (request.payload.empty() || request.payload.size() % kFrameBytes != 0)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                "gsm: payload is not a whole number of 33-byte frames");
  }
  if (frames * kFrameSamples > pcm.size()) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "gsm: output shorter than the payload");
  }
  if (request.lost || request.fec) {
    for (std::size_t f = 0; f < frames; ++f) conceal_frame(pcm.subspan(f * kFrameSamples));
    return frames * kFrameSamples;
  }
  // Checked for every frame first, so a bad packet changes no decoder state.
  for (std::size_t f = 0; f < frames; ++f) {
    if (!has_signature(request.payload.subspan(f * kFrameBytes, kFrameBytes))) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "gsm: frame without the 0xD signature");
    }
  }
  for (std::size_t f = 0; f < frames; ++f) {
    std::copy_n(request.payload.begin() + static_cast<std::ptrdiff_t>(f * kFrameBytes), kFrameBytes,
                state.last_good.begin());
    if (gsm_decode(state.gsm.handle, state.last_good.data(), pcm.data() + f * kFrameSamples) != 0) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "gsm: frame refused by libgsm");
    }
  }
  state.has_last_good = true;
  state.lost_in_a_row = 0;
  return frames * kFrameSamples;
}

void GsmFullRate::Decoder::conceal_frame(std::span<std::int16_t> pcm) {
  auto& state = *state_;
  ++state.lost_in_a_row;
  if (!state.has_last_good || state.lost_in_a_row > kLostFramesBeforeSilence) {
    std::fill_n(pcm.begin(), kFrameSamples, std::int16_t{0});
    return;
  }
  std::array<gsm_signal, kParameterCount> parameters{};
  gsm_explode(state.gsm.handle, state.last_good.data(), parameters.data());
  const auto attenuation =
      static_cast<gsm_signal>(kXmaxcStepPerLostFrame * (state.lost_in_a_row - 1));
  for (std::size_t sub = 0; sub < kSubframes; ++sub) {
    auto& xmaxc = parameters[kFirstXmaxc + sub * kSubframeStride];
    xmaxc = static_cast<gsm_signal>(std::max(0, xmaxc - attenuation));
  }
  std::array<gsm_byte, kFrameBytes> substitute{};
  gsm_implode(state.gsm.handle, parameters.data(), substitute.data());
  gsm_decode(state.gsm.handle, substitute.data(), pcm.data());
}

}  // namespace parley::gsm_fr
