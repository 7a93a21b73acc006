#include "opus_codec.hpp"

#include <opus.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace parley::opus {
namespace {

using sdk::Error;

constexpr std::uint32_t kMinBitrateBps = 6000;
constexpr std::uint32_t kMaxBitrateBps = 510000;
// libopus's recommended output buffer; 60 ms at 510 kbit/s is 3825 bytes.
constexpr std::uint32_t kMaxPayloadBytes = 4000;
// With fewer bytes libopus can only emit a bare TOC byte, which decodes as a lost frame.
constexpr std::size_t kMinUsefulPayloadBytes = 3;
// libopus: "if the return value is 2 bytes or less, the packet does not need to be transmitted".
constexpr int kLargestDtxPacketBytes = 2;
// Opus only adds LBRR (FEC) data when told to expect some loss; a caller that turns
// FEC on without an estimate still wants recoverable frames.
constexpr int kDefaultFecLossPct = 10;

// Value of `key` in a "key=value;key=value" options string. Unknown keys are
// ignored, as SDP does with unknown fmtp parameters.
std::optional<std::string_view> option(std::string_view options, std::string_view key) {
  constexpr std::string_view kSpace = " \t";
  auto trim = [&](std::string_view text) {
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::string_view{};
    return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  };
  while (!options.empty()) {
    const auto end = std::min(options.find(';'), options.size());
    const auto item = options.substr(0, end);
    options.remove_prefix(std::min(end + 1, options.size()));
    const auto equals = item.find('=');
    if (equals != std::string_view::npos && trim(item.substr(0, equals)) == key) {
      return trim(item.substr(equals + 1));
    }
  }
  return std::nullopt;
}

int application_from(std::string_view options) {
  const auto value = option(options, "application").value_or("voip");
  if (value == "voip") return OPUS_APPLICATION_VOIP;
  if (value == "audio") return OPUS_APPLICATION_AUDIO;
  if (value == "lowdelay") return OPUS_APPLICATION_RESTRICTED_LOWDELAY;
  throw Error(PARLEY_ERR_INVALID_ARGUMENT,
              "opus: application must be voip, audio or lowdelay, not " + std::string(value));
}

// Negative libopus results are error codes; everything else is success.
void check(int result, const char* what) {
  if (result >= 0) return;
  parley_status status = PARLEY_ERR_INTERNAL;
  if (result == OPUS_BAD_ARG || result == OPUS_INVALID_PACKET) status = PARLEY_ERR_INVALID_ARGUMENT;
  if (result == OPUS_BUFFER_TOO_SMALL) status = PARLEY_ERR_BUFFER_TOO_SMALL;
  throw Error(status, std::string("opus: ") + what + ": " + opus_strerror(result));
}

// Settings that may change mid-call; validated before any is applied so a refused
// update leaves the encoder as it was.
void apply_adjustable(OpusEncoder* encoder, const sdk::CodecParams& params) {
  if (params.bitrate_bps != 0 &&
      (params.bitrate_bps < kMinBitrateBps || params.bitrate_bps > kMaxBitrateBps)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "opus: bitrate outside 6000..510000 bps");
  }
  if (params.complexity < -1 || params.complexity > 10) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "opus: complexity outside 0..10");
  }
  if (params.expected_loss_pct > 100) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "opus: expected loss above 100%");
  }
  const int bitrate = params.bitrate_bps == 0 ? OPUS_AUTO : static_cast<int>(params.bitrate_bps);
  check(opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate)), "bitrate");
  if (params.complexity >= 0) {
    check(opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(params.complexity)), "complexity");
  }
  check(opus_encoder_ctl(encoder, OPUS_SET_VBR(params.vbr ? 1 : 0)), "vbr");
  check(opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(params.fec ? 1 : 0)), "fec");
  int loss_pct = params.expected_loss_pct;
  if (params.fec && loss_pct == 0) loss_pct = kDefaultFecLossPct;
  check(opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(loss_pct)), "packet loss");
  check(opus_encoder_ctl(encoder, OPUS_SET_DTX(params.dtx ? 1 : 0)), "dtx");
}

}  // namespace

