#include "media/send_path.hpp"

#include <stdexcept>

namespace parley::media {

namespace {

parley_codec_params with_options(parley_codec_params params, const std::string& options) {
  params.options = {options.data(), options.size()};
  return params;
}

}  // namespace

SendPath::SendPath(const plugin::CodecPlugin& codec, const SendPathConfig& config)
    : config_(config),
      encoder_(codec.make_encoder(with_options(config.codec, config_.codec_options))),
      packetizer_(PacketizerConfig{config.payload_type, config.ssrc, config.first_sequence,
                                   config.first_timestamp, codec.info().rtp_clock_rate_hz,
                                   config.codec.frame_duration_ms}),
      frame_(std::size_t{config.codec.sample_rate_hz} * config.codec.frame_duration_ms / 1000 *
             config.codec.channels),
      payload_(std::max<std::size_t>(codec.info().max_payload_bytes, 1)),
      packet_(kRtpFixedHeaderBytes + payload_.size()) {
  config_.codec.options = {config_.codec_options.data(), config_.codec_options.size()};
  if (config.capture_rate_hz != config.codec.sample_rate_hz) {
    resampler_.emplace(config.codec.channels, config.capture_rate_hz, config.codec.sample_rate_hz);
    reference_resampler_.emplace(1, config.capture_rate_hz, config.codec.sample_rate_hz);
  }
  stats_.resampling = resampler_.has_value();
  if (config.codec.channels == 1) {
    processing_ = std::make_unique<AudioProcessing>(
        config.codec.sample_rate_hz, static_cast<std::uint32_t>(frame_.size()), config.processing);
    reference_frame_.resize(frame_.size());
  } else if (config.processing.echo_cancellation || config.processing.noise_suppression ||
             config.processing.automatic_gain_control) {
    throw std::invalid_argument(
        "send path: echo cancellation, noise suppression and AGC are mono only");
  }
}

void SendPath::push_capture(std::span<const std::int16_t> pcm, const PacketSink& on_packet) {
  stats_.samples_captured += pcm.size() / config_.codec.channels;
  if (resampler_) {
    fifo_.push(resampler_->process(pcm));
  } else {
    fifo_.push(pcm);
  }
  while (fifo_.pop(frame_)) encode_frame(on_packet);
}

void SendPath::push_playback_reference(std::span<const std::int16_t> pcm) {
  if (!processing_ || !processing_->stats().echo_cancellation) return;
  if (reference_resampler_) {
    reference_fifo_.push(reference_resampler_->process(pcm));
  } else {
    reference_fifo_.push(pcm);
  }
  while (reference_fifo_.pop(reference_frame_)) processing_->on_playback(reference_frame_);
}

void SendPath::encode_frame(const PacketSink& on_packet) {
  if (processing_) processing_->process_capture(frame_);
  std::size_t size = 0;
  try {
    size = encoder_.encode(frame_, payload_);
  } catch (const plugin::PluginCallError&) {
    // One bad frame must not end the call: it goes unsent, like a DTX frame.
    ++stats_.encode_errors;
    packetizer_.skip_frame();
    return;
  }
  ++stats_.frames_encoded;
  if (size == 0) {
    ++stats_.frames_dtx;
    packetizer_.skip_frame();
    return;
  }
  const std::size_t packet_size = packetizer_.packetize(std::span(payload_).first(size), packet_);
  if (packet_size == 0) return;
  ++stats_.packets_sent;
  stats_.payload_bytes += size;
  on_packet(std::span(packet_).first(packet_size));
}

bool SendPath::update_codec(const parley_codec_params& params) {
  parley_codec_params updated = params;
  updated.options = config_.codec.options;
  return encoder_.update(updated);
}

SendPathStats SendPath::stats() const {
  SendPathStats out = stats_;
  if (processing_) out.processing = processing_->stats();
  return out;
}

}  // namespace parley::media
