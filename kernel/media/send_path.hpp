// The send half of a call, transport-agnostic: captured PCM in, RTP packets
// (bytes) out. capture rate -> resample -> echo cancel / noise suppress / AGC
// -> encode (DTX, in-band FEC) -> packetize. Ciphering and the transport are
// the caller's: it receives each packet through a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/audio_processing.hpp"
#include "media/codec_params.hpp"
#include "media/packetizer.hpp"
#include "media/resampler.hpp"
#include "media/sample_fifo.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::media {

struct SendPathConfig {
  std::uint32_t capture_rate_hz = 48000;
  parley_codec_params codec{};  // rate, channels, frame duration, bitrate, FEC, DTX...
  std::string codec_options;    // codec.options points into this
  std::uint8_t payload_type = 96;
  std::uint32_t ssrc = 0;
  std::uint16_t first_sequence = 0;
  std::uint32_t first_timestamp = 0;
  AudioProcessingConfig processing;
};

struct SendPathStats {
  std::uint64_t samples_captured = 0;  // per channel, at the capture rate
  std::uint64_t frames_encoded = 0;
  std::uint64_t frames_dtx = 0;  // the encoder had nothing worth sending
  std::uint64_t packets_sent = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t encode_errors = 0;  // frames the encoder refused (skipped)
  bool resampling = false;
  AudioProcessingStats processing;
};

using PacketSink = std::function<void(std::span<const std::uint8_t> packet)>;

class SendPath {
 public:
  SendPath(const plugin::CodecPlugin& codec, const SendPathConfig& config);

  // Any amount of interleaved capture-rate audio; calls on_packet for each packet ready.
  void push_capture(std::span<const std::int16_t> pcm, const PacketSink& on_packet);
  // What the speaker played (capture rate, mono), for the echo canceller.
  void push_playback_reference(std::span<const std::int16_t> pcm);
  // Mid-call changes (bitrate, FEC, expected loss); false when the codec cannot.
  bool update_codec(const parley_codec_params& params);
  AudioProcessing* processing() { return processing_.get(); }
  [[nodiscard]] SendPathStats stats() const;
  [[nodiscard]] std::size_t codec_frame_samples() const { return frame_.size(); }

 private:
  void encode_frame(const PacketSink& on_packet);

  SendPathConfig config_;
  plugin::CodecEncoder encoder_;
  RtpPacketizer packetizer_;
  std::optional<Resampler> resampler_;
  std::optional<Resampler> reference_resampler_;
  std::unique_ptr<AudioProcessing> processing_;
  SampleFifo fifo_;
  SampleFifo reference_fifo_;
  std::vector<std::int16_t> frame_;
  std::vector<std::int16_t> reference_frame_;
  std::vector<std::uint8_t> payload_;
  std::vector<std::uint8_t> packet_;
  SendPathStats stats_;
};

}  // namespace parley::media
