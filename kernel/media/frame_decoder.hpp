// One codec decoder behind the jitter buffer: turns each playout decision into
// exactly one frame of PCM at the codec's rate, whatever the payload holds. A
// payload the decoder rejects (malformed, hostile) is concealed and counted,
// never thrown; codecs without PLC are concealed by the kernel's LossConcealer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/loss_concealer.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::media {

struct FrameDecoderStats {
  std::uint64_t frames_decoded = 0;
  std::uint64_t frames_fec_decoded = 0;
  std::uint64_t frames_concealed = 0;  // by the codec's PLC or the kernel's
  std::uint64_t decode_errors = 0;     // payloads the decoder refused (concealed instead)
  std::uint64_t size_mismatches = 0;   // payloads holding more or less than one frame
};

class FrameDecoder {
 public:
  // params: the codec's rate, channels and frame duration.
  FrameDecoder(const plugin::CodecPlugin& codec, const parley_codec_params& params);

  std::span<const std::int16_t> decode(std::span<const std::uint8_t> payload);
  // Rebuilds the frame before next_payload from its FEC data.
  std::span<const std::int16_t> decode_fec(std::span<const std::uint8_t> next_payload);
  std::span<const std::int16_t> conceal();

  [[nodiscard]] std::size_t frame_samples() const { return frame_.size(); }  // interleaved
  [[nodiscard]] bool kernel_concealment() const { return concealer_.has_value(); }
  [[nodiscard]] const FrameDecoderStats& stats() const { return stats_; }

 private:
  // Runs the decoder into scratch_; returns the samples per channel, or nullopt on refusal.
  std::optional<std::size_t> run(std::span<const std::uint8_t> payload, bool lost, bool fec);
  std::span<const std::int16_t> fit_frame(std::size_t samples_per_channel);

  plugin::CodecDecoder decoder_;
  std::uint32_t channels_;
  std::optional<LossConcealer> concealer_;
  std::vector<std::int16_t> scratch_;  // room for the longest legal packet
  std::vector<std::int16_t> frame_;
  FrameDecoderStats stats_;
};

}  // namespace parley::media