sdk::CodecInfo OpusCodec::info() {
  sdk::CodecInfo info;
  info.rtp_encoding_name = "opus";
  info.rtp_clock_rate_hz = 48000;  // RFC 7587: always 48 kHz, whatever the coded bandwidth
  info.static_payload_type = PARLEY_RTP_PT_DYNAMIC;
  info.sample_rates_hz = {8000, 12000, 16000, 24000, 48000};
  info.max_channels = 2;
  info.frame_durations_ms = {10, 20, 40, 60};
  info.capabilities = PARLEY_CODEC_CAP_PLC | PARLEY_CODEC_CAP_FEC | PARLEY_CODEC_CAP_DTX |
                      PARLEY_CODEC_CAP_VBR | PARLEY_CODEC_CAP_BITRATE;
  info.min_bitrate_bps = kMinBitrateBps;
  info.max_bitrate_bps = kMaxBitrateBps;
  info.max_payload_bytes = kMaxPayloadBytes;
  return info;
}

void OpusCodec::Encoder::Release::operator()(OpusEncoder* encoder) const {
  opus_encoder_destroy(encoder);
}

OpusCodec::Encoder::Encoder(const sdk::CodecParams& params)
    : samples_per_channel_(params.samples_per_channel()), dtx_(params.dtx) {
  const int application = application_from(params.options);
  int result = OPUS_OK;
  encoder_.reset(opus_encoder_create(static_cast<opus_int32>(params.sample_rate_hz),
                                     static_cast<int>(params.channels), application, &result));
  check(result, "encoder_create");
  apply_adjustable(encoder_.get(), params);
}

std::size_t OpusCodec::Encoder::encode(std::span<const std::int16_t> pcm,
                                       std::span<std::uint8_t> out) {
  if (out.size() < kMinUsefulPayloadBytes) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "opus: output below 3 bytes");
  }
  // A smaller buffer is a cap libopus honours by coding at a lower rate.
  const auto capacity =
      static_cast<opus_int32>(std::min<std::size_t>(out.size(), kMaxPayloadBytes));
  const int size = opus_encode(encoder_.get(), pcm.data(), static_cast<int>(samples_per_channel_),
                               out.data(), capacity);
  check(size, "encode");
  if (dtx_ && size <= kLargestDtxPacketBytes) return 0;
  return static_cast<std::size_t>(size);
}

void OpusCodec::Encoder::update(const sdk::CodecParams& params) {
  apply_adjustable(encoder_.get(), params);
  dtx_ = params.dtx;
}

void OpusCodec::Decoder::Release::operator()(OpusDecoder* decoder) const {
  opus_decoder_destroy(decoder);
}

OpusCodec::Decoder::Decoder(const sdk::CodecParams& params)
    : sample_rate_hz_(params.sample_rate_hz),
      channels_(params.channels),
      samples_per_channel_(params.samples_per_channel()) {
  int result = OPUS_OK;
  decoder_.reset(opus_decoder_create(static_cast<opus_int32>(sample_rate_hz_),
                                     static_cast<int>(channels_), &result));
  check(result, "decoder_create");
}

std::size_t OpusCodec::Decoder::decode(const sdk::DecodeRequest& request,
                                       std::span<std::int16_t> pcm) {
  const std::size_t capacity = pcm.size() / channels_;
  const std::uint8_t* data = nullptr;
  opus_int32 size = 0;
  int frame_samples = static_cast<int>(samples_per_channel_);
  int decode_fec = 0;
  if (!request.lost) {
    if (request.payload.empty()) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "opus: empty payload (a loss is a null payload)");
    }
    if (request.payload.size() > static_cast<std::size_t>(INT32_MAX)) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "opus: payload too large");
    }
    data = request.payload.data();
    size = static_cast<opus_int32>(request.payload.size());
    if (request.fec) {
      // The FEC data in this packet describes the frame before it, which had the
      // configured duration; libopus falls back to PLC when there is none.
      decode_fec = 1;
    } else {
      // Any legal packet, up to 120 ms, as long as the caller made room for it;
      // libopus refuses longer ones as invalid.
      frame_samples =
          opus_packet_get_nb_samples(data, size, static_cast<opus_int32>(sample_rate_hz_));
      check(frame_samples, "packet");
    }
  }
  if (static_cast<std::size_t>(frame_samples) > capacity) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "opus: output shorter than the packet");
  }
  const int decoded =
      opus_decode(decoder_.get(), data, size, pcm.data(), frame_samples, decode_fec);
  check(decoded, "decode");
  return static_cast<std::size_t>(decoded);
}

}  // namespace parley::opus
