#include "media/frame_decoder.hpp"

#include <algorithm>

namespace parley::media {
namespace {

// RFC 6716 and most codecs stop at 120 ms per packet.
constexpr std::uint32_t kLongestPacketMs = 120;

}  // namespace

FrameDecoder::FrameDecoder(const plugin::CodecPlugin& codec, const parley_codec_params& params)
    : decoder_(codec.make_decoder(params)),
      channels_(params.channels),
      scratch_(std::size_t{params.sample_rate_hz} * kLongestPacketMs / 1000 * params.channels),
      frame_(std::size_t{params.sample_rate_hz} * params.frame_duration_ms / 1000 *
             params.channels) {
  if ((codec.info().capabilities & PARLEY_CODEC_CAP_PLC) == 0) {
    concealer_.emplace(params.sample_rate_hz, params.channels);
  }
}

std::optional<std::size_t> FrameDecoder::run(std::span<const std::uint8_t> payload, bool lost,
                                             bool fec) {
  try {
    return decoder_.decode(payload, lost, fec, scratch_);
  } catch (const plugin::PluginCallError&) {
    ++stats_.decode_errors;
    return std::nullopt;
  }
}

std::span<const std::int16_t> FrameDecoder::fit_frame(std::size_t samples_per_channel) {
  // The jitter buffer deals in whole frames of the negotiated duration; a
  // packet holding more is cut, one holding less is padded with silence.
  const std::size_t got = samples_per_channel * channels_;
  if (got != frame_.size()) ++stats_.size_mismatches;
  const std::size_t used = std::min(got, frame_.size());
  std::copy_n(scratch_.begin(), used, frame_.begin());
  std::fill(frame_.begin() + static_cast<std::ptrdiff_t>(used), frame_.end(), std::int16_t{0});
  return frame_;
}

std::span<const std::int16_t> FrameDecoder::decode(std::span<const std::uint8_t> payload) {
  const auto samples = payload.empty() ? std::nullopt : run(payload, false, false);
  if (!samples) return conceal();
  ++stats_.frames_decoded;
  fit_frame(*samples);
  if (concealer_) concealer_->on_good_frame(frame_);
  return frame_;
}

std::span<const std::int16_t> FrameDecoder::decode_fec(std::span<const std::uint8_t> next_payload) {
  if (concealer_ || next_payload.empty()) return conceal();
  const auto samples = run(next_payload, false, true);
  if (!samples) return conceal();
  ++stats_.frames_fec_decoded;
  return fit_frame(*samples);
}

std::span<const std::int16_t> FrameDecoder::conceal() {
  ++stats_.frames_concealed;
  if (concealer_) {
    concealer_->conceal(frame_);
    return frame_;
  }
  const auto samples = run({}, true, false);
  if (!samples) {
    std::fill(frame_.begin(), frame_.end(), std::int16_t{0});
    return frame_;
  }
  return fit_frame(*samples);
}

}  // namespace parley::media
