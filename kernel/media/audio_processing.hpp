// Capture-side voice processing (SpeexDSP): acoustic echo cancellation
// (speex_echo, MDF), noise suppression and automatic gain control
// (speex_preprocess), each switchable on and off during a call. With all
// three off a frame passes untouched (the null strategy, at no cost).
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

struct SpeexEchoState_;
struct SpeexPreprocessState_;

namespace parley::media {

struct AudioProcessingConfig {
  bool echo_cancellation = false;
  bool noise_suppression = false;
  bool automatic_gain_control = false;
  std::uint32_t echo_tail_ms = 200;  // longest echo path the filter models
};

struct AudioProcessingStats {
  std::uint64_t frames_processed = 0;
  std::uint64_t frames_without_reference = 0;  // AEC on, but no far-end frame was played
  bool echo_cancellation = false;
  bool noise_suppression = false;
  bool automatic_gain_control = false;
  bool agc_available = true;  // false in fixed-point SpeexDSP builds
};

class AudioProcessing {
 public:
  // Mono frames of frame_samples at sample_rate_hz.
  AudioProcessing(std::uint32_t sample_rate_hz, std::uint32_t frame_samples,
                  const AudioProcessingConfig& config);
  AudioProcessing(const AudioProcessing&) = delete;
  AudioProcessing& operator=(const AudioProcessing&) = delete;
  ~AudioProcessing();

  void set_echo_cancellation(bool on);
  void set_noise_suppression(bool on);
  // Returns false when this SpeexDSP build has no AGC.
  bool set_automatic_gain_control(bool on);

  // The far-end frame just sent to the speaker: the echo to cancel from the
  // capture frame recorded at the same time.
  void on_playback(std::span<const std::int16_t> frame);
  // Processes one captured frame in place.
  void process_capture(std::span<std::int16_t> frame);
  [[nodiscard]] const AudioProcessingStats& stats() const { return stats_; }
  [[nodiscard]] bool active() const;

 private:
  void configure_preprocessor();

  std::uint32_t frame_samples_;
  SpeexEchoState_* echo_ = nullptr;
  SpeexPreprocessState_* preprocess_ = nullptr;
  // Far-end frames waiting for their capture frame; bounded, as a speaker
  // running ahead of the microphone must not grow it forever.
  std::deque<std::vector<std::int16_t>> references_;
  std::vector<std::int16_t> silence_;
  std::vector<std::int16_t> cancelled_;
  AudioProcessingStats stats_;
};

}  // namespace parley::media
