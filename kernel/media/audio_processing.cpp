#include "media/audio_processing.hpp"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include <algorithm>
#include <stdexcept>

namespace parley::media {
namespace {

// Enough for the jitter of a sound card's callbacks (a few frames of 20 ms).
constexpr std::size_t kMaxQueuedReferences = 16;

}  // namespace

AudioProcessing::AudioProcessing(std::uint32_t sample_rate_hz, std::uint32_t frame_samples,
                                 const AudioProcessingConfig& config)
    : frame_samples_(frame_samples), silence_(frame_samples, 0), cancelled_(frame_samples, 0) {
  if (frame_samples == 0 || sample_rate_hz == 0)
    throw std::invalid_argument("audio processing: empty frames");
  const auto tail_samples =
      static_cast<int>(std::uint64_t{sample_rate_hz} * config.echo_tail_ms / 1000);
  echo_ = speex_echo_state_init(static_cast<int>(frame_samples), tail_samples);
  preprocess_ = speex_preprocess_state_init(static_cast<int>(frame_samples),
                                            static_cast<int>(sample_rate_hz));
  if (echo_ == nullptr || preprocess_ == nullptr) {
    if (echo_ != nullptr) speex_echo_state_destroy(echo_);
    if (preprocess_ != nullptr) speex_preprocess_state_destroy(preprocess_);
    throw std::runtime_error("audio processing: SpeexDSP could not allocate its state");
  }
  int rate = static_cast<int>(sample_rate_hz);
  speex_echo_ctl(echo_, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
  stats_.echo_cancellation = config.echo_cancellation;
  stats_.noise_suppression = config.noise_suppression;
  set_automatic_gain_control(config.automatic_gain_control);
  configure_preprocessor();
}

AudioProcessing::~AudioProcessing() {
  speex_preprocess_state_destroy(preprocess_);
  speex_echo_state_destroy(echo_);
}

bool AudioProcessing::active() const {
  return stats_.echo_cancellation || stats_.noise_suppression || stats_.automatic_gain_control;
}

void AudioProcessing::configure_preprocessor() {
  int denoise = stats_.noise_suppression ? 1 : 0;
  speex_preprocess_ctl(preprocess_, SPEEX_PREPROCESS_SET_DENOISE, &denoise);
  // The preprocessor also removes the echo the linear filter left behind.
  speex_preprocess_ctl(preprocess_, SPEEX_PREPROCESS_SET_ECHO_STATE,
                       stats_.echo_cancellation ? echo_ : nullptr);
}

void AudioProcessing::set_echo_cancellation(bool on) {
  if (on && !stats_.echo_cancellation) speex_echo_state_reset(echo_);  // no stale echo path
  stats_.echo_cancellation = on;
  if (!on) references_.clear();
  configure_preprocessor();
}

void AudioProcessing::set_noise_suppression(bool on) {
  stats_.noise_suppression = on;
  configure_preprocessor();
}

bool AudioProcessing::set_automatic_gain_control(bool on) {
  int value = on ? 1 : 0;
  const bool accepted = speex_preprocess_ctl(preprocess_, SPEEX_PREPROCESS_SET_AGC, &value) == 0;
  stats_.agc_available = accepted || !on;
  stats_.automatic_gain_control = on && accepted;
  return accepted || !on;
}

void AudioProcessing::on_playback(std::span<const std::int16_t> frame) {
  if (!stats_.echo_cancellation || frame.size() != frame_samples_) return;
  if (references_.size() == kMaxQueuedReferences) references_.pop_front();
  references_.emplace_back(frame.begin(), frame.end());
}

void AudioProcessing::process_capture(std::span<std::int16_t> frame) {
  if (!active() || frame.size() != frame_samples_) return;
  ++stats_.frames_processed;
  if (stats_.echo_cancellation) {
    // Called with both frames directly (not speex_echo_capture/playback),
    // which keeps the pairing ours and SpeexDSP's stderr warnings quiet.
    const std::int16_t* far_end = silence_.data();
    if (references_.empty()) {
      ++stats_.frames_without_reference;
    } else {
      far_end = references_.front().data();
    }
    speex_echo_cancellation(echo_, frame.data(), far_end, cancelled_.data());
    std::copy(cancelled_.begin(), cancelled_.end(), frame.begin());
    if (!references_.empty()) references_.pop_front();
  }
  speex_preprocess_run(preprocess_, frame.data());
}

}  // namespace parley::media
