// The receive half of a call, transport-agnostic: RTP packets (bytes, already
// deciphered) in as they arrive, one frame of playback PCM out per frame
// period of the playback clock. parse -> adaptive jitter buffer -> decode with
// FEC recovery and concealment -> resample to the playback rate.
// Not thread-safe: a call's network thread (push_packet) and audio thread
// (pull_frame) take one mutex around each call, held for microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/codec_params.hpp"
#include "media/frame_decoder.hpp"
#include "media/jitter_buffer.hpp"
#include "media/resampler.hpp"
#include "media/sample_fifo.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::media {

struct ReceivePathConfig {
  std::uint32_t playback_rate_hz = 48000;
  parley_codec_params codec{};  // rate, channels, frame duration (ptime), fec = use in-band FEC
  std::string codec_options;
  std::uint8_t payload_type = 96;
  // Delay bounds and estimator settings; the RTP clock, frame duration and
  // FEC use are filled in from the codec.
  JitterBufferConfig jitter;
};

struct ReceivePathStats {
  std::uint64_t packets_malformed = 0;           // not RTP
  std::uint64_t packets_wrong_payload_type = 0;  // another payload (e.g. comfort noise): ignored
  std::uint64_t frames_output = 0;
  std::uint64_t output_underruns = 0;  // resampler fell short: padded with silence
  bool resampling = false;
  bool kernel_concealment = false;  // the codec has no PLC of its own
  bool fec = false;
  JitterBufferStats jitter;
  FrameDecoderStats decoder;
};

class ReceivePath {
 public:
  ReceivePath(const plugin::CodecPlugin& codec, const ReceivePathConfig& config);

  void push_packet(std::span<const std::uint8_t> packet, MediaTime arrival);
  // One frame of interleaved playback-rate audio for the period starting now.
  std::span<const std::int16_t> pull_frame(MediaTime now);

  // What the last pull decided, and the codec-rate frame it produced (the codec lab aligns on
  // these).
  [[nodiscard]] const PlayoutDecision& last_decision() const { return last_decision_; }
  [[nodiscard]] std::span<const std::int16_t> last_codec_frame() const { return last_codec_frame_; }
  [[nodiscard]] ReceivePathStats stats() const;
  [[nodiscard]] const JitterBuffer& jitter_buffer() const { return jitter_; }

 private:
  static JitterBufferConfig jitter_config(const plugin::CodecPlugin& codec,
                                          const ReceivePathConfig& config);

  ReceivePathConfig config_;
  JitterBuffer jitter_;
  FrameDecoder decoder_;
  std::optional<Resampler> resampler_;
  SampleFifo output_fifo_;
  std::vector<std::int16_t> silence_;
  std::vector<std::int16_t> output_;
  PlayoutDecision last_decision_;
  std::span<const std::int16_t> last_codec_frame_;
  ReceivePathStats stats_;
};

}  // namespace parley::media
