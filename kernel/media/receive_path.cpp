#include "media/receive_path.hpp"

#include <algorithm>

namespace parley::media {
namespace {

parley_codec_params with_options(parley_codec_params params, const std::string& options) {
  params.options = {options.data(), options.size()};
  return params;
}

}  // namespace

JitterBufferConfig ReceivePath::jitter_config(const plugin::CodecPlugin& codec,
                                              const ReceivePathConfig& config) {
  JitterBufferConfig jitter = config.jitter;
  jitter.rtp_clock_rate_hz = codec.info().rtp_clock_rate_hz;
  jitter.frame_duration_ms = config.codec.frame_duration_ms;
  jitter.max_payload_bytes = std::max<std::size_t>(codec.info().max_payload_bytes, 1);
  jitter.use_fec = config.codec.fec != 0 && (codec.info().capabilities & PARLEY_CODEC_CAP_FEC) != 0;
  if (jitter.use_fec) {
    // FEC rebuilds frame N from packet N+1, which must be here when N is due:
    // that takes a frame of delay, and half a frame of margin, once packets
    // are being lost (see JitterBufferConfig::fec_delay_ms).
    jitter.fec_delay_ms = std::max(jitter.fec_delay_ms, 1.5 * config.codec.frame_duration_ms);
  }
  return jitter;
}

ReceivePath::ReceivePath(const plugin::CodecPlugin& codec, const ReceivePathConfig& config)
    : config_(config),
      jitter_(jitter_config(codec, config)),
      decoder_(codec, with_options(config.codec, config_.codec_options)),
      silence_(decoder_.frame_samples(), 0),
      output_(std::size_t{config.playback_rate_hz} * config.codec.frame_duration_ms / 1000 *
              config.codec.channels) {
  if (config.playback_rate_hz != config.codec.sample_rate_hz) {
    resampler_.emplace(config.codec.channels, config.codec.sample_rate_hz, config.playback_rate_hz);
    // The resampler's first outputs come up short by its filter delay: start
    // with that much silence so every pull is a whole frame.
    const std::vector<std::int16_t> lead(
        std::size_t{resampler_->delay_samples() + 8} * config.codec.channels, 0);
    output_fifo_.push(lead);
  }
  stats_.resampling = resampler_.has_value();
  stats_.kernel_concealment = decoder_.kernel_concealment();
  stats_.fec = jitter_.config().use_fec;
  last_codec_frame_ = silence_;
}

void ReceivePath::push_packet(std::span<const std::uint8_t> packet, MediaTime arrival) {
  const auto parsed = parse_rtp(packet);
  if (!parsed.packet) {
    ++stats_.packets_malformed;
    return;
  }
  if (parsed.packet->header.payload_type != config_.payload_type) {
    ++stats_.packets_wrong_payload_type;
    return;
  }
  jitter_.insert(*parsed.packet, arrival);
}

std::span<const std::int16_t> ReceivePath::pull_frame(MediaTime now) {
  last_decision_ = jitter_.pop_frame_due(now);
  switch (last_decision_.action) {
    case PlayoutAction::wait: last_codec_frame_ = silence_; break;
    case PlayoutAction::play: last_codec_frame_ = decoder_.decode(last_decision_.payload); break;
    case PlayoutAction::fec: last_codec_frame_ = decoder_.decode_fec(last_decision_.payload); break;
    case PlayoutAction::conceal:
    case PlayoutAction::insert: last_codec_frame_ = decoder_.conceal(); break;
  }
  ++stats_.frames_output;
  if (!resampler_) return last_codec_frame_;
  output_fifo_.push(resampler_->process(last_codec_frame_));
  if (!output_fifo_.pop(output_)) {
    ++stats_.output_underruns;
    std::fill(output_.begin(), output_.end(), std::int16_t{0});
  }
  return output_;
}

ReceivePathStats ReceivePath::stats() const {
  ReceivePathStats out = stats_;
  out.jitter = jitter_.stats();
  out.decoder = decoder_.stats();
  return out;
}

}  // namespace parley::media
