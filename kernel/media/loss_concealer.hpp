// Packet loss concealment for codecs that have none (G.711): pitch waveform
// substitution after ITU-T G.711 Appendix I, simplified. A lost frame repeats
// the last pitch period(s) of the signal, using one more period every 10 ms
// (up to three, so long losses do not buzz), at full level for 10 ms and then
// fading 20% per 10 ms to silence at 60 ms; the first good frame after a loss
// is cross-faded in over 4 ms plus a quarter period. Codecs with their own PLC
// (PARLEY_CODEC_CAP_PLC) are better served by it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace parley::media {

class LossConcealer {
 public:
  LossConcealer(std::uint32_t sample_rate_hz, std::uint32_t channels);

  // A frame decoded from a packet (interleaved); after a loss its start is
  // blended with the concealment, in place.
  void on_good_frame(std::span<std::int16_t> pcm);
  // Fills pcm (interleaved, one frame) for a lost frame.
  void conceal(std::span<std::int16_t> pcm);
  [[nodiscard]] std::uint32_t last_pitch_samples() const { return channels_state_[0].pitch; }

 private:
  struct Channel {
    std::vector<float> history;  // the latest good samples, oldest first
    std::uint32_t pitch = 0;
    std::size_t phase = 0;  // position within the repeated periods
  };
  float next_synthetic(Channel& channel) const;
  std::uint32_t estimate_pitch(const std::vector<float>& history) const;
  void remember(Channel& channel, std::span<const std::int16_t> pcm, std::size_t channel_index);
  [[nodiscard]] float gain_at(std::size_t lost_sample) const;

  std::uint32_t sample_rate_hz_;
  std::uint32_t channels_;
  std::size_t min_pitch_;
  std::size_t max_pitch_;
  std::size_t history_samples_;
  std::size_t lost_samples_ = 0;  // per channel, since the loss began; 0: not in a loss
  std::vector<Channel> channels_state_;
};

}  // namespace parley::media
